package io.viewkeeper.storage.wal;

/**
 * What a replica must never forget across restarts besides its log: who it is ({@code clusterId},
 * {@code replicaId}, the group's {@code configuration} as text) and its view state ({@code view}, the last view in
 * which it was in normal status, {@code epoch}). A last normal view of -1 records that it was recovering.
 */
public record ReplicaMetadata(long clusterId, int replicaId, String configuration, long view, long lastNormalView,
                              long epoch) {

    public ReplicaMetadata {
        if (configuration == null) {
            throw new IllegalArgumentException("configuration must not be null");
        }
        if (lastNormalView > view || lastNormalView < -1) {
            throw new IllegalArgumentException("last normal view " + lastNormalView + " with view " + view);
        }
    }

    public ReplicaMetadata withViewState(long newView, long newLastNormalView) {
        return new ReplicaMetadata(clusterId, replicaId, configuration, newView, newLastNormalView, epoch);
    }
}
