package io.viewkeeper.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Heap per znode: each server's heap after a full GC is read before and after creating a number of 100-byte
 * znodes (spread under 1000 parents), and the difference is scaled to 1,000,000 znodes.
 */
public final class MemoryProbe {
    static final int PARENTS = 1000;
    static final int SESSIONS = 8;
    static final int WINDOW = 64;

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
                createParents(clients.getFirst());
                List<Long> before = heaps(environment, group);
                fill(clients, znodes);
                List<Long> after = heaps(environment, group);
                return new MemoryResult(system.id(), znodes + PARENTS + 1, before, after,
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

    private static void createParents(ZooKeeper client) throws InterruptedException {
        try {
            client.create("/mem", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int p = 0; p < PARENTS; p++) {
                client.create("/mem/" + p, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        } catch (KeeperException e) {
            throw new IllegalStateException("cannot create the parents: " + e.code(), e);
        }
    }

    private static void fill(List<ZooKeeper> clients, long znodes) throws InterruptedException {
        byte[] value = LoadGenerator.value(100);
        Semaphore window = new Semaphore(WINDOW * clients.size());
        AtomicLong failures = new AtomicLong();
        for (long i = 0; i < znodes; i++) {
            window.acquire();
            ZooKeeper client = clients.get((int) (i % clients.size()));
            client.create("/mem/" + (i % PARENTS) + "/n" + i, value, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT, (rc, path, ctx, name) -> {
                        if (rc != 0) {
                            failures.incrementAndGet();
                        }
                        window.release();
                    }, null);
        }
        if (!window.tryAcquire(WINDOW * clients.size(), 5, TimeUnit.MINUTES) || failures.get() > 0) {
            throw new IllegalStateException("creating " + znodes + " znodes: " + failures.get() + " failed");
        }
    }
}
