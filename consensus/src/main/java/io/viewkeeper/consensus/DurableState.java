package io.viewkeeper.consensus;

import java.util.List;

/**
 * What a replica finds on its disk when it restarts: the view state (persisted before it was acted on), the latest
 * checkpoint (null when none was taken) and the log entries after it that were made durable. A last normal view of
 * {@link Replica#RECOVERING_MARK} means the replica was recovering its state when it stopped.
 */
public record DurableState(long view, long lastNormalView, Checkpoint checkpoint, List<LogEntry> entries) {

    public DurableState {
        if (lastNormalView > view || lastNormalView < Replica.RECOVERING_MARK) {
            throw new IllegalArgumentException("last normal view " + lastNormalView + " after view " + view);
        }
        entries = List.copyOf(entries);
    }
}
