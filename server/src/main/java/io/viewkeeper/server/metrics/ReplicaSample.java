package io.viewkeeper.server.metrics;

import io.viewkeeper.frontend.FrontendReport;
import java.util.List;

/**
 * The node's state figures, read together on the replica thread and then handed to the metrics: replica status,
 * view, op and commit numbers, sizes of the replicated state, and, at the primary, how far each peer lags.
 *
 * @param peerLagOps per member in replica-index order: ops the primary holds that the peer has not acknowledged as
 *     durable; -1 where not known (at a backup, and for the primary itself)
 */
public record ReplicaSample(String status, boolean primary, long view, long opNumber, long commitNumber,
        long checkpointOp, StateSizes sizes, List<Long> peerLagOps, java.util.Map<String, Long> ignoredMessages) {

    /** Sizes of the replicated and per-node state (znodes in ZooKeeper's count). */
    public record StateSizes(int sessions, int watches, int znodes, long dataBytes, int connections,
            int outstandingRequests, FrontendReport.Clients clients) {
    }

    public ReplicaSample {
        peerLagOps = List.copyOf(peerLagOps);
        ignoredMessages = java.util.Map.copyOf(ignoredMessages);
    }
}
