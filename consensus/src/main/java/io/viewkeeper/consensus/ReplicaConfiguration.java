package io.viewkeeper.consensus;

/**
 * The replica group this replica belongs to, and its own index in it. Voters are indexes {@code 0..replicaCount-1};
 * learners (ZooKeeper's observers) follow them, {@code replicaCount..replicaCount+learnerCount-1}. The primary of
 * view v is the voter {@code v mod replicaCount} (VR Revisited §4). A learner receives the log from the primary,
 * persists and applies it, and is in no quorum: it never votes in a view change or a recovery, its
 * acknowledgements commit nothing, and it never becomes primary.
 */
public record ReplicaConfiguration(int replicaCount, int replicaIndex, int batchOpMax, int learnerCount) {

    /** At most this many learners: each costs the primary a copy of every Prepare. */
    public static final int LEARNERS_MAX = 16;

    public ReplicaConfiguration {
        if (replicaCount < 1 || replicaCount > 7 || replicaCount % 2 == 0) {
            throw new IllegalArgumentException("replicaCount must be odd, 1..7: " + replicaCount);
        }
        if (learnerCount < 0 || learnerCount > LEARNERS_MAX) {
            throw new IllegalArgumentException("learnerCount must be 0.." + LEARNERS_MAX + ": " + learnerCount);
        }
        if (learnerCount > 0 && replicaCount < 3) {
            throw new IllegalArgumentException("learners need a group of at least 3 voters, not " + replicaCount);
        }
        if (replicaIndex < 0 || replicaIndex >= replicaCount + learnerCount) {
            throw new IllegalArgumentException("replicaIndex out of range: " + replicaIndex);
        }
        if (batchOpMax < 1) {
            throw new IllegalArgumentException("batchOpMax must be positive: " + batchOpMax);
        }
    }

    /** A group of voters only. */
    public ReplicaConfiguration(int replicaCount, int replicaIndex, int batchOpMax) {
        this(replicaCount, replicaIndex, batchOpMax, 0);
    }

    public static ReplicaConfiguration single() {
        return new ReplicaConfiguration(1, 0, 1024);
    }

    /** A majority of the voters. */
    public int quorum() {
        return replicaCount / 2 + 1;
    }

    /** Voters and learners. */
    public int memberCount() {
        return replicaCount + learnerCount;
    }

    /** Whether this replica is a learner. */
    public boolean learner() {
        return isLearner(replicaIndex);
    }

    public boolean isLearner(int index) {
        return index >= replicaCount;
    }
}
