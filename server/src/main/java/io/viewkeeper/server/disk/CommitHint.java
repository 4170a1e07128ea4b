package io.viewkeeper.server.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;

/**
 * The {@code commit-hint} file: the highest op the replica knew committed, written every frontend tick it moved,
 * never fsynced (see {@link io.viewkeeper.consensus.DurableState#knownCommit()}: a stale, lost or torn hint is only
 * smaller, since a bad checksum reads as none). Eight bytes of op and a CRC32C of them, replaced by a rename.
 */
final class CommitHint {
    static final String FILE_NAME = "commit-hint";
    private static final int BYTES = 12;

    private CommitHint() {
    }

    /** The hint in {@code dataDir}, or 0 when there is none or it fails its checksum. */
    static long read(Path dataDir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dataDir.resolve(FILE_NAME));
        } catch (NoSuchFileException e) {
            return 0;
        }
        if (bytes.length != BYTES) {
            return 0;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long op = buffer.getLong();
        return op >= 0 && buffer.getInt() == crc(op) ? op : 0;
    }

    static void write(Path dataDir, long op) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES).putLong(op).putInt(crc(op));
        Path temporary = dataDir.resolve(FILE_NAME + ".tmp");
        Files.write(temporary, buffer.array());
        Files.move(temporary, dataDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static int crc(long op) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putLong(op).array());
        return (int) crc.getValue();
    }
}
