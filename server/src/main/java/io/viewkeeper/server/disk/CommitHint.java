package io.viewkeeper.server.disk;

import io.viewkeeper.consensus.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The {@code commit-hint} file: the highest op the replica knew committed and the hash chain at that op, written
 * every frontend tick the op moved, never fsynced (see {@link io.viewkeeper.consensus.DurableState#knownCommit()}:
 * a stale, lost or torn hint is only smaller, since a bad checksum reads as none). On restart the hint counts only
 * if the log read back holds that op with that chain, so a hint beside a log it does not describe (a directory put
 * together from another copy) is ignored rather than trusted. 8 bytes of op, 8 of chain, a CRC32C of both;
 * replaced by a rename.
 */
final class CommitHint {
    static final String FILE_NAME = "commit-hint";
    private static final int BYTES = 20;

    /** A hint: op and the hash chain at it; op 0 is none. */
    record Hint(long op, long chain) {
        static final Hint NONE = new Hint(0, 0);
    }

    private CommitHint() {
    }

    /** The hint in {@code dataDir}, or {@link Hint#NONE} when there is none or it fails its checksum. */
    static Hint read(Path dataDir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dataDir.resolve(FILE_NAME));
        } catch (NoSuchFileException e) {
            return Hint.NONE;
        }
        if (bytes.length != BYTES) {
            return Hint.NONE;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long op = buffer.getLong();
        long chain = buffer.getLong();
        return op > 0 && buffer.getInt() == crc(op, chain) ? new Hint(op, chain) : Hint.NONE;
    }

    static void write(Path dataDir, long op, long chain) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES).putLong(op).putLong(chain).putInt(crc(op, chain));
        Path temporary = dataDir.resolve(FILE_NAME + ".tmp");
        Files.write(temporary, buffer.array());
        Files.move(temporary, dataDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The op the hint vouches for in this log: the hinted op when an entry after the checkpoint ({@code startOp},
     * chain {@code startChain}) holds it with the hinted chain, else 0.
     */
    static long validate(Hint hint, long startOp, long startChain, List<LogEntry> entries) {
        if (hint.op() <= startOp) {
            return 0;
        }
        long chain = startChain;
        for (LogEntry entry : entries) {
            chain = entry.chainAfter(chain);
            if (entry.op() == hint.op()) {
                return chain == hint.chain() ? hint.op() : 0;
            }
        }
        return 0;
    }

    private static int crc(long op, long chain) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(16).putLong(op).putLong(chain).array());
        return (int) crc.getValue();
    }
}
