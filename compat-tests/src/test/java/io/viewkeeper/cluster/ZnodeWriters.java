package io.viewkeeper.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Real ZooKeeper clients, one session each and each starting on its own replica, creating znodes under a parent
 * and setting data on the ones they created, with unique data. Every answer goes into a {@link Ledger}; a writer
 * stops at its first error, so it leaves at most one write whose outcome it never learned.
 */
final class ZnodeWriters implements AutoCloseable {
    private static final long THINK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * What clients were told about the znodes they wrote: the data and mzxid of each znode's last acknowledged
     * write, and the data of a write sent after it that was never answered (it may or may not have happened).
     */
    static final class Ledger {
        record Acknowledged(String data, long mzxid) {
        }

        private final Map<String, Acknowledged> acknowledged = new ConcurrentHashMap<>();
        private final Map<String, String> unanswered = new ConcurrentHashMap<>();

        void invoked(String path, String data) {
            unanswered.put(path, data);
        }

        void acknowledged(String path, String data, Stat stat) {
            acknowledged.put(path, new Acknowledged(data, stat.getMzxid()));
            unanswered.remove(path);
        }

        int acknowledgedCount() {
            return acknowledged.size();
        }

        int unansweredCount() {
            return unanswered.size();
        }

        /**
         * Every way what {@code zk} reads now departs from what clients were told: a znode missing, or with
         * other data or mzxid than its last acknowledged write, unless it holds the unanswered write after it.
         */
        List<String> departures(ZooKeeper zk) throws KeeperException, InterruptedException {
            List<String> found = new ArrayList<>();
            TreeSet<String> paths = new TreeSet<>(acknowledged.keySet());
            paths.addAll(unanswered.keySet());
            for (String path : paths) {
                Acknowledged told = acknowledged.get(path);
                String pending = unanswered.get(path);
                Stat stat = new Stat();
                String data;
                try {
                    data = new String(zk.getData(path, false, stat), StandardCharsets.UTF_8);
                } catch (KeeperException.NoNodeException e) {
                    data = null;
                }
                boolean asTold = told != null && data != null && told.data().equals(data)
                        && told.mzxid() == stat.getMzxid();
                boolean pendingHappened = pending != null && pending.equals(data)
                        && (told == null || stat.getMzxid() > told.mzxid());
                boolean pendingCreateLost = told == null && data == null;
                if (!asTold && !pendingHappened && !pendingCreateLost) {
                    found.add(path + ": acknowledged " + (told == null ? "nothing" : abbreviate(told.data())
                            + " at mzxid 0x" + Long.toHexString(told.mzxid())) + (pending == null ? ""
                            : ", then sent " + abbreviate(pending)) + ", but reads " + (data == null ? "no znode"
                            : abbreviate(data) + " at mzxid 0x" + Long.toHexString(stat.getMzxid())));
                }
            }
            return found;
        }

        private static String abbreviate(String data) {
            return "'" + (data.length() > 24 ? data.substring(0, 24) + "..." : data) + "'";
        }
    }

    private final ClusterProcesses cluster;
    private final Ledger ledger;
    private final String parent;
    private final int sessionTimeoutMs;
    private final int dataBytesMin;
    private final int dataBytesMax;
    private final long seed;
    private final List<Thread> threads = new ArrayList<>();
    private final List<ZooKeeper> clients = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stops = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong acknowledgedWrites = new AtomicLong();
    private volatile boolean running;

    /** Writers under {@code parent} (which must exist), with data of {@code dataBytesMin..dataBytesMax} bytes. */
    ZnodeWriters(ClusterProcesses cluster, Ledger ledger, String parent, int sessionTimeoutMs, int dataBytesMin,
            int dataBytesMax, long seed) {
        this.cluster = cluster;
        this.ledger = ledger;
        this.parent = parent;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.dataBytesMin = dataBytesMin;
        this.dataBytesMax = dataBytesMax;
        this.seed = seed;
    }

    /** Starts {@code count} writers, spread over the replicas, each connected before this returns. */
    void start(int count) throws IOException {
        start(count, 0);
    }

    /** Starts {@code count} writers on replica {@code first} (0: spread over the replicas), each connected. */
    void start(int count, int first) throws IOException {
        running = true;
        for (int w = 0; w < count; w++) {
            int replica = first > 0 ? first : w % cluster.size() + 1;
            ZooKeeper zk = ClusterClients.connect(cluster, replica, sessionTimeoutMs);
            clients.add(zk);
            int writer = w;
            Thread t = new Thread(() -> run(writer, zk, new SplittableRandom(seed + writer)), "znode-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    long acknowledgedWrites() {
        return acknowledgedWrites.get();
    }

    /** Why each writer that stopped on its own stopped. */
    List<String> stops() {
        return List.copyOf(stops);
    }

    /** Stops the writers, waiting for each to finish its write in progress; their sessions stay open. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " still blocked in a write");
            }
        }
    }

    /** Stops the writers and closes their sessions. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        synchronized (clients) {
            clients.forEach(ClusterClients::closeQuietly);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    private void run(int writer, ZooKeeper zk, SplittableRandom random) {
        List<String> created = new ArrayList<>();
        int sequence = 0;
        try {
            while (running) {
                String data = data(writer, sequence++, random);
                if (created.isEmpty() || random.nextBoolean()) {
                    String path = parent + "/w" + writer + "-" + created.size();
                    ledger.invoked(path, data);
                    Stat stat = new Stat();
                    zk.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT, stat);
                    ledger.acknowledged(path, data, stat);
                    created.add(path);
                } else {
                    String path = created.get(random.nextInt(created.size()));
                    ledger.invoked(path, data);
                    Stat stat = zk.setData(path, data.getBytes(StandardCharsets.UTF_8), -1);
                    ledger.acknowledged(path, data, stat);
                }
                acknowledgedWrites.incrementAndGet();
                LockSupport.parkNanos(THINK_NANOS);
            }
        } catch (KeeperException e) {
            stops.add("writer " + writer + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String data(int writer, int sequence, SplittableRandom random) {
        int bytes = dataBytesMin + random.nextInt(dataBytesMax - dataBytesMin + 1);
        StringBuilder s = new StringBuilder("w").append(writer).append('-').append(sequence).append(':');
        while (s.length() < bytes) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }
}
