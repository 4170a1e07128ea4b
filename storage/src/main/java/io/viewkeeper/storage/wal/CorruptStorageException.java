package io.viewkeeper.storage.wal;

import java.io.IOException;

/** A file on disk failed its checks (checksum, format, identity): its contents must not be used as they are. */
public final class CorruptStorageException extends IOException {

    public CorruptStorageException(String message) {
        super(message);
    }
}
