package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory log of one replica: entries {@code startOp + 1 .. lastOp()} with the hash chain at each op. Ops at
 * or below {@code startOp} were released (they are in a checkpoint or were never held). Invariant: entries are
 * contiguous, each entry's op is its position, and {@code chain(op) = link(chain(op - 1), entry(op))}.
 */
final class ReplicaLog {

    private final List<LogEntry> entries = new ArrayList<>();
    private long[] chains = new long[16];
    private long startOp;
    private long startChain;
    /** The op of the last accepted reconfiguration appended and not truncated away; 0 when none. */
    private long lastReconfigurationOp;

    ReplicaLog(long startOp, long startChain) {
        this.startOp = startOp;
        this.startChain = startChain;
    }

    /** The chain hash linking {@code entry} to its predecessor's chain value. */
    static long link(long parentChain, LogEntry entry) {
        return entry.chainAfter(parentChain);
    }

    long startOp() {
        return startOp;
    }

    long lastOp() {
        return startOp + entries.size();
    }

    boolean holds(long op) {
        return op > startOp && op <= lastOp();
    }

    LogEntry entry(long op) {
        if (!holds(op)) {
            throw new IllegalStateException("op " + op + " not in log (" + startOp + ", " + lastOp() + "]");
        }
        return entries.get((int) (op - startOp - 1));
    }

    /** The chain at {@code op}; defined for {@code startOp <= op <= lastOp()}. */
    long chain(long op) {
        if (op == startOp) {
            return startChain;
        }
        entry(op);
        return chains[(int) (op - startOp - 1)];
    }

    void append(LogEntry entry) {
        if (entry.op() != lastOp() + 1) {
            throw new IllegalStateException("append op " + entry.op() + " after " + lastOp());
        }
        if (!entry.checksumValid()) {
            throw new IllegalStateException("append of an entry failing its checksum: " + entry);
        }
        long chain = link(chain(lastOp()), entry);
        if (entries.size() == chains.length) {
            chains = java.util.Arrays.copyOf(chains, chains.length * 2);
        }
        chains[entries.size()] = chain;
        entries.add(entry);
        if (Reconfiguration.accepted(entry)) {
            lastReconfigurationOp = entry.op();
        }
    }

    /** The op of the last accepted reconfiguration this log held since it was last reset; 0 when none. */
    long lastReconfigurationOp() {
        return lastReconfigurationOp;
    }

    /** Drops every entry after {@code op}; {@code op} must be at or above {@code startOp}. */
    void truncateAfter(long op) {
        if (op < startOp) {
            throw new IllegalStateException("truncate below log start " + startOp + ": " + op);
        }
        if (op < lastOp()) {
            entries.subList((int) (op - startOp), entries.size()).clear();
        }
        if (lastReconfigurationOp > op) {
            lastReconfigurationOp = 0;
        }
    }

    /** Entries {@code fromOp .. lastOp()}, at most {@code countMax} of them. */
    List<LogEntry> suffix(long fromOp, int countMax) {
        if (fromOp <= startOp) {
            throw new IllegalStateException("suffix from released op " + fromOp + ", log starts after " + startOp);
        }
        if (fromOp > lastOp()) {
            return List.of();
        }
        int from = (int) (fromOp - startOp - 1);
        int to = (int) Math.min(entries.size(), (long) from + countMax);
        return List.copyOf(entries.subList(from, to));
    }

    /** Releases entries up to {@code op} (garbage collection below a checkpoint, §5.1). */
    void releaseUpTo(long op) {
        if (op <= startOp) {
            return;
        }
        if (op > lastOp()) {
            throw new IllegalStateException("release of op " + op + " beyond the log end " + lastOp());
        }
        long newStartChain = chain(op);
        int count = (int) (op - startOp);
        entries.subList(0, count).clear();
        System.arraycopy(chains, count, chains, 0, entries.size());
        startOp = op;
        startChain = newStartChain;
    }

    /** Empties the log and restarts it after a checkpoint at {@code op}. */
    void resetTo(long op, long chain) {
        entries.clear();
        lastReconfigurationOp = 0;
        startOp = op;
        startChain = chain;
    }

    /** The disk's checkpoint and the intact entries that follow it without a gap: what the disk durably holds. */
    static ReplicaLog heldBy(DurableState disk) {
        Checkpoint checkpoint = disk.checkpoint();
        ReplicaLog log = new ReplicaLog(checkpoint == null ? 0 : checkpoint.op(), checkpoint == null ? 0
                : checkpoint.chain());
        for (LogEntry entry : disk.entries()) {
            if (entry.op() <= log.startOp()) {
                continue;
            }
            if (entry.op() != log.lastOp() + 1 || !entry.checksumValid()) {
                break;
            }
            log.append(entry);
        }
        return log;
    }
}
