package io.viewkeeper.storage;

import io.viewkeeper.storage.checkpoint.CheckpointFigures;
import io.viewkeeper.storage.checkpoint.CheckpointStore;
import io.viewkeeper.storage.checkpoint.CorruptCheckpointException;
import io.viewkeeper.storage.checkpoint.StoredCheckpoint;
import io.viewkeeper.storage.wal.ChannelOpener;
import io.viewkeeper.storage.wal.MetadataStore;
import io.viewkeeper.storage.wal.ReplicaMetadata;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An offline look at a stopped replica's data directory: the metadata, the checkpoint and the log's segments, each
 * read and checked (checksums, the tree digest, op continuity). It cuts no torn tail and repairs nothing; the one
 * write it may cause is MapDB replaying its own journal when the checkpoint file opens.
 */
public final class DataDirInspector {
    private static final int RECORD_BYTES_MAX = 64 * 1024 * 1024;

    private final PrintWriter out;
    private int problems;

    private DataDirInspector(PrintWriter out) {
        this.out = out;
    }

    /** Prints the report; returns the number of problems found (0 when everything checks). */
    public static int inspect(Path dataDir, PrintWriter out) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new IOException(dataDir + " is not a directory");
        }
        DataDirInspector inspector = new DataDirInspector(out);
        out.println("data directory " + dataDir.toAbsolutePath());
        inspector.metadata(dataDir);
        long checkpointOp = inspector.checkpoint(dataDir.resolve("checkpoint"));
        inspector.log(dataDir.resolve("wal"), checkpointOp);
        out.println(inspector.problems == 0 ? "verdict: every check passed"
                : "verdict: " + inspector.problems + " problem(s) found");
        out.flush();
        return inspector.problems;
    }

    private void metadata(Path dataDir) {
        if (!Files.exists(dataDir.resolve("metadata.0")) && !Files.exists(dataDir.resolve("metadata.1"))) {
            out.println("metadata: none (a replica that never started here)");
            return;
        }
        try {
            Optional<ReplicaMetadata> found = MetadataStore.open(dataDir, ChannelOpener.DIRECT).metadata();
            ReplicaMetadata m = found.orElseThrow();
            out.printf(Locale.ROOT, "metadata: replica %d of cluster %x (%s); view %d, last normal view %s, "
                    + "epoch %d%n", m.replicaId(), m.clusterId(), m.configuration(), m.view(),
                    m.lastNormalView() < 0 ? "none (recovering)" : Long.toString(m.lastNormalView()), m.epoch());
        } catch (IOException e) {
            problem("metadata: " + e.getMessage());
        }
    }

    private long checkpoint(Path dir) {
        if (!Files.exists(dir.resolve(CheckpointStore.FILE_NAME))) {
            out.println("checkpoint: none");
            return 0;
        }
        // the clock times saves only, and inspecting saves nothing
        try (CheckpointStore store = CheckpointStore.open(dir, () -> 0L)) {
            Optional<StoredCheckpoint> stored = store.image();
            if (stored.isEmpty()) {
                out.println("checkpoint: none saved yet");
                return 0;
            }
            CheckpointFigures f = store.figures();
            out.printf(Locale.ROOT, "checkpoint: op %d, %d znodes, %d sessions, %d bytes on disk, digest %x "
                    + "(verified)%n", stored.get().op(), f.nodeCount(), f.sessionCount(), f.bytesOnDisk(),
                    stored.get().digest());
            return stored.get().op();
        } catch (CorruptCheckpointException | IOException e) {
            problem("checkpoint: " + e.getMessage());
            return 0;
        }
    }

    private void log(Path dir, long checkpointOp) throws IOException {
        long unresolved = WriteAheadLog.unresolvedTail(dir);
        if (unresolved > 0) {
            out.printf(Locale.ROOT, "log: an unreadable last write an earlier start found is not resolved yet (it may "
                    + "have held ops through op %d); the replica asks its peers on its next start%n", unresolved);
        }
        List<WriteAheadLog.SegmentReport> segments = WriteAheadLog.inspect(dir, RECORD_BYTES_MAX);
        if (segments.isEmpty()) {
            out.println("log: no segments");
            return;
        }
        long expected = -1;
        for (WriteAheadLog.SegmentReport s : segments) {
            String range = s.entries() == 0 ? "empty" : "ops " + s.firstOp() + ".." + s.lastOp();
            out.printf(Locale.ROOT, "log: %s %s, %d entries, %d bytes%s%n", s.file(), range, s.entries(), s.bytes(),
                    s.unreadableTail() ? ", an unreadable last write (a replica of a group asks its peers what they "
                            + "hold after it on its next start, and keeps it)"
                            : s.tornTail() ? ", torn tail (cut on next start)" : "");
            if (s.damage() != null) {
                problem("log: " + s.file() + ": " + s.damage());
            } else if (!s.damagedOps().isEmpty()) {
                problem("log: " + s.file() + ": damaged records between intact ones at ops " + s.damagedOps()
                        + " (a replica of a group fetches them from its peers on its next start)");
            } else if (expected >= 0 && s.firstOp() != expected) {
                problem("log: " + s.file() + " starts at op " + s.firstOp() + " but op " + expected + " was expected");
            }
            expected = s.lastOp() + 1;
        }
        if (segments.get(0).firstOp() > checkpointOp + 1) {
            problem("log: starts at op " + segments.get(0).firstOp() + ", after the checkpoint at op " + checkpointOp
                    + ": ops in between are missing");
        }
    }

    private void problem(String text) {
        problems++;
        out.println("PROBLEM " + text);
    }
}
