package io.viewkeeper.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.ZooKeeper;

/**
 * Heap per znode: each server's live heap (a class histogram's total, after a full GC) is read before and after
 * creating a number of 100-byte znodes (spread under 1000 parents), and the difference is scaled to 1,000,000
 * znodes. The heap after the fill,
 * summed over the servers, is the figure an operator sizes {@code -Xmx} by (fixed costs included); the class
 * histogram of the server holding the most after the fill says where it goes.
 */
public final class MemoryProbe {
    static final int SESSIONS = 8;
    static final int HISTOGRAM_CLASSES = 20;

    private MemoryProbe() {
    }

    /** Heap growth per server, in bytes per 1,000,000 znodes; leader is the index of the leader at the end. */
    public record MemoryResult(String system, long znodes, List<Long> beforeBytes, List<Long> afterBytes,
            int leader, int largest, List<HeapProbe.ClassShare> largestHistogram) {
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
            map.put("largest", largest);
            map.put("largestClassHistogram", largestHistogram.stream().map(share -> {
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
                List<Long> before = totals(histograms(environment, group));
                fill.fill(clients, znodes, LoadGenerator.value(100));
                List<List<HeapProbe.ClassShare>> histograms = histograms(environment, group);
                List<Long> after = totals(histograms);
                int leader = group.leaderIndex().orElse(0);
                int largest = 0;
                for (int i = 1; i < after.size(); i++) {
                    largest = after.get(i) > after.get(largest) ? i : largest;
                }
                return new MemoryResult(system.id(), znodes + ZnodeFill.PARENTS + 1, before, after, leader,
                        largest, histograms.get(largest));
            } finally {
                LoadGenerator.closeAll(clients);
            }
        }
    }

    /**
     * Each server's class histogram, which a full collection precedes, so its total is the live heap. (The heap in
     * use read after a separate full collection also counted what a server allocated in between, such as a
     * checkpoint being saved: up to 190 MB more than its live objects on one server of three.)
     */
    private static List<List<HeapProbe.ClassShare>> histograms(BenchEnvironment environment, ServerGroup group)
            throws IOException, InterruptedException {
        List<List<HeapProbe.ClassShare>> histograms = new ArrayList<>();
        for (ServerProcess process : group.processes()) {
            histograms.add(HeapProbe.classHistogram(environment.javaExecutable(), process.pid(), HISTOGRAM_CLASSES));
        }
        return histograms;
    }

    private static List<Long> totals(List<List<HeapProbe.ClassShare>> histograms) {
        return histograms.stream().map(histogram -> histogram.getLast().bytes()).toList();
    }
}
