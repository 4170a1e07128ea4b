package io.viewkeeper.server.admin;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.server.metrics.ReplicaSample;
import java.util.ArrayList;
import java.util.List;

/** Reads a {@link ReplicaSample} on the replica thread, for the gauges of the metrics. */
final class ReplicaSampling {

    private ReplicaSampling() {
    }

    private static java.util.Map<String, Long> ignored(Replica r) {
        java.util.Map<String, Long> byReason = new java.util.HashMap<>();
        r.ignoredCounts().forEach((reason, count) -> byReason.put(reason.name().toLowerCase(java.util.Locale.ROOT),
                count));
        return byReason;
    }

    /** Replica thread only. */
    static ReplicaSample sample(NodeAccess node) {
        Replica r = node.replica();
        FrontendReport.Server s = node.frontend().server();
        boolean primary = r.status() == Replica.Status.NORMAL && r.isPrimary();
        int members = Math.max(1, node.config().members().size());
        List<Long> lag = new ArrayList<>(members);
        if (members == 1) {
            lag.add(-1L);
        } else {
            // in the configuration file's order, which the metrics registered their gauges in
            for (io.viewkeeper.server.NodeConfig.Member m : node.config().members()) {
                int slot = m.slot();
                lag.add(primary && slot != r.replicaIndex() ? Math.max(0, r.opNumber() - r.ackedOp(slot)) : -1);
            }
        }
        Checkpoint checkpoint = r.latestCheckpoint();
        ReplicaSample.StateSizes sizes = new ReplicaSample.StateSizes(s.sessions(), s.tree().watches(),
                s.tree().nodeCount(), s.tree().approximateDataSize(), s.connections(), s.outstandingRequests(),
                node.frontend().clients());
        return new ReplicaSample(ReplicaCommands.statusName(r.status()), primary, r.view(), r.opNumber(),
                r.commitNumber(), checkpoint == null ? -1 : checkpoint.op(), sizes, lag, ignored(r));
    }
}
