package io.viewkeeper.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.Stat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench reconfig}: the write gap of changing a group's members online. For each system a group of three
 * voters takes a setData load from sessions on servers 1 and 2 while new servers join through ZooKeeper's reconfig
 * (the same ZooKeeperAdmin call against both). Two groups: in one a fourth server joins as an observer and then
 * replaces server 3; in the other servers 4 and 5 join as observers, the group grows to five voters and shrinks
 * back to three. For each change: how long the reconfig call took and the longest interval without an
 * acknowledged write around it.
 */
@Command(name = "reconfig", mixinStandardHelpOptions = true,
        description = "Write gap while a fourth server joins as an observer and then replaces server 3 through "
                + "ZooKeeper's reconfig, under a setData load. Results in reconfig.json and reconfig.md.")
final class ReconfigCommand implements Callable<Integer> {
    @CommandLine.Mixin
    BenchMain.ServerOptionsMixin server;

    @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin",
            description = "Systems, measured one after the other (default ${DEFAULT-VALUE}).")
    List<BenchSystem> systems;

    @Option(names = "--sessions", defaultValue = "8", description = "Sessions writing, half on server 1, half on 2.")
    int sessions;

    @Option(names = "--settle-ms", defaultValue = "2000", description = "Load before and after each change.")
    long settleMs;

    /** One change's figures. */
    record Result(String system, String change, long reconfigMillis, long gapMillis, double writesPerSecond,
            int attempts) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("change", change);
            map.put("reconfigMillis", reconfigMillis);
            map.put("longestWriteGapMillis", gapMillis);
            map.put("writesPerSecond", Math.round(writesPerSecond));
            map.put("attempts", attempts);
            return map;
        }
    }

    /** Acknowledged writes' times, in nanoseconds, from every session. */
    private static final class Acks {
        private long[] times = new long[1 << 16];
        private int count;

        synchronized void add(long nanos) {
            if (count == times.length) {
                times = java.util.Arrays.copyOf(times, count * 2);
            }
            times[count++] = nanos;
        }

        /** The longest interval between consecutive acknowledgements from {@code from} to {@code to}. */
        synchronized long longestGap(long from, long to) {
            long[] sorted = java.util.Arrays.copyOf(times, count);
            java.util.Arrays.sort(sorted);
            long previous = from;
            long longest = 0;
            for (long t : sorted) {
                if (t < from) {
                    continue;
                }
                if (t > to) {
                    break;
                }
                longest = Math.max(longest, t - previous);
                previous = t;
            }
            return Math.max(longest, to - previous);
        }

        synchronized int countBetween(long from, long to) {
            int n = 0;
            for (int i = 0; i < count; i++) {
                n += times[i] >= from && times[i] <= to ? 1 : 0;
            }
            return n;
        }
    }

    @Override
    public Integer call() throws Exception {
        BenchEnvironment environment = server.environment();
        List<Result> results = new ArrayList<>();
        for (BenchSystem system : systems) {
            if (system != BenchSystem.ZK && system != BenchSystem.VK_LINEARIZABLE
                    && system != BenchSystem.VK_SEQUENTIAL) {
                throw new CommandLine.ParameterException(new CommandLine(this), "reconfig measures zk, vk-lin or "
                        + "vk-seq, not " + system.id());
            }
            for (int joining = 1; joining <= 2; joining++) {
                ServerGroup.Settings base = environment.settings(system, 0, "reconfig-" + joining);
                ServerGroup.Settings settings = new ServerGroup.Settings(base.system(), 3 + joining,
                        base.clientPort(), base.workDir(), base.javaExecutable(), base.jvmOptions(),
                        base.classpath());
                System.out.printf("reconfig: %s, %d joining%n", system.id(), joining);
                try (ServerGroup group = system.group(settings).withJoining(joining)) {
                    group.start();
                    group.startJoining();
                    results.addAll(measure(system.id(), group, joining));
                }
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "reconfig");
        root.put("serverJvmOptions", environment.jvmOptions());
        root.put("results", results.stream().map(Result::toMap).toList());
        Files.writeString(environment.out().resolve("reconfig.json"), Json.write(root) + "\n");
        String table = table(results);
        Files.writeString(environment.out().resolve("reconfig.md"), table);
        System.out.print(table);
        return 0;
    }

    private List<Result> measure(String system, ServerGroup group, int joining) throws Exception {
        List<String> addresses = group.addresses();
        Acks acks = new Acks();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            String address = addresses.get(i % 2);
            int session = i;
            Thread writer = new Thread(() -> write(address, session, acks, writing), "reconfig-writer-" + i);
            writer.start();
            writers.add(writer);
        }
        List<Result> results = new ArrayList<>();
        try (ZooKeeperAdmin admin = new ZooKeeperAdmin(addresses.get(0), 30_000, event -> { })) {
            admin.addAuthInfo("digest", ViewkeeperGroup.SUPER.getBytes(StandardCharsets.UTF_8));
            Thread.sleep(settleMs);
            if (joining == 1) {
                results.add(change(system, "add an observer", admin, acks, group.serverLine(4, "observer"), null));
                Thread.sleep(settleMs);
                results.add(change(system, "replace a voter", admin, acks, group.serverLine(4, "participant"),
                        "3"));
            } else {
                results.add(change(system, "add two observers", admin, acks, group.serverLine(4, "observer") + ","
                        + group.serverLine(5, "observer"), null));
                Thread.sleep(settleMs);
                results.add(change(system, "grow 3 to 5 voters", admin, acks, group.serverLine(4, "participant")
                        + "," + group.serverLine(5, "participant"), null));
                Thread.sleep(settleMs);
                results.add(change(system, "shrink 5 to 3 voters", admin, acks, null, "4,5"));
            }
            Thread.sleep(settleMs);
        } finally {
            writing.set(false);
            for (Thread writer : writers) {
                writer.join();
            }
        }
        return results;
    }

    /** One reconfig, retried while the joining server has not caught up (NewConfigNoQuorum). */
    private Result change(String system, String name, ZooKeeperAdmin admin, Acks acks, String joining,
            String leaving) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int attempts = 0;
        while (true) {
            attempts++;
            long start = System.nanoTime();
            try {
                admin.reconfigure(joining, leaving, null, -1, new Stat());
                long end = System.nanoTime();
                Thread.sleep(settleMs);
                long after = System.nanoTime();
                Result result = new Result(system, name, (end - start) / 1_000_000,
                        acks.longestGap(start, Math.min(after, end + 2_000_000_000L)) / 1_000_000,
                        acks.countBetween(start, after) * 1e9 / (after - start), attempts);
                System.out.println(Json.write(result.toMap()));
                return result;
            } catch (KeeperException.NewConfigNoQuorum e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void write(String address, int session, Acks acks, AtomicBoolean writing) {
        String path = "/reconfig-bench-" + session;
        try (ZooKeeper client = new ZooKeeper(address, 30_000, event -> { })) {
            while (writing.get()) {
                try {
                    if (client.exists(path, false) == null) {
                        client.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    }
                    break;
                } catch (KeeperException e) {
                    Thread.sleep(50);
                }
            }
            byte[] data = new byte[100];
            while (writing.get()) {
                try {
                    client.setData(path, data, -1);
                    acks.add(System.nanoTime());
                } catch (KeeperException e) {
                    Thread.sleep(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String table(List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append("| system | change | reconfig ms | longest write gap ms | setData/s | attempts |\n");
        out.append("|---|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %,.0f | %d |%n", r.system(), r.change(),
                    r.reconfigMillis(), r.gapMillis(), r.writesPerSecond(), r.attempts()));
        }
        return out.toString();
    }
}
