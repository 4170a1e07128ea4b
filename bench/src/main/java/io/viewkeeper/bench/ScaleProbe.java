package io.viewkeeper.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

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
            CountDownLatch fired = new CountDownLatch(sessions);
            String hot = WATCH_ROOT + "/0";
            List<ZooKeeper> writer = new LoadGenerator(group.addresses(), true, 17).connect(1);
            try (WireSessions clients = new WireSessions(LoadGenerator.SESSION_TIMEOUT_MS, hot, fired)) {
                createWatched(writer.getFirst(), watchesPerSession);
                long connectStart = System.nanoTime();
                clients.open(socketAddresses(group.addresses()), sessions, LoadGenerator.CONNECT_TIMEOUT_MS * 5);
                long connectMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart);
                List<String> paths = new ArrayList<>();
                for (int w = 0; w < watchesPerSession; w++) {
                    paths.add(WATCH_ROOT + "/" + w);
                }
                long watchStart = System.nanoTime();
                clients.watch(paths, DELIVERY_TIMEOUT_MS);
                long watchSetMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - watchStart);
                log.printf(Locale.ROOT, "scale %s: %,d sessions open in %,d ms, %,d watches set in %,d ms%n",
                        system.id(), sessions, connectMs, (long) sessions * watchesPerSession, watchSetMs);
                long sent = System.nanoTime();
                try {
                    writer.getFirst().setData(hot, new byte[] {1}, -1);
                } catch (KeeperException e) {
                    throw new IllegalStateException("the change that fires the watches failed: " + e.code(), e);
                }
                long acknowledged = System.nanoTime();
                boolean all = fired.await(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                int notified = sessions - (int) fired.getCount();
                long last = all ? clients.lastNotifiedNanos() : System.nanoTime();
                WatchResult result = new WatchResult(system.id(), sessions, (long) sessions * watchesPerSession,
                        connectMs, watchSetMs, notified, TimeUnit.NANOSECONDS.toMillis(Math.max(0, last - acknowledged)),
                        TimeUnit.NANOSECONDS.toMillis(last - sent));
                log.println(Json.write(result.toMap()));
                return result;
            } finally {
                LoadGenerator.closeAll(writer);
            }
        }
    }

    /** "host:port" strings as socket addresses. */
    private static List<InetSocketAddress> socketAddresses(List<String> servers) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String server : servers) {
            int colon = server.lastIndexOf(':');
            addresses.add(new InetSocketAddress(server.substring(0, colon),
                    Integer.parseInt(server.substring(colon + 1))));
        }
        return addresses;
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

    /** The setData load the probe measures at each tree size: 100 B values over 1,000 znodes, 8 outstanding. */
    static Workload writes(int sessions, long warmupMs, long durationMs) {
        return new Workload("setData-100B", OpMix.parse("setData:1"), sessions, 8,
                new Workload.Data(VALUE_BYTES, 1000, "uniform", 1), warmupMs, durationMs);
    }

    /**
     * Each system in turn: writes as its tree grows through {@code treeSizes} (none when empty), then the watch
     * probe with {@code sessions} sessions (none when 0). Writes scale.json and scale.md in the output directory
     * and returns the table.
     */
    static String measure(BenchEnvironment environment, String command, List<BenchSystem> systems,
            List<Long> treeSizes, Workload writes, int sessions, int watchesPerSession, PrintStream log)
            throws IOException, InterruptedException {
        List<SizeResult> sizes = new ArrayList<>();
        List<WatchResult> watches = new ArrayList<>();
        for (BenchSystem system : systems) {
            if (!treeSizes.isEmpty()) {
                log.printf("scale: %s, writes at %s znodes%n", system.id(), treeSizes);
                sizes.addAll(sizes(environment, system, treeSizes, writes, log));
            }
            if (sessions > 0) {
                log.printf("scale: %s, %,d sessions watching %d znodes each%n", system.id(), sessions,
                        watchesPerSession);
                watches.add(watches(environment, system, sessions, watchesPerSession, log));
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", command);
        root.put("serverJvmOptions", environment.jvmOptions());
        root.put("sizes", sizes.stream().map(SizeResult::toMap).toList());
        root.put("watches", watches.stream().map(WatchResult::toMap).toList());
        Files.writeString(environment.out().resolve("scale.json"), Json.write(root) + "\n");
        String table = table(sizes, watches);
        Files.writeString(environment.out().resolve("scale.md"), table);
        return table;
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
