package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server per test class (Viewkeeper, or the reference ZooKeeper with {@code -Dcompat.target=zookeeper}) and
 * clients that are closed after every test. Every wait is bounded; nothing sleeps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class CompatTestBase {
    protected static final int SESSION_TIMEOUT_MS = 30_000;

    @TempDir
    static Path classDir;

    protected TargetServer server;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Settings of the server this class runs against; override to change them. */
    protected ServerSettings settings() {
        return ServerSettings.defaults();
    }

    @BeforeAll
    void startServer() throws IOException {
        server = TargetServer.start(TargetServer.Kind.selected(), settings(), classDir);
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

    /** A new session on the server under test, connected. */
    protected TestClient client() throws IOException {
        return client(server.connectString(), SESSION_TIMEOUT_MS);
    }

    /** A new session through {@code connectString}, connected (SyncConnected seen). */
    protected TestClient client(String connectString, int sessionTimeoutMs) throws IOException {
        EventLog log = new EventLog();
        ZooKeeper zk = closeAfterTest(new ZooKeeper(connectString, sessionTimeoutMs, log));
        log.awaitState(KeeperState.SyncConnected);
        return new TestClient(zk, log);
    }

    /** A second handle on {@code session}'s session id and password, connected. */
    protected TestClient sameSession(TestClient session) throws IOException {
        EventLog log = new EventLog();
        ZooKeeper zk = closeAfterTest(new ZooKeeper(server.connectString(), SESSION_TIMEOUT_MS, log,
                session.zk().getSessionId(), session.zk().getSessionPasswd()));
        log.awaitState(KeeperState.SyncConnected);
        return new TestClient(zk, log);
    }

    /** A started Curator client, connected, with a bounded retry policy. */
    protected CuratorFramework curator() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(server.connectString())
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
