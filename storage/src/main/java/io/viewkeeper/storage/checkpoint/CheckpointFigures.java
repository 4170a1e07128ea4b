package io.viewkeeper.storage.checkpoint;

/**
 * What an operator sees of the checkpoint store: where the stored checkpoint is (op, zxid, size) and what the last
 * save cost. {@code op} is -1 while nothing has been saved.
 */
public record CheckpointFigures(long op, long lastZxid, int nodeCount, int sessionCount, long bytesOnDisk,
        long saves, long lastSaveNanos, int lastSaveNodesWritten, int lastSaveNodesDeleted, boolean lastSaveFull) {
}
