package io.viewkeeper.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * How a system holds up as it grows, on a 3-node group of each system:
 * <ul>
 *   <li>tree size: setData throughput and p99 with the tree at each size asked for (znodes of 100 B under 1,000
 *       parents, added between the steps), on one group that grows;</li>
 *   <li>sessions and watches: on a fresh group, {@code sessions} sessions (spread over the servers) each set a data
 *       watch on {@code watchesPerSession} znodes; one setData of the znode every session watches then fires one
 *       notification per session. Reported: the time to open every session, to set every watch, and from the
 *       setData's acknowledgement (and from its sending) to the last notification delivered.</li>
 * </ul>
 */
public final class ScaleProbe {
    static final int VALUE_BYTES = 100;
    static final int FILL_SESSIONS = 8;
    static final String TREE_ROOT = "/scale";
    static final String WATCH_ROOT = "/watched";
    /** Watches set at once per session: each is one exists request. */
    static final int WATCH_WINDOW = 64;
    static final long DELIVERY_TIMEOUT_MS = 300_000;

    private ScaleProbe() {
    }

    /** setData with the tree at {@code znodes}: throughput, p99 and how long the tree took to grow to it. */
    public record SizeResult(String system, long znodes, long growMs, double writesPerSecond, long p50Micros,
            long p99Micros, long errors) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("znodes", znodes);
            map.put("growMs", growMs);
            map.put("writesPerSecond", Math.round(writesPerSecond));
            map.put("p50Micros", p50Micros);
            map.put("p99Micros", p99Micros);
            map.put("errors", errors);
            return map;
        }
    }

    /** Many sessions and watches, and one change firing a watch of every session. */
    public record WatchResult(String system, int sessions, long watches, long connectMs, long watchSetMs,
            int notified, long deliverAfterAckMs, long deliverAfterSendMs) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("sessions", sessions);
            map.put("watches", watches);
            map.put("connectMs", connectMs);
            map.put("watchSetMs", watchSetMs);
            map.put("notified", notified);
            map.put("deliverAfterAckMs", deliverAfterAckMs);
            map.put("deliverAfterSendMs", deliverAfterSendMs);
            return map;
        }
    }

    /** Grows one group of {@code system} through {@code sizes} (ascending), measuring writes at each. */
    public static List<SizeResult> sizes(BenchEnvironment environment, BenchSystem system, List<Long> sizes,
            Workload writes, PrintStream log) throws IOException, InterruptedException {
        List<SizeResult> results = new ArrayList<>();
        try (ServerGroup group = system.group(environment.settings(system, 0, "scale-tree"))) {
            group.start();
            ZnodeFill fill = new ZnodeFill(TREE_ROOT);
            byte[] value = LoadGenerator.value(VALUE_BYTES);
            List<ZooKeeper> clients = new LoadGenerator(group.addresses(), true, 13).connect(FILL_SESSIONS);
            try {
                fill.createParents(clients.getFirst());
                long held = 0;
                for (long size : sizes) {
                    long start = System.nanoTime();
                    fill.fill(clients, held, size, value);
                    held = Math.max(held, size);
                    long growMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    RunResult run = new LoadGenerator(group.addresses(), true, 17).run(system.id(), writes, 1, null);
                    SizeResult result = new SizeResult(system.id(), size, growMs, run.throughput(),
                            run.latency().p50(), run.latency().p99(), run.errorCount());
                    log.println(Json.write(result.toMap()));
                    results.add(result);
                }
            } finally {
                LoadGenerator.closeAll(clients);
            }
        }
        return results;
    }

    /** Opens {@code sessions} sessions on a fresh group of {@code system}, sets the watches, fires one change. */
    public static WatchResult watches(BenchEnvironment environment, BenchSystem system, int sessions,
            int watchesPerSession, PrintStream log) throws IOException, InterruptedException {
        if (sessions < 1 || watchesPerSession < 1) {
            throw new IllegalArgumentException("sessions and watches per session must be positive");
        }
        try (ServerGroup group = system.group(environment.settings(system, 1, "scale-watches"))) {
            group.start();
            List<ZooKeeper> clients = List.of();
            try {
                CountDownLatch fired = new CountDownLatch(sessions);
                AtomicLong lastNotifiedNanos = new AtomicLong();
                String hot = WATCH_ROOT + "/0";
                long connectStart = System.nanoTime();
                clients = connect(group.addresses(), sessions, hot, fired, lastNotifiedNanos);
                long connectMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart);
                createWatched(clients.getFirst(), watchesPerSession);
                long watchStart = System.nanoTime();
                setWatches(clients, watchesPerSession);
                long watchSetMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - watchStart);
                log.printf(Locale.ROOT, "scale %s: %,d sessions open in %,d ms, %,d watches set in %,d ms%n",
                        system.id(), sessions, connectMs, (long) sessions * watchesPerSession, watchSetMs);
                long sent = System.nanoTime();
                try {
                    clients.getFirst().setData(hot, new byte[] {1}, -1);
                } catch (KeeperException e) {
                    throw new IllegalStateException("the change that fires the watches failed: " + e.code(), e);
                }
                long acknowledged = System.nanoTime();
                boolean all = fired.await(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                int notified = sessions - (int) fired.getCount();
                long last = all ? lastNotifiedNanos.get() : System.nanoTime();
                WatchResult result = new WatchResult(system.id(), sessions, (long) sessions * watchesPerSession,
                        connectMs, watchSetMs, notified, TimeUnit.NANOSECONDS.toMillis(Math.max(0, last - acknowledged)),
                        TimeUnit.NANOSECONDS.toMillis(last - sent));
                log.println(Json.write(result.toMap()));
                return result;
            } finally {
                LoadGenerator.closeAll(clients);
            }
        }
    }

    /** Sessions spread round-robin over the servers; each counts down {@code fired} once, when {@code hot} changes. */
    private static List<ZooKeeper> connect(List<String> servers, int sessions, String hot, CountDownLatch fired,
            AtomicLong lastNotifiedNanos) throws IOException, InterruptedException {
        List<ZooKeeper> clients = new ArrayList<>(sessions);
        CountDownLatch connected = new CountDownLatch(sessions);
        try {
            for (int i = 0; i < sessions; i++) {
                AtomicBoolean once = new AtomicBoolean();
                AtomicBoolean notified = new AtomicBoolean();
                Watcher watcher = event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected && event.getPath() == null
                            && once.compareAndSet(false, true)) {
                        connected.countDown();
                    }
                    if (hot.equals(event.getPath()) && event.getType() == Watcher.Event.EventType.NodeDataChanged
                            && notified.compareAndSet(false, true)) {
                        lastNotifiedNanos.accumulateAndGet(System.nanoTime(), Math::max);
                        fired.countDown();
                    }
                };
                clients.add(new ZooKeeper(servers.get(i % servers.size()), LoadGenerator.SESSION_TIMEOUT_MS,
                        watcher, withoutSasl()));
            }
            if (!connected.await(LoadGenerator.CONNECT_TIMEOUT_MS * 5, TimeUnit.MILLISECONDS)) {
                throw new IOException(connected.getCount() + " of " + sessions + " sessions did not connect");
            }
            return clients;
        } catch (IOException | InterruptedException | RuntimeException e) {
            LoadGenerator.closeAll(clients);
            throw e;
        }
    }

    /**
     * The client's settings without its SASL attempt: with SASL on (ZooKeeper's default) and no JAAS configuration
     * each connection first looks for one, which made 150 sessions take 11 s to connect instead of 1.6 s, against
     * either system.
     */
    private static ZKClientConfig withoutSasl() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        return config;
    }

    private static void createWatched(ZooKeeper client, int count) throws InterruptedException {
        try {
            client.create(WATCH_ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int i = 0; i < count; i++) {
                client.create(WATCH_ROOT + "/" + i, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        } catch (KeeperException e) {
            throw new IllegalStateException("cannot create the watched znodes: " + e.code(), e);
        }
    }

    /** Every session sets a data watch (exists) on every watched znode; returns once all are set. */
    private static void setWatches(List<ZooKeeper> clients, int perSession) throws InterruptedException {
        Semaphore window = new Semaphore(WATCH_WINDOW * 16);
        AtomicInteger failures = new AtomicInteger();
        for (int w = 0; w < perSession; w++) {
            String path = WATCH_ROOT + "/" + w;
            for (ZooKeeper client : clients) {
                window.acquire();
                client.exists(path, true, (rc, p, ctx, stat) -> {
                    if (rc != 0) {
                        failures.incrementAndGet();
                    }
                    window.release();
                }, null);
            }
        }
        if (!window.tryAcquire(WATCH_WINDOW * 16, DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS) || failures.get() > 0) {
            throw new IllegalStateException("setting the watches: " + failures.get() + " failed");
        }
    }

    /** The tables: writes by tree size with the ratio to the first system, then sessions and watches. */
    static String table(List<SizeResult> sizes, List<WatchResult> watches) {
        StringBuilder out = new StringBuilder();
        if (!sizes.isEmpty()) {
            out.append("| system | znodes | grow ms | setData/s | p50 us | p99 us | errors |\n");
            out.append("|:--|--:|--:|--:|--:|--:|--:|\n");
            for (SizeResult r : sizes) {
                out.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,.0f | %,d | %,d | %,d |%n", r.system(),
                        r.znodes(), r.growMs(), r.writesPerSecond(), r.p50Micros(), r.p99Micros(), r.errors()));
            }
        }
        if (!watches.isEmpty()) {
            out.append(sizes.isEmpty() ? "" : "\n");
            out.append("| system | sessions | watches | open ms | watches set ms | notified | last after ack ms "
                    + "| last after send ms |\n");
            out.append("|:--|--:|--:|--:|--:|--:|--:|--:|\n");
            for (WatchResult r : watches) {
                out.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n",
                        r.system(), r.sessions(), r.watches(), r.connectMs(), r.watchSetMs(), r.notified(),
                        r.deliverAfterAckMs(), r.deliverAfterSendMs()));
            }
        }
        return out.toString();
    }
}
