package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scale probe's sessions against a ZooKeeper server of the reference implementation, in this JVM. */
class WireSessionsTest {
    private static final int SESSIONS = 30;
    @TempDir
    Path dataDir;
    private ServerCnxnFactory factory;
    private InetSocketAddress address;

    @BeforeEach
    void startZooKeeper() throws Exception {
        ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), 2000);
        factory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", 0), 1000);
        factory.startup(server);
        address = new InetSocketAddress("127.0.0.1", factory.getLocalPort());
    }

    @AfterEach
    void stopZooKeeper() {
        factory.shutdown();
    }

    @Test
    void shouldOpenSessionsSetWatchesAndCountOneNotificationEachWhenTheWatchedNodeChanges() throws Exception {
        CountDownLatch notified = new CountDownLatch(SESSIONS);
        List<ZooKeeper> writer = new LoadGenerator(List.of(address.getHostString() + ":" + address.getPort()), true,
                1).connect(1);
        try (WireSessions sessions = new WireSessions(6_000, "/w/0", notified)) {
            writer.getFirst().create("/w", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            writer.getFirst().create("/w/0", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            writer.getFirst().create("/w/1", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            sessions.open(List.of(address), SESSIONS, 30_000);
            assertThat(factory.getNumAliveConnections()).isEqualTo(SESSIONS + 1);
            sessions.watch(List.of("/w/0", "/w/1", "/w/absent"), 30_000); // an absent node is watched too

            writer.getFirst().setData("/w/1", new byte[] {1}, -1); // another watched node: not counted
            writer.getFirst().setData("/w/0", new byte[] {1}, -1);

            assertThat(notified.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sessions.lastNotifiedNanos()).isPositive();
        } finally {
            LoadGenerator.closeAll(writer);
        }
    }

    @Test
    void shouldFailToOpenWhenNoServerListens() throws Exception {
        InetSocketAddress closed = address;
        factory.shutdown();
        try (WireSessions sessions = new WireSessions(6_000, "/w/0", new CountDownLatch(1))) {
            assertThatThrownBy(() -> sessions.open(List.of(closed), 3, 10_000)).isInstanceOf(IOException.class)
                    .hasMessage("3 of 3 sessions did not open (3 failed)");
        }
    }
}
