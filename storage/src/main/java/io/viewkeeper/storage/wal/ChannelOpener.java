package io.viewkeeper.storage.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files the write-ahead log and the metadata store write. Production opens them directly; storage fault
 * tests substitute channels that lose unsynced writes or tear them at a chosen write or fsync.
 */
@FunctionalInterface
public interface ChannelOpener {

    ChannelOpener DIRECT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
