package io.viewkeeper.consensus;

/**
 * Limits and timings of a replica, in ops and ticks. Every growing structure has a bound here (STYLE: a limit on
 * everything). Timeouts are randomized per replica between the base and twice the base from the PRNG the driver
 * passes in, so that concurrent view changes settle (VR Revisited §4.2 relies on timeouts).
 */
public record ReplicaOptions(
        int pipelineOpMax,
        int heartbeatTicks,
        int viewChangeTimeoutTicks,
        int resendTicks,
        int clientTableMax,
        int checkpointIntervalOps,
        int logRetainedOpsMax,
        int readQueueMax,
        boolean deduplicateRequests,
        int checkpointChunkBytes,
        int checkpointChunkWindow,
        int applyOpsMax) {

    /** The largest chunk of a checkpoint a replica sends or asks for, whatever the options say. */
    public static final int CHECKPOINT_CHUNK_BYTES_MAX = 8 << 20;

    public ReplicaOptions {
        requirePositive("pipelineOpMax", pipelineOpMax);
        requirePositive("heartbeatTicks", heartbeatTicks);
        requirePositive("resendTicks", resendTicks);
        requirePositive("clientTableMax", clientTableMax);
        requirePositive("readQueueMax", readQueueMax);
        requirePositive("logRetainedOpsMax", logRetainedOpsMax);
        requirePositive("checkpointChunkBytes", checkpointChunkBytes);
        requirePositive("checkpointChunkWindow", checkpointChunkWindow);
        requirePositive("applyOpsMax", applyOpsMax);
        if (checkpointChunkBytes > CHECKPOINT_CHUNK_BYTES_MAX) {
            throw new IllegalArgumentException("checkpointChunkBytes must be at most " + CHECKPOINT_CHUNK_BYTES_MAX
                    + ": " + checkpointChunkBytes);
        }
        if (viewChangeTimeoutTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("viewChangeTimeoutTicks must exceed heartbeatTicks");
        }
        if (checkpointIntervalOps < 0) {
            throw new IllegalArgumentException("checkpointIntervalOps must not be negative (0 disables)");
        }
    }

    /**
     * Committed ops applied per call at most: a replica that learns of a long committed backlog (a restarted group's
     * log tail, tens of thousands of ops) applies it a bounded batch per duty cycle and keeps ticking, sending
     * heartbeats and answering its peers in between, instead of going silent for seconds and setting off view
     * changes. A restarted replica applies its tail before its code is compiled, while its peers start too: batches
     * of 4096 creates then took 150-750 ms on two cores, and every view-change message waited behind one (the view
     * change took 1.7 s; with 512, 1.0 s, one run each, though cycles of 100-660 ms still came, GC and compilation
     * among them).
     */
    public static final int APPLY_OPS_MAX_DEFAULT = 512;

    /** Checkpoint chunks as given, {@link #APPLY_OPS_MAX_DEFAULT} ops applied per call. */
    public ReplicaOptions(int pipelineOpMax, int heartbeatTicks, int viewChangeTimeoutTicks, int resendTicks,
                          int clientTableMax, int checkpointIntervalOps, int logRetainedOpsMax, int readQueueMax,
                          boolean deduplicateRequests, int checkpointChunkBytes, int checkpointChunkWindow) {
        this(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax, checkpointIntervalOps,
                logRetainedOpsMax, readQueueMax, deduplicateRequests, checkpointChunkBytes, checkpointChunkWindow,
                APPLY_OPS_MAX_DEFAULT);
    }

    /** Checkpoint transfer in chunks of 1 MiB, four in flight. */
    public ReplicaOptions(int pipelineOpMax, int heartbeatTicks, int viewChangeTimeoutTicks, int resendTicks,
                          int clientTableMax, int checkpointIntervalOps, int logRetainedOpsMax, int readQueueMax,
                          boolean deduplicateRequests) {
        this(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax, checkpointIntervalOps,
                logRetainedOpsMax, readQueueMax, deduplicateRequests, 1 << 20, 4);
    }

    /** Defaults for a replica group; checkpoints every 1024 ops, deduplication on. */
    public static ReplicaOptions defaults() {
        return new ReplicaOptions(4096, 5, 30, 10, 4096, 1024, 65536, 1024, true);
    }

    /** The one-replica behaviour of the first server: every op is applied, nothing is deduplicated. */
    public static ReplicaOptions single() {
        return new ReplicaOptions(Integer.MAX_VALUE, 5, 30, 10, 4096, 0, Integer.MAX_VALUE, 1024, false);
    }

    public ReplicaOptions withCheckpointIntervalOps(int ops) {
        return new ReplicaOptions(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax,
                ops, logRetainedOpsMax, readQueueMax, deduplicateRequests, checkpointChunkBytes,
                checkpointChunkWindow, applyOpsMax);
    }

    public ReplicaOptions withLogRetainedOpsMax(int ops) {
        return new ReplicaOptions(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax,
                checkpointIntervalOps, ops, readQueueMax, deduplicateRequests, checkpointChunkBytes,
                checkpointChunkWindow, applyOpsMax);
    }

    /** Checkpoints travel in chunks of at most {@code bytes}, {@code window} of them requested at a time. */
    public ReplicaOptions withCheckpointChunks(int bytes, int window) {
        return new ReplicaOptions(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax,
                checkpointIntervalOps, logRetainedOpsMax, readQueueMax, deduplicateRequests, bytes, window,
                applyOpsMax);
    }

    /** At most {@code ops} committed ops applied per call (see {@link #APPLY_OPS_MAX_DEFAULT}). */
    public ReplicaOptions withApplyOpsMax(int ops) {
        return new ReplicaOptions(pipelineOpMax, heartbeatTicks, viewChangeTimeoutTicks, resendTicks, clientTableMax,
                checkpointIntervalOps, logRetainedOpsMax, readQueueMax, deduplicateRequests, checkpointChunkBytes,
                checkpointChunkWindow, ops);
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
