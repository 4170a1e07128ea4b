package io.viewkeeper.consensus;

/**
 * The replica group this replica belongs to, and its own index in it. The primary of view v is
 * {@code replicaIndex == v mod replicaCount} (VR Revisited §4).
 */
public record ReplicaConfiguration(int replicaCount, int replicaIndex, int batchOpMax) {

    public ReplicaConfiguration {
        if (replicaCount < 1 || replicaCount > 7 || replicaCount % 2 == 0) {
            throw new IllegalArgumentException("replicaCount must be odd, 1..7: " + replicaCount);
        }
        if (replicaIndex < 0 || replicaIndex >= replicaCount) {
            throw new IllegalArgumentException("replicaIndex out of range: " + replicaIndex);
        }
        if (batchOpMax < 1) {
            throw new IllegalArgumentException("batchOpMax must be positive: " + batchOpMax);
        }
    }

    public static ReplicaConfiguration single() {
        return new ReplicaConfiguration(1, 0, 1024);
    }

    public int quorum() {
        return replicaCount / 2 + 1;
    }
}
