package io.viewkeeper.bench;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Creates many znodes fast for the memory and restart probes: znode i is {@code root/(i mod parents)/n<i>}, made by
 * asynchronous creates spread round-robin over the sessions with at most {@value #WINDOW} outstanding per session.
 * Returns only when every create was acknowledged.
 */
final class ZnodeFill {
    static final int PARENTS = 1000;
    static final int WINDOW = 64;
    /** How long the last creates in flight may take once every create has been sent. */
    static final long DRAIN_TIMEOUT_MINUTES = 5;

    private final String root;

    ZnodeFill(String root) {
        if (!root.startsWith("/") || root.endsWith("/")) {
            throw new IllegalArgumentException("root must be an absolute path without a trailing slash: " + root);
        }
        this.root = root;
    }

    String path(long index) {
        return root + "/" + (index % PARENTS) + "/n" + index;
    }

    /** The root and its {@value #PARENTS} parents: one more than {@value #PARENTS} znodes. */
    void createParents(ZooKeeper client) throws InterruptedException {
        try {
            client.create(root, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int p = 0; p < PARENTS; p++) {
                client.create(root + "/" + p, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        } catch (KeeperException e) {
            throw new IllegalStateException("cannot create the parents under " + root + ": " + e.code(), e);
        }
    }

    /** Creates znodes 0 .. znodes-1 with the given value. */
    void fill(List<ZooKeeper> clients, long znodes, byte[] value) throws InterruptedException {
        fill(clients, 0, znodes, value);
    }

    /**
     * Creates znodes {@code from} .. {@code to}-1 with the given value (none when {@code to <= from}). A create lost
     * with its connection (a server that dropped its clients during a view change or an election) is made again
     * once the rest are done; finding it there then counts as made.
     */
    void fill(List<ZooKeeper> clients, long from, long to, byte[] value) throws InterruptedException {
        long znodes = Math.max(0, to - from);
        Semaphore window = new Semaphore(WINDOW * clients.size());
        AtomicLong failures = new AtomicLong();
        Queue<Long> lost = new ConcurrentLinkedQueue<>();
        for (long i = from; i < to; i++) {
            window.acquire();
            long index = i;
            ZooKeeper client = clients.get((int) (i % clients.size()));
            client.create(path(i), value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                    (rc, path, ctx, name) -> {
                        if (rc == KeeperException.Code.CONNECTIONLOSS.intValue()) {
                            lost.add(index);
                        } else if (rc != 0) {
                            failures.incrementAndGet();
                        }
                        window.release();
                    }, null);
        }
        if (!window.tryAcquire(WINDOW * clients.size(), DRAIN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException("creating " + znodes + " znodes under " + root + ": not all answered");
        }
        for (Long index : lost) {
            createAgain(clients.get((int) (index % clients.size())), path(index), value);
        }
        if (failures.get() > 0) {
            throw new IllegalStateException("creating " + znodes + " znodes under " + root + ": " + failures.get()
                    + " failed");
        }
    }

    private static void createAgain(ZooKeeper client, String path, byte[] value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(DRAIN_TIMEOUT_MINUTES);
        while (true) {
            try {
                client.create(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                return;
            } catch (KeeperException.NodeExistsException e) {
                return; // the lost create was applied after all
            } catch (KeeperException.ConnectionLossException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("creating " + path + ": the connection stays lost", e);
                }
                Thread.sleep(100);
            } catch (KeeperException e) {
                throw new IllegalStateException("creating " + path + ": " + e.code(), e);
            }
        }
    }
}
