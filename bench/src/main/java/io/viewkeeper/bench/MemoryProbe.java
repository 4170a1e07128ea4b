package io.viewkeeper.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.ZooKeeper;

/**
 * Heap per znode: each server's heap after a full GC is read before and after creating a number of 100-byte
 * znodes (spread under 1000 parents), and the difference is scaled to 1,000,000 znodes.
 */
public final class MemoryProbe {
    static final int SESSIONS = 8;

    private MemoryProbe() {
    }

    /** Heap growth per server, in bytes per 1,000,000 znodes; leader is the index of the leader at the end. */
    public record MemoryResult(String system, long znodes, List<Long> beforeBytes, List<Long> afterBytes,
            int leader) {
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

        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("znodes", znodes);
            map.put("heapBeforeBytes", beforeBytes);
            map.put("heapAfterBytes", afterBytes);
            map.put("leader", leader);
            map.put("meanHeapBytesPerMillionZnodes", meanBytesPerMillion());
            map.put("leaderHeapBytesPerMillionZnodes", bytesPerMillion(leader));
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
                return new MemoryResult(system.id(), znodes + ZnodeFill.PARENTS + 1, before, after,
                        group.leaderIndex().orElse(0));
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
