package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * A closed-loop load generator on the ZooKeeper client's asynchronous API. Each session keeps {@code window}
 * requests outstanding: a completion issues the next request from the session's event thread. Requests completed
 * between the end of the warm-up and the end of the measured interval count towards throughput and latency.
 * Every znode it writes lives under {@value #ROOT}.
 */
public final class LoadGenerator {
    static final String ROOT = "/bench";
    static final String KEYS = ROOT + "/k";
    static final String CREATED = ROOT + "/c";
    static final int SESSION_TIMEOUT_MS = 30_000;
    static final long CONNECT_TIMEOUT_MS = 60_000;
    static final long DRAIN_TIMEOUT_MS = 60_000;
    static final int SETUP_WINDOW = 256;
    /** A request failing with connection loss waits this long before the session issues again. */
    static final long RETRY_DELAY_MS = 10;
    private static final long LATENCY_MAX_US = TimeUnit.MINUTES.toMicros(10);

    /** Told the time (System.nanoTime) of every acknowledged write; called from client event threads. */
    public interface AckListener {
        void onWriteAcknowledged(long nanos);

        /** Told when the sessions stop issuing: acknowledgements after it are the drain, not the load. */
        default void onLoadStopped(long nanos) {
        }
    }

    private final List<String> servers;
    private final boolean pinSessions;
    private final long seed;
    private final Supplier<ZKClientConfig> clientConfig;

    /**
     * @param servers      host:port of every server
     * @param pinSessions  session i connects to server i mod n only; otherwise each session gets every server and the
     *                     client picks (and fails over)
     * @param seed         seeds the op and key choices of every session
     */
    public LoadGenerator(List<String> servers, boolean pinSessions, long seed) {
        this(servers, pinSessions, seed, ZKClientConfig::new);
    }

    /** @param clientConfig each client's settings (TLS, say) */
    public LoadGenerator(List<String> servers, boolean pinSessions, long seed, Supplier<ZKClientConfig> clientConfig) {
        this.clientConfig = clientConfig;
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no servers to connect to");
        }
        this.servers = List.copyOf(servers);
        this.pinSessions = pinSessions;
        this.seed = seed;
    }

    public RunResult run(String system, Workload workload, int repeat, AckListener listener)
            throws IOException, InterruptedException {
        List<ZooKeeper> clients = connect(workload.sessions());
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "bench-retry");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Workload.Data data = workload.data();
            String[] keyPaths = keyPaths(data.keyCount());
            byte[] value = value(data.valueBytes());
            prepare(clients.getFirst(), keyPaths, value);
            Phase phase = new Phase();
            List<SessionLoad> loads = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                SessionLoad.Settings settings = new SessionLoad.Settings(workload, keyPaths, value,
                        CREATED + "/" + system + "-r" + repeat + "-s" + i + "-", seed * 1_000_003L + i);
                loads.add(new SessionLoad(clients.get(i), settings, phase, listener, retries));
            }
            RunResult result = measure(system, workload, repeat, phase, loads);
            if (listener != null) {
                listener.onLoadStopped(phase.measureEndNanos);
            }
            return result;
        } finally {
            retries.shutdownNow();
            closeAll(clients);
        }
    }

    private RunResult measure(String system, Workload workload, int repeat, Phase phase, List<SessionLoad> loads)
            throws InterruptedException {
        for (SessionLoad load : loads) {
            load.start(workload.window());
        }
        Thread.sleep(workload.warmupMs());
        long start = System.nanoTime();
        phase.measureStartNanos = start;
        Thread.sleep(workload.durationMs());
        long end = System.nanoTime();
        phase.measureEndNanos = end;
        phase.stopping = true;
        long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MS);
        while (phase.inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            Thread.sleep(5);
        }
        Histogram latencies = new Histogram(LATENCY_MAX_US, 3);
        Map<String, Long> errors = new TreeMap<>();
        long completed = 0;
        for (SessionLoad load : loads) {
            completed += load.collect(latencies, errors);
        }
        if (phase.inFlight.get() > 0) {
            errors.merge("UNANSWERED_AT_END", (long) phase.inFlight.get(), Long::sum);
        }
        for (SessionLoad load : loads) {
            load.deleteCreated(SETUP_WINDOW);
        }
        long measuredMs = TimeUnit.NANOSECONDS.toMillis(end - start);
        return new RunResult(system, workload, repeat, measuredMs, completed, errors, RunResult.Latency.of(latencies));
    }

    List<ZooKeeper> connect(int sessions) throws IOException, InterruptedException {
        List<ZooKeeper> clients = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(sessions);
        try {
            for (int i = 0; i < sessions; i++) {
                String connectString = pinSessions ? servers.get(i % servers.size()) : String.join(",", servers);
                AtomicInteger once = new AtomicInteger();
                Watcher watcher = event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected && once.getAndIncrement() == 0) {
                        connected.countDown();
                    }
                };
                clients.add(new ZooKeeper(connectString, SESSION_TIMEOUT_MS, watcher, clientConfig.get()));
            }
            if (!connected.await(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IOException(connected.getCount() + " of " + sessions + " sessions did not connect to "
                        + servers + " within " + CONNECT_TIMEOUT_MS + " ms");
            }
            return clients;
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeAll(clients);
            throw e;
        }
    }

    static void closeAll(List<ZooKeeper> clients) throws InterruptedException {
        for (ZooKeeper client : clients) {
            client.close(1000);
        }
    }

    static String[] keyPaths(int keyCount) {
        String[] paths = new String[keyCount];
        for (int i = 0; i < keyCount; i++) {
            paths[i] = KEYS + "/" + i;
        }
        return paths;
    }

    static byte[] value(int bytes) {
        byte[] value = new byte[bytes];
        byte[] pattern = "viewkeeper-bench-".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes; i++) {
            value[i] = pattern[i % pattern.length];
        }
        return value;
    }

    /** Creates the key znodes (or sets their value, when an earlier run created them) before any measurement. */
    static void prepare(ZooKeeper client, String[] keyPaths, byte[] value) throws InterruptedException {
        for (String path : List.of(ROOT, KEYS, CREATED)) {
            try {
                client.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // Made by an earlier run.
            } catch (KeeperException e) {
                throw new IllegalStateException("cannot create " + path + ": " + e.code(), e);
            }
        }
        Semaphore window = new Semaphore(SETUP_WINDOW);
        AtomicInteger failures = new AtomicInteger();
        for (String path : keyPaths) {
            window.acquire();
            client.create(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, p, ctx, name) -> {
                if (rc == KeeperException.Code.NODEEXISTS.intValue()) {
                    client.setData(p, value, -1, (rc2, p2, ctx2, stat) -> {
                        if (rc2 != 0) {
                            failures.incrementAndGet();
                        }
                        window.release();
                    }, null);
                    return;
                }
                if (rc != 0) {
                    failures.incrementAndGet();
                }
                window.release();
            }, null);
        }
        if (!window.tryAcquire(SETUP_WINDOW, CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS) || failures.get() > 0) {
            throw new IllegalStateException("could not create the " + keyPaths.length + " keys ("
                    + failures.get() + " failed)");
        }
    }

    /** Shared by the sessions of one run: the measured interval and the requests still outstanding. */
    static final class Phase {
        volatile long measureStartNanos = Long.MAX_VALUE;
        volatile long measureEndNanos = Long.MAX_VALUE;
        volatile boolean stopping;
        final AtomicInteger inFlight = new AtomicInteger();

        boolean inMeasuredInterval(long nanos) {
            return nanos >= measureStartNanos && nanos <= measureEndNanos;
        }
    }
}
