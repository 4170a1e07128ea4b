package io.viewkeeper.server;

import io.viewkeeper.consensus.ReplicaOptions;
import java.util.Map;

/**
 * How a replica uses its disk. {@code fsync=always} (default) syncs every log batch before it is acknowledged;
 * {@code fsync=never} leaves it to the operating system, for tests and for users who accept losing recent writes
 * when a machine (not a process) fails. A checkpoint is taken when the log has grown by {@code checkpointOps}
 * entries or {@code checkpointLogBytes} bytes since the last one, or {@code checkpointIntervalMs} has passed with
 * new commits; the log below a checkpoint is then deleted. A checkpoint sent to a peer that lags behind the log
 * travels in chunks of {@code checkpointChunkBytes}. {@code inputLog} ({@code debug.inputLog}, null when not set)
 * is a debugging aid: the replica thread writes every input its consensus core consumed to that file, for
 * {@code viewkeeper replay-inputs} to run again offline.
 */
public record DiskSettings(boolean fsync, long walSegmentBytes, long checkpointOps, long checkpointLogBytes,
                           long checkpointIntervalMs, int checkpointChunkBytes, java.nio.file.Path inputLog) {

    public static final long SEGMENT_BYTES_DEFAULT = 64L * 1024 * 1024;
    public static final int CHUNK_BYTES_MIN = 1024;

    public DiskSettings {
        if (walSegmentBytes < 64 * 1024 || walSegmentBytes > 1024L * 1024 * 1024) {
            throw new ConfigException("wal.segmentBytes", "must be between 64 KiB and 1 GiB, got " + walSegmentBytes);
        }
        if (checkpointOps < 1) {
            throw new ConfigException("checkpoint.ops", "must be positive, got " + checkpointOps);
        }
        if (checkpointLogBytes < 1) {
            throw new ConfigException("checkpoint.logBytes", "must be positive, got " + checkpointLogBytes);
        }
        if (checkpointIntervalMs < 1) {
            throw new ConfigException("checkpoint.intervalMs", "must be positive, got " + checkpointIntervalMs);
        }
        requireChunkBytes(checkpointChunkBytes);
    }

    private static void requireChunkBytes(long value) {
        if (value < CHUNK_BYTES_MIN || value > ReplicaOptions.CHECKPOINT_CHUNK_BYTES_MAX) {
            throw new ConfigException("checkpoint.chunkBytes", "must be between " + CHUNK_BYTES_MIN + " and "
                    + ReplicaOptions.CHECKPOINT_CHUNK_BYTES_MAX + ", got " + value);
        }
    }

    public static DiskSettings defaults() {
        return new DiskSettings(true, SEGMENT_BYTES_DEFAULT, 100_000, 512L * 1024 * 1024, 10 * 60_000, 1 << 20,
                null);
    }

    public DiskSettings withCheckpointOps(long value) {
        return new DiskSettings(fsync, walSegmentBytes, value, checkpointLogBytes, checkpointIntervalMs,
                checkpointChunkBytes, inputLog);
    }

    public DiskSettings withInputLog(java.nio.file.Path file) {
        return new DiskSettings(fsync, walSegmentBytes, checkpointOps, checkpointLogBytes, checkpointIntervalMs,
                checkpointChunkBytes, file);
    }

    static DiskSettings parse(Map<String, String> p) {
        DiskSettings d = defaults();
        String fsync = p.getOrDefault("fsync", "always");
        if (!fsync.equals("always") && !fsync.equals("never")) {
            throw new ConfigException("fsync", "must be always or never, got '" + fsync + "'");
        }
        long chunkBytes = number(p, "checkpoint.chunkBytes", d.checkpointChunkBytes);
        requireChunkBytes(chunkBytes);
        return new DiskSettings(fsync.equals("always"), number(p, "wal.segmentBytes", d.walSegmentBytes),
                number(p, "checkpoint.ops", d.checkpointOps), number(p, "checkpoint.logBytes", d.checkpointLogBytes),
                number(p, "checkpoint.intervalMs", d.checkpointIntervalMs),
                (int) chunkBytes, p.containsKey("debug.inputLog")
                        ? ConfigException.path("debug.inputLog", p.get("debug.inputLog")) : null);
    }

    private static long number(Map<String, String> p, String key, long fallback) {
        String text = p.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "must be a whole number, got '" + text + "'");
        }
    }
}
