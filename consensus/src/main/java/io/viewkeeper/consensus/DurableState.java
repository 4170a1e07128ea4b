package io.viewkeeper.consensus;

import java.util.List;

/**
 * What a replica finds on its disk when it restarts: the view state (persisted before it was acted on), the latest
 * checkpoint (null when none was taken) and the log entries after it that were made durable. A last normal view of
 * {@link Replica#RECOVERING_MARK} means the replica was recovering its state when it stopped; with a view of
 * {@link Replica#PRISTINE_RECOVERING_VIEW} it had been pristine then and not normal since.
 *
 * <p>{@code knownCommit} is a hint: the highest op the replica knew committed at some point before it stopped (0 when
 * the driver has none). It needs no fsync: a stale or lost hint is only smaller. Committed ops stay committed and a
 * replica never truncates below what it knew committed, so the entries it still holds up to the hint are the
 * committed ones; with it, a restarted replica's view change messages carry only the log after it instead of the
 * whole tail after the checkpoint.
 *
 * <p>{@code holes} are runs of ops after the checkpoint whose records the disk holds but could not read, while the
 * records around them are intact ({@link LogHole}); {@code entries} then skip those ops. A replica restarting with
 * holes fetches them from its peers before it takes part in anything ({@link Replica#restart}).
 *
 * <p>{@code uncertainTailOps} is not 0 when the disk's last write could not be read and nothing tells whether it
 * was a write cut short by a crash (never synced, so never acknowledged) or a synced write damaged since (its ops
 * perhaps acknowledged): at most that many ops after the last entry may have been held. A replica restarting so
 * resolves the doubt with its peers before it takes part in anything ({@link TailRepair}).
 */
public record DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries,
                           long knownCommit, List<LogHole> holes, int uncertainTailOps) {

    public DurableState {
        if (lastNormalView > view || lastNormalView < Replica.RECOVERING_MARK) {
            throw new IllegalArgumentException("last normal view " + lastNormalView + " after view " + view);
        }
        if (knownCommit < 0) {
            throw new IllegalArgumentException("known commit " + knownCommit);
        }
        if (uncertainTailOps < 0) {
            throw new IllegalArgumentException("uncertain tail of " + uncertainTailOps + " ops");
        }
        entries = List.copyOf(entries);
        holes = List.copyOf(holes);
        long after = checkpoint == null ? 0 : checkpoint.op();
        for (LogHole hole : holes) {
            if (hole.firstOp() <= after) {
                throw new IllegalArgumentException("log hole " + hole + " not after op " + after);
            }
            after = hole.lastOp();
        }
    }

    /** A disk whose last write read back whole. */
    public DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries,
                        long knownCommit, List<LogHole> holes) {
        this(view, lastNormalView, checkpoint, entries, knownCommit, holes, 0);
    }

    /** The last op the disk holds an entry or a hole of, or the checkpoint's op. */
    public long lastOp() {
        long last = checkpoint == null ? 0 : checkpoint.op();
        if (!entries.isEmpty()) {
            last = Math.max(last, entries.get(entries.size() - 1).op());
        }
        if (!holes.isEmpty()) {
            last = Math.max(last, holes.get(holes.size() - 1).lastOp());
        }
        return last;
    }

    /** A disk whose every record read back. */
    public DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries,
                        long knownCommit) {
        this(view, lastNormalView, checkpoint, entries, knownCommit, List.of());
    }

    /** A disk without a commit hint. */
    public DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries) {
        this(view, lastNormalView, checkpoint, entries, 0);
    }
}
