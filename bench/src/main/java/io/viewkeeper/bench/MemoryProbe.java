package io.viewkeeper.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.ZooKeeper;

/**
 * Heap per znode: each server's heap after a full GC is read before and after creating a number of 100-byte
 * znodes (spread under 1000 parents), and the difference is scaled to 1,000,000 znodes. The heap after the fill,
 * summed over the servers, is the figure an operator sizes {@code -Xmx} by (fixed costs included); the leader's
 * class histogram after the fill says where it goes.
 */
public final class MemoryProbe {
    static final int SESSIONS = 8;
    static final int HISTOGRAM_CLASSES = 20;

    private MemoryProbe() {
    }

    /** Heap growth per server, in bytes per 1,000,000 znodes; leader is the index of the leader at the end. */
    public record MemoryResult(String system, long znodes, List<Long> beforeBytes, List<Long> afterBytes,
            int leader, List<HeapProbe.ClassShare> leaderHistogram) {
        public double bytesPerMillion(int server) {
            return (afterBytes.get(server) - beforeBytes.get(server)) * 1_000_000.0 / znodes;
        }

        public double meanBytesPerMillion() {
            double sum = 0;
            for (int i = 0; i < beforeBytes.size(); i++) {
                sum += bytesPerMillion(i);
            }
            return sum / beforeBytes.size();
        }

        /** The heap of every server after the fill, summed: the tree and every fixed cost. */
        public long totalAfterBytes() {
            return afterBytes.stream().mapToLong(Long::longValue).sum();
        }

        /** Heap growth per znode, the mean over the servers. */
        public double bytesPerZnode() {
            return meanBytesPerMillion() / 1_000_000.0;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("znodes", znodes);
            map.put("heapBeforeBytes", beforeBytes);
            map.put("heapAfterBytes", afterBytes);
            map.put("leader", leader);
            map.put("meanHeapBytesPerMillionZnodes", meanBytesPerMillion());
            map.put("leaderHeapBytesPerMillionZnodes", bytesPerMillion(leader));
            map.put("meanHeapBytesPerZnode", bytesPerZnode());
            map.put("totalHeapAfterBytes", totalAfterBytes());
            map.put("leaderClassHistogram", leaderHistogram.stream().map(share -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("class", share.className());
                row.put("instances", share.instances());
                row.put("bytes", share.bytes());
                return row;
            }).toList());
            return map;
        }
    }

    public static MemoryResult run(BenchEnvironment environment, BenchSystem system, long znodes)
            throws IOException, InterruptedException {
        try (ServerGroup group = system.group(environment.settings(system, 0, "memory"))) {
            group.start();
            LoadGenerator generator = new LoadGenerator(group.addresses(), true, 7);
            List<ZooKeeper> clients = generator.connect(SESSIONS);
            try {
                ZnodeFill fill = new ZnodeFill("/mem");
                fill.createParents(clients.getFirst());
                List<Long> before = heaps(environment, group);
                fill.fill(clients, znodes, LoadGenerator.value(100));
                List<Long> after = heaps(environment, group);
                int leader = group.leaderIndex().orElse(0);
                List<HeapProbe.ClassShare> histogram = HeapProbe.classHistogram(environment.javaExecutable(),
                        group.processes().get(leader).pid(), HISTOGRAM_CLASSES);
                return new MemoryResult(system.id(), znodes + ZnodeFill.PARENTS + 1, before, after, leader,
                        histogram);
            } finally {
                LoadGenerator.closeAll(clients);
            }
        }
    }

    private static List<Long> heaps(BenchEnvironment environment, ServerGroup group)
            throws IOException, InterruptedException {
        List<Long> used = new ArrayList<>();
        for (ServerProcess process : group.processes()) {
            used.add(HeapProbe.usedBytesAfterFullGc(environment.javaExecutable(), process.pid()));
        }
        return used;
    }
}
