package io.viewkeeper.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Restart from disk: a 3-node group is loaded with znodes of 100 B, every server is killed with SIGKILL, and all
 * are started again on the same data directories. Timed from the restart command: the first getData of the last
 * znode created (Viewkeeper's is in the log tail after its latest checkpoint) answered with the right value by any
 * server, through a new session; and, separately, the moment every server's srvr shows it back in the group (Mode
 * leader or follower, Viewkeeper's replica status normal) with one leader.
 */
public final class RestartProbe {
    static final int SESSIONS = 8;
    static final long POLL_MS = 20;
    static final long RESTART_TIMEOUT_MS = 600_000;
    /** The longest one read attempt (session set up, then getData) may take before the next one starts. */
    static final long ATTEMPT_TIMEOUT_MS = 10_000;
    static final int VALUE_BYTES = 100;

    private RestartProbe() {
    }

    /**
     * One kill and restart. firstReadMs: from the restart command to the first getData served (by readFrom);
     * allInGroupMs: to every server back in the group, or -1 if that was not seen within the timeout.
     */
    public record RestartResult(String system, int repeat, long znodes, long loadMs, long firstReadMs,
            String readFrom, long allInGroupMs) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("repeat", repeat);
            map.put("znodes", znodes);
            map.put("loadMs", loadMs);
            map.put("firstReadMs", firstReadMs);
            map.put("readFrom", readFrom);
            map.put("allInGroupMs", allInGroupMs < 0 ? null : allInGroupMs);
            return map;
        }
    }

    private record Served(long nanos, String server) {
    }

    public static RestartResult run(BenchEnvironment environment, BenchSystem system, int repeat, long znodes)
            throws IOException, InterruptedException {
        if (znodes < 1) {
            throw new IllegalArgumentException("znodes must be positive, got " + znodes);
        }
        try (ServerGroup group = system.group(environment.settings(system, 0, "restart-" + repeat))) {
            group.start();
            ZnodeFill fill = new ZnodeFill("/restart");
            byte[] value = LoadGenerator.value(VALUE_BYTES);
            long loadStart = System.nanoTime();
            List<ZooKeeper> clients = new LoadGenerator(group.addresses(), true, 11).connect(SESSIONS);
            try {
                fill.createParents(clients.getFirst());
                fill.fill(clients, znodes, value);
            } finally {
                LoadGenerator.closeAll(clients);
            }
            long loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadStart);
            group.killAll();
            long restartNanos = System.nanoTime();
            group.restart();
            long deadline = restartNanos + TimeUnit.MILLISECONDS.toNanos(RESTART_TIMEOUT_MS);
            long[] allInGroup = {-1};
            Thread groupWatch = Thread.ofVirtual().start(() -> allInGroup[0] = awaitAllInGroup(group, deadline));
            Served served = awaitRead(group, fill.path(znodes - 1), value, deadline);
            groupWatch.join();
            long allInGroupMs = allInGroup[0] < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(allInGroup[0] - restartNanos);
            return new RestartResult(system.id(), repeat, znodes, loadMs,
                    TimeUnit.NANOSECONDS.toMillis(served.nanos() - restartNanos), served.server(), allInGroupMs);
        }
    }

    /** Polls srvr on every server until all are in the group with one leader; the time, or -1 at the deadline. */
    private static long awaitAllInGroup(ServerGroup group, long deadline) {
        try {
            while (System.nanoTime() < deadline) {
                List<String> answers = new ArrayList<>();
                for (ServerProcess process : group.processes()) {
                    answers.add(FourLetterWord.srvr(process.host(), process.clientPort()));
                }
                if (allInGroup(answers)) {
                    return System.nanoTime();
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** Every answer shows its server in the group, and exactly one of them leads. */
    static boolean allInGroup(List<String> srvrAnswers) {
        int leaders = 0;
        for (String answer : srvrAnswers) {
            if (!FourLetterWord.isInGroup(answer)) {
                return false;
            }
            if (FourLetterWord.parseMode(answer).orElse("").equals("leader")) {
                leaders++;
            }
        }
        return leaders == 1;
    }

    /**
     * One prober per server, each opening a new session to its server and reading the path until it is served;
     * the first read answered wins. A read answered with another value or NoNode means the restart lost data.
     */
    private static Served awaitRead(ServerGroup group, String path, byte[] expected, long deadline)
            throws IOException, InterruptedException {
        CompletableFuture<Served> first = new CompletableFuture<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> probers = new ArrayList<>();
        for (ServerProcess process : group.processes()) {
            probers.add(Thread.ofVirtual().start(() -> probe(process, path, expected, deadline, first, done)));
        }
        try {
            return first.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException(group.system() + ": no server served " + path + " within " + RESTART_TIMEOUT_MS
                    + " ms of the restart");
        } catch (ExecutionException e) {
            throw new IOException(group.system() + " after the restart: " + e.getCause().getMessage(), e.getCause());
        } finally {
            done.set(true);
            for (Thread prober : probers) {
                prober.join();
            }
        }
    }

    private static void probe(ServerProcess process, String path, byte[] expected, long deadline,
            CompletableFuture<Served> first, AtomicBoolean done) {
        try {
            while (!done.get() && System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    first.completeExceptionally(new IllegalStateException(process.name() + " (pid " + process.pid()
                            + ") exited"));
                    return;
                }
                if (FourLetterWord.accepts(process.host(), process.clientPort())) {
                    Optional<byte[]> data = readOnce(process.address(), path);
                    if (data.isPresent()) {
                        long served = System.nanoTime();
                        if (!Arrays.equals(data.get(), expected)) {
                            throw new IllegalStateException(process.name() + " served " + path
                                    + " with another value than was written");
                        }
                        first.complete(new Served(served, process.name()));
                        return;
                    }
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            first.completeExceptionally(e);
        }
    }

    /**
     * A new session to one server and a getData: the value, or empty if the server did not set up the session or
     * answer the read (not serving yet, connection lost). NoNode from a serving server is data lost: it throws.
     */
    private static Optional<byte[]> readOnce(String address, String path) throws IOException, InterruptedException {
        CountDownLatch settled = new CountDownLatch(1);
        AtomicBoolean connected = new AtomicBoolean();
        Watcher watcher = event -> {
            if (event.getType() != Watcher.Event.EventType.None) {
                return;
            }
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.set(true);
            }
            settled.countDown();
        };
        ZooKeeper client = new ZooKeeper(address, LoadGenerator.SESSION_TIMEOUT_MS, watcher);
        try {
            if (!settled.await(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS) || !connected.get()) {
                return Optional.empty();
            }
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            client.getData(path, false, (rc, p, ctx, data, stat) -> {
                if (rc == KeeperException.Code.NONODE.intValue()) {
                    answer.completeExceptionally(new IllegalStateException(address + " has no " + p));
                } else {
                    answer.complete(rc == 0 ? data : null);
                }
            }, null);
            return Optional.ofNullable(answer.get(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            // Closing a session that never connected can wait on the client's reconnect back-off; the next
            // attempt must not.
            Thread.ofVirtual().start(() -> {
                try {
                    client.close(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /**
     * The side-by-side table: per metric, each system's median over its repeats and each other system's ratio to
     * the first (the reference), as Markdown.
     */
    static String table(List<RestartResult> results) {
        List<String> systems = results.stream().map(RestartResult::system).distinct().toList();
        if (systems.isEmpty()) {
            return "";
        }
        List<String> header = new ArrayList<>(List.of("restart", "metric"));
        header.addAll(systems);
        for (String system : systems.subList(1, systems.size())) {
            header.add(system + "/" + systems.getFirst());
        }
        long znodes = results.getFirst().znodes();
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        rows.add(row(String.format(Locale.ROOT, "%,d znodes", znodes), "first read ms", systems, results, true));
        rows.add(row("", "all in group ms", systems, results, false));
        return ResultTable.render(rows);
    }

    private static List<String> row(String label, String metric, List<String> systems, List<RestartResult> results,
            boolean firstRead) {
        List<String> row = new ArrayList<>(List.of(label, metric));
        double[] medians = new double[systems.size()];
        for (int i = 0; i < systems.size(); i++) {
            String system = systems.get(i);
            medians[i] = Medians.median(results.stream().filter(r -> r.system().equals(system))
                    .mapToLong(r -> firstRead ? r.firstReadMs() : r.allInGroupMs()).filter(ms -> ms >= 0)
                    .mapToDouble(ms -> ms).toArray());
            row.add(ResultTable.number(medians[i], 0));
        }
        for (int i = 1; i < systems.size(); i++) {
            boolean known = !Double.isNaN(medians[i]) && !Double.isNaN(medians[0]) && medians[0] > 0;
            row.add(known ? ResultTable.number(medians[i] / medians[0], 2) + "x" : "-");
        }
        return row;
    }
}
