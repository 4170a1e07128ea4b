package io.viewkeeper.consensus;

/**
 * Ops {@code firstOp..lastOp} whose records a restarting replica's disk holds but could not read (they fail their
 * checks while the records around them are intact), and the hash chain at {@code lastOp}, which the disk still
 * names (the intact record after the hole, or the batch's end record, carries it). The replica fetches those entries
 * from a peer and accepts them only if they lead from the chain before the hole to that chain
 * ({@link RepairProtocol}).
 */
public record LogHole(long firstOp, long lastOp, long chainAtLast) {

    /** The most ops one hole may span: a longer run of damage is recovered as a whole state instead. */
    public static final int OPS_MAX = 64;

    public LogHole {
        if (firstOp <= 0 || lastOp < firstOp || lastOp - firstOp >= OPS_MAX) {
            throw new IllegalArgumentException("log hole " + firstOp + ".." + lastOp);
        }
    }

    public int size() {
        return (int) (lastOp - firstOp + 1);
    }
}
