package io.viewkeeper.frontend;

import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Znode;
import java.util.ArrayList;
import java.util.List;

/**
 * ZooKeeper's ContainerManager (§4.3): every check interval, empty containers that once had a child and TTL
 * nodes without children whose mtime is older than their TTL are deleted, at most maxPerMinute of them.
 * It only proposes deletes; the replicated deleteContainer op decides.
 */
final class ContainerReaper {
    private final long checkIntervalMs;
    private final int maxPerMinute;
    private long nextCheckMs = Long.MIN_VALUE;

    ContainerReaper(long checkIntervalMs, int maxPerMinute) {
        this.checkIntervalMs = checkIntervalMs;
        this.maxPerMinute = maxPerMinute;
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
