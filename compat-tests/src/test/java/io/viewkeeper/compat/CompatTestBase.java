package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.cluster.FaultProxy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server per test class (Viewkeeper, the reference ZooKeeper with {@code -Dcompat.target=zookeeper}, or three
 * Viewkeeper replicas with {@code -Dcompat.target=cluster} or in the {@code *OnClusterTest} subclasses) and clients
 * that are closed after every test. Every wait is bounded; nothing sleeps.
 *
 * <p>Against a group, every client a test makes is given one replica alone as its connect string, round-robin: the
 * first client of the k-th test goes to replica k mod n and each further client of the test to the next replica,
 * so writers and watchers of one test sit on different replicas and the first client is not always on the
 * primary. A second handle on a session ({@link #sameSession}) goes to the replica after the session's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class CompatTestBase {
    protected static final int SESSION_TIMEOUT_MS = 30_000;

    @TempDir
    static Path classDir;

    protected TargetServer server;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Map<ZooKeeper, Integer> replicaOf = Collections.synchronizedMap(new IdentityHashMap<>());
    private final AtomicInteger nextReplica = new AtomicInteger();
    private int testsStarted;

    /** Settings of the server this class runs against; override to change them. */
    protected ServerSettings settings() {
        return ServerSettings.defaults();
    }

    /** The kind of server this class runs against: {@code -Dcompat.target}, unless a subclass fixes it. */
    protected TargetServer.Kind target() {
        return TargetServer.Kind.selected();
    }

    @BeforeAll
    void startServer() throws IOException {
        server = TargetServer.start(target(), settings(), classDir);
    }

    @BeforeEach
    void rotateReplicas(TestInfo test) {
        nextReplica.set(testsStarted++ % server.replicaCount());
        if (server.replicaCount() > 1) {
            System.out.printf("%s: first client on replica %d of %s%n", test.getDisplayName(),
                    nextReplica.get() + 1, server.connectString());
        }
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeClients() {
        List<AutoCloseable> copy;
        synchronized (toClose) {
            copy = new ArrayList<>(toClose);
            toClose.clear();
        }
        replicaOf.clear();
        for (int i = copy.size() - 1; i >= 0; i--) {
            try {
                copy.get(i).close();
            } catch (Exception ignored) {
                // a client the test already closed or expired
            }
        }
    }

    /** Registers something to close after the test, last registered first. */
    protected <T extends AutoCloseable> T closeAfterTest(T closeable) {
        synchronized (toClose) {
            toClose.add(closeable);
        }
        return closeable;
    }

    /** The next replica a client of this test is given (always 0 for a single server). */
    protected int nextReplica() {
        return Math.floorMod(nextReplica.getAndIncrement(), server.replicaCount());
    }

    /** The connect string of the next replica, for a client made outside {@link #client()}. */
    protected String nextConnectString() {
        return server.connectString(nextReplica());
    }

    /** A relay in front of the next replica, closed after the test. */
    protected FaultProxy proxy() throws IOException {
        return closeAfterTest(FaultProxy.to(server.clientAddress(nextReplica())));
    }

    /** A new session on the server under test (on the next replica of a group), connected. */
    protected TestClient client() throws IOException {
        int replica = nextReplica();
        TestClient c = client(server.connectString(replica), SESSION_TIMEOUT_MS);
        replicaOf.put(c.zk(), replica);
        return c;
    }

    /** A new session through {@code connectString}, connected (SyncConnected seen). */
    protected TestClient client(String connectString, int sessionTimeoutMs) throws IOException {
        EventLog log = new EventLog();
        ZooKeeper zk = closeAfterTest(new ZooKeeper(connectString, sessionTimeoutMs, log));
        log.awaitState(KeeperState.SyncConnected);
        return new TestClient(zk, log);
    }

    /** A second handle on {@code session}'s session id and password, connected (on another replica of a group). */
    protected TestClient sameSession(TestClient session) throws IOException {
        EventLog log = new EventLog();
        int replica = (replicaOf.getOrDefault(session.zk(), 0) + 1) % server.replicaCount();
        ZooKeeper zk = closeAfterTest(new ZooKeeper(server.connectString(replica), SESSION_TIMEOUT_MS, log,
                session.zk().getSessionId(), session.zk().getSessionPasswd()));
        log.awaitState(KeeperState.SyncConnected);
        replicaOf.put(zk, replica);
        return new TestClient(zk, log);
    }

    /** A started Curator client on the next replica, connected, with a bounded retry policy. */
    protected CuratorFramework curator() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(nextConnectString())
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs(15_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 5))
                .build();
        closeAfterTest(c);
        c.start();
        assertThat(c.blockUntilConnected(20, TimeUnit.SECONDS)).as("curator connected").isTrue();
        return c;
    }

    /** Waits on a latch for at most the event timeout and fails if it does not open. */
    protected static void awaitLatch(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(EventLog.TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as(what).isTrue();
    }
}
