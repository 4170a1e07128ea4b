package io.viewkeeper.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The two durable file steps the log and the metadata store share: forcing a directory so that creations, renames
 * and deletions in it survive a crash, and replacing a file whole, so that a crash leaves the old file or the new
 * one and never a mix.
 */
final class DurableFiles {

    private DurableFiles() {
    }

    /** Makes the creations, renames and deletions in {@code directory} durable. */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Writes {@code content} to {@code temporary} (extended with zeros to {@code fileBytes} when that is larger),
     * forces it, renames it over {@code target} atomically and forces the directory.
     */
    static void replace(ChannelOpener opener, Path temporary, Path target, ByteBuffer content, long fileBytes)
            throws IOException {
        try (FileChannel channel = opener.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long contentBytes = content.remaining();
            while (content.hasRemaining()) {
                channel.write(content, content.position());
            }
            if (fileBytes > contentBytes) {
                channel.write(ByteBuffer.allocate(1), fileBytes - 1);
            }
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
    }
}
