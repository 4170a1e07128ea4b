package io.viewkeeper.cluster;

import io.viewkeeper.cluster.History.Kind;
import io.viewkeeper.cluster.History.Operation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Real ZooKeeper clients, each starting on its own replica, doing setData and getData on a few register znodes as
 * fast as a short think time allows, recording every operation in a {@link History}. Values are unique, so a read
 * names the write it saw. A write that ends in connection loss or session expiry is recorded as unknown; a client
 * whose session expired opens a new one.
 */
final class RegisterWorkload implements AutoCloseable {
    static final String ROOT = "/registers";
    private static final long THINK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final ClusterProcesses cluster;
    private final int clientCount;
    private final int sessionTimeoutMs;
    private final List<String> keys = new ArrayList<>();
    private final History history = new History();
    private final AtomicLong nextValue = new AtomicLong(1);
    private final AtomicLong acknowledgedWrites = new AtomicLong();
    private final AtomicLongArray completedByClient;
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private final ZooKeeper[] clients;
    private final long seed;
    private volatile boolean running;

    RegisterWorkload(ClusterProcesses cluster, int clientCount, int keyCount, int sessionTimeoutMs, long seed) {
        this.cluster = cluster;
        this.clientCount = clientCount;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.seed = seed;
        this.completedByClient = new AtomicLongArray(clientCount);
        this.clients = new ZooKeeper[clientCount];
        for (int k = 0; k < keyCount; k++) {
            keys.add(ROOT + "/k" + k);
        }
    }

    /** Creates the register znodes, each holding 0. */
    void createKeys(ZooKeeper admin) throws KeeperException, InterruptedException {
        admin.create(ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (String key : keys) {
            admin.create(key, encode(0), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    Map<String, Long> initialValues() {
        Map<String, Long> initial = new LinkedHashMap<>();
        keys.forEach(k -> initial.put(k, 0L));
        return initial;
    }

    List<String> keys() {
        return List.copyOf(keys);
    }

    void start() {
        running = true;
        for (int c = 0; c < clientCount; c++) {
            int client = c;
            Thread t = new Thread(() -> run(client, new SplittableRandom(seed + client)), "register-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    long acknowledgedWrites() {
        return acknowledgedWrites.get();
    }

    long completed(int client) {
        return completedByClient.get(client);
    }

    int clientCount() {
        return clientCount;
    }

    History history() {
        return history;
    }

    /** Failures no fault explains (an error code other than connection loss or expiry). */
    List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Stops the clients; ones blocked in an operation are released by closing their sessions. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        synchronized (clients) {
            for (int c = 0; c < clientCount; c++) {
                ClusterClients.closeQuietly(clients[c]);
            }
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            if (t.isAlive()) {
                unexpected.add(t.getName() + " still blocked in an operation after its session was closed");
            }
        }
    }

    private void run(int client, SplittableRandom random) {
        ZooKeeper zk = null;
        try {
            while (running) {
                if (zk == null || !zk.getState().isAlive()) {
                    ClusterClients.closeQuietly(zk);
                    zk = open(client);
                }
                String key = keys.get(random.nextInt(keys.size()));
                boolean live = random.nextBoolean() ? write(client, zk, key) : read(client, zk, key);
                if (!live) {
                    ClusterClients.closeQuietly(zk);
                    zk = null;
                }
                completedByClient.incrementAndGet(client);
                LockSupport.parkNanos(THINK_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            unexpected.add("client " + client + " stopped: " + e);
        }
    }

    private ZooKeeper open(int client) throws java.io.IOException {
        ZooKeeper zk = new ZooKeeper(cluster.connectString(), sessionTimeoutMs, event -> { }, false,
                new PreferredHostProvider(cluster.clientAddresses(), client % cluster.size()));
        synchronized (clients) {
            clients[client] = zk;
        }
        return zk;
    }

    /** Returns false when the session is gone. */
    private boolean write(int client, ZooKeeper zk, String key) throws InterruptedException {
        long value = nextValue.getAndIncrement();
        long invoked = System.nanoTime();
        try {
            Stat stat = zk.setData(key, encode(value), -1);
            history.add(new Operation(client, key, Kind.WRITE, value, stat.getVersion(), invoked, System.nanoTime()));
            acknowledgedWrites.incrementAndGet();
            return true;
        } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException
                 | KeeperException.RequestTimeoutException e) {
            history.add(new Operation(client, key, Kind.WRITE, value, -1, invoked, History.UNKNOWN));
            return true;
        } catch (KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
            history.add(new Operation(client, key, Kind.WRITE, value, -1, invoked, History.UNKNOWN));
            return false;
        } catch (KeeperException e) {
            history.add(new Operation(client, key, Kind.WRITE, value, -1, invoked, History.UNKNOWN));
            unexpected.add("setData " + key + " by client " + client + ": " + e);
            return true;
        }
    }

    private boolean read(int client, ZooKeeper zk, String key) throws InterruptedException {
        long invoked = System.nanoTime();
        try {
            Stat stat = new Stat();
            byte[] data = zk.getData(key, false, stat);
            history.add(new Operation(client, key, Kind.READ, decode(data), stat.getVersion(), invoked,
                    System.nanoTime()));
            return true;
        } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException
                 | KeeperException.RequestTimeoutException e) {
            return true;
        } catch (KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
            return false;
        } catch (KeeperException e) {
            unexpected.add("getData " + key + " by client " + client + ": " + e);
            return true;
        }
    }

    static byte[] encode(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    static long decode(byte[] data) {
        return Long.parseLong(new String(data, StandardCharsets.US_ASCII));
    }
}
