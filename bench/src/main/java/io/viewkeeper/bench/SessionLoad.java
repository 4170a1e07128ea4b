package io.viewkeeper.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The requests of one session: a fixed number outstanding, the next one issued when one completes. State is
 * guarded by this object's monitor since the first requests leave from the runner's thread and the rest from the
 * client's event thread.
 */
final class SessionLoad {
    private static final long LATENCY_MAX_US = TimeUnit.MINUTES.toMicros(10);

    /** What the session sends and where; createPrefix makes its created paths unique across sessions and runs. */
    record Settings(Workload workload, String[] keyPaths, byte[] value, String createPrefix, long seed) {
    }

    private final ZooKeeper client;
    private final Settings settings;
    private final LoadGenerator.Phase phase;
    private final LoadGenerator.AckListener listener;
    private final ScheduledExecutorService retries;
    private final SplittableRandom random;
    private final KeyChooser keys;
    private final int totalWeight;
    private final Histogram latencies = new Histogram(LATENCY_MAX_US, 3);
    private final Map<String, Long> errors = new TreeMap<>();
    private final ArrayDeque<String> created = new ArrayDeque<>();
    private long completed;
    private long createCounter;

    SessionLoad(ZooKeeper client, Settings settings, LoadGenerator.Phase phase, LoadGenerator.AckListener listener,
            ScheduledExecutorService retries) {
        this.client = client;
        this.settings = settings;
        this.phase = phase;
        this.listener = listener;
        this.retries = retries;
        this.random = new SplittableRandom(settings.seed());
        this.keys = KeyChooser.of(settings.workload().data().distribution(), Math.max(2, settings.keyPaths().length));
        this.totalWeight = settings.workload().mix().totalWeight();
    }

    void start(int window) {
        for (int i = 0; i < window; i++) {
            issue();
        }
    }

    private synchronized void issue() {
        phase.inFlight.incrementAndGet();
        OpKind kind = settings.workload().mix().choose(random.nextInt(totalWeight));
        long start = System.nanoTime();
        switch (kind) {
            case CREATE -> create(start);
            case SET_DATA -> client.setData(key(), settings.value(), -1,
                    (rc, path, ctx, stat) -> complete(kind, rc, start), null);
            case GET_DATA -> client.getData(key(), false, (rc, path, ctx, data, stat) -> complete(kind, rc, start), null);
            case EXISTS -> client.exists(key(), false, (rc, path, ctx, stat) -> complete(kind, rc, start), null);
            case GET_CHILDREN -> client.getChildren(key(), false,
                    (rc, path, ctx, children) -> complete(kind, rc, start), null);
            case DELETE -> delete(start);
            case MULTI_SET_DATA -> client.multi(multiOps(), (rc, path, ctx, results) -> complete(kind, rc, start), null);
            case SYNC_GET_DATA -> syncThenGet(start);
        }
    }

    private String key() {
        return settings.keyPaths()[keys.next(random) % settings.keyPaths().length];
    }

    private void create(long start) {
        String path = settings.createPrefix() + createCounter++;
        client.create(path, settings.value(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                (rc, p, ctx, name) -> {
                    if (rc == 0) {
                        remember(p);
                    }
                    complete(OpKind.CREATE, rc, start);
                }, null);
    }

    /** Deletes a znode this session created; with none left it creates one instead, so a delete mix keeps moving. */
    private void delete(long start) {
        String path = created.pollFirst();
        if (path == null) {
            create(start);
            return;
        }
        client.delete(path, -1, (rc, p, ctx) -> complete(OpKind.DELETE, rc, start), null);
    }

    private synchronized void remember(String path) {
        created.addLast(path);
    }

    private List<Op> multiOps() {
        int size = settings.workload().data().multiSize();
        List<Op> ops = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            ops.add(Op.setData(key(), settings.value(), -1));
        }
        return ops;
    }

    private void syncThenGet(long start) {
        String key = key();
        client.sync(key, (rc, path, ctx) -> {
            if (rc != 0) {
                complete(OpKind.SYNC_GET_DATA, rc, start);
                return;
            }
            client.getData(key, false, (rc2, p2, ctx2, data, stat) -> complete(OpKind.SYNC_GET_DATA, rc2, start),
                    null);
        }, null);
    }

    private void complete(OpKind kind, int rc, long startNanos) {
        long now = System.nanoTime();
        synchronized (this) {
            if (phase.inMeasuredInterval(now)) {
                completed++;
                latencies.recordValue(Math.min(LATENCY_MAX_US, (now - startNanos) / 1000));
                if (rc != 0) {
                    errors.merge(KeeperException.Code.get(rc).name(), 1L, Long::sum);
                }
            }
        }
        if (rc == 0 && kind.isWrite() && listener != null) {
            listener.onWriteAcknowledged(now);
        }
        phase.inFlight.decrementAndGet();
        if (phase.stopping) {
            return;
        }
        if (rc == KeeperException.Code.CONNECTIONLOSS.intValue()
                || rc == KeeperException.Code.SESSIONMOVED.intValue()) {
            retries.schedule(this::issue, LoadGenerator.RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        } else {
            issue();
        }
    }

    /** Adds this session's measured requests to the run's totals; returns how many completed. */
    synchronized long collect(Histogram into, Map<String, Long> errorsInto) {
        into.add(latencies);
        errors.forEach((code, count) -> errorsInto.merge(code, count, Long::sum));
        return completed;
    }

    /** Removes the znodes this session created and did not delete, so runs do not grow the tree for later ones. */
    void deleteCreated(int window) throws InterruptedException {
        List<String> paths;
        synchronized (this) {
            paths = new ArrayList<>(created);
            created.clear();
        }
        Semaphore permits = new Semaphore(window);
        for (String path : paths) {
            permits.acquire();
            client.delete(path, -1, (rc, p, ctx) -> permits.release(), null);
        }
        permits.tryAcquire(window, LoadGenerator.DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
