package io.viewkeeper.frontend;

import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.Znode;
import java.util.ArrayList;
import java.util.List;

/**
 * ZooKeeper's ContainerManager (§4.3): every check interval, empty containers that once had a child and TTL
 * nodes without children whose mtime is older than their TTL are deleted, at most maxPerMinute of them.
 * It only proposes deletes, on the primary; the replicated deleteContainer op decides.
 */
final class ContainerReaper {
    /** Client id of the reaper's deletes; no session has it (session ids carry a server id in the top byte). */
    static final long REAPER_CLIENT_ID = 0;
    private final long checkIntervalMs;
    private final int maxPerMinute;
    private long nextCheckMs = Long.MIN_VALUE;
    private long sequence;

    ContainerReaper(long checkIntervalMs, int maxPerMinute) {
        this.checkIntervalMs = checkIntervalMs;
        this.maxPerMinute = maxPerMinute;
    }

    /**
     * Proposes a deleteContainer for each path due now, as client {@link #REAPER_CLIENT_ID} with request numbers
     * from the applied zxid up (so they only grow); never offered again: the next check proposes what is still due.
     */
    void propose(DataTree tree, long nowMs, long lastZxid, WritePath writes) {
        for (String path : due(tree, nowMs)) {
            long requestNumber = (lastZxid << 12) | (sequence++ & 0xfff);
            Txn txn = new Txn(REAPER_CLIENT_ID, 0, nowMs, List.of(), new Operation.DeleteContainer(path));
            writes.submit(txn, REAPER_CLIENT_ID, requestNumber, WritePath.NO_PREVIOUS);
        }
    }

    List<String> due(DataTree tree, long nowMs) {
        if (nextCheckMs == Long.MIN_VALUE) {
            nextCheckMs = nowMs + checkIntervalMs;
            return List.of();
        }
        if (nowMs < nextCheckMs) {
            return List.of();
        }
        nextCheckMs = nowMs + checkIntervalMs;
        long budget = Math.max(1, maxPerMinute * checkIntervalMs / 60_000);
        List<String> paths = new ArrayList<>();
        for (String path : tree.containersAndTtlNodes()) {
            if (paths.size() >= budget) {
                break;
            }
            Znode node = tree.get(path);
            if (node == null || !node.children().isEmpty()) {
                continue;
            }
            boolean emptyContainer = node.isContainer() && node.childCreations() > 0;
            boolean expiredTtl = node.isTtl() && nowMs - node.mtime() > node.ttlMs();
            if (emptyContainer || expiredTtl) {
                paths.add(path);
            }
        }
        return paths;
    }
}
