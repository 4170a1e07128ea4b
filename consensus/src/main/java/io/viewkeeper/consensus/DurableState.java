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
 */
public record DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries,
                           long knownCommit, List<LogHole> holes) {

    public DurableState {
        if (lastNormalView > view || lastNormalView < Replica.RECOVERING_MARK) {
            throw new IllegalArgumentException("last normal view " + lastNormalView + " after view " + view);
        }
        if (knownCommit < 0) {
            throw new IllegalArgumentException("known commit " + knownCommit);
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
