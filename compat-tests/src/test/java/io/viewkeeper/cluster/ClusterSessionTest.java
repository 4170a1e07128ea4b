package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import io.viewkeeper.cluster.ClusterWatchTest.Events;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions belong to the group, not to a replica: an ephemeral made through one replica is seen through the
 * others, the session and its ephemeral outlive the replica the client was on, and a client that goes silent for
 * longer than its timeout loses its ephemerals on every replica, once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterSessionTest {
    private static final int SESSION_TIMEOUT_MS = 4000;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private ClusterProcesses cluster;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        cluster = ClusterProcesses.start(Settings.of(3), dir);
        int primary = cluster.awaitLeader(0, TIMEOUT);
        try (ZooKeeper zk = ClusterClients.connect(cluster, primary, SESSION_TIMEOUT_MS)) {
            zk.create("/sessions", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepSessionAndEphemeralWhenItsReplicaIsKilled() throws Exception {
        int a = cluster.awaitLeader(0, TIMEOUT); // the primary: its death also forces a view change
        int b = a % 3 + 1;
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper client = ClusterClients.connect(cluster, a, SESSION_TIMEOUT_MS, e -> states.add(e.getState()));
        try (ZooKeeper viaB = ClusterClients.connectOnly(cluster, b, SESSION_TIMEOUT_MS, e -> { })) {
            long session = client.getSessionId();
            assertThat(connectedTo(a, session)).as("client starts on replica %d", a).isTrue();
            client.create("/sessions/eph", new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            Stat seen = viaB.exists("/sessions/eph", false);
            assertThat(seen).as("ephemeral visible from replica %d", b).isNotNull();
            assertThat(seen.getEphemeralOwner()).isEqualTo(session);

            cluster.kill9(a);
            long killed = System.nanoTime();
            await("client back on another replica with its session, past its timeout").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> client.getState().isConnected() && elapsedMs(killed) > SESSION_TIMEOUT_MS + 2000
                            && onSomeReplica(session));
            assertThat(client.getSessionId()).isEqualTo(session);
            assertThat(states).as("connection states").contains(KeeperState.Disconnected)
                    .doesNotContain(KeeperState.Expired);
            for (int id = 1; id <= 3; id++) {
                if (id != a) {
                    assertThat(ephemeralOwner(id, "/sessions/eph")).as("owner seen at replica %d", id)
                            .isEqualTo(session);
                }
            }
            client.setData("/sessions/eph", new byte[] {2}, -1);

            cluster.restart(a);
            await("restarted replica serves the ephemeral").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> ephemeralOwner(a, "/sessions/eph") == session);
        } finally {
            ClusterClients.closeQuietly(client);
        }
    }

    @Test
    void shouldRemoveEphemeralEverywhereOnceWhenClientIsGoneLongerThanItsTimeout() throws Exception {
        int c = cluster.awaitLeader(0, TIMEOUT) % 3 + 1; // a backup: expiry is decided by the primary
        try (FaultProxy wire = new FaultProxy("client->" + c,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), cluster.clientAddress(c),
                InetAddress.getLoopbackAddress())) {
            ZooKeeper gone = new ZooKeeper(wire.address().getHostString() + ":" + wire.address().getPort(),
                    SESSION_TIMEOUT_MS, e -> { }, false, new PreferredHostProvider(List.of(wire.address()), 0));
            ZooKeeper[] watchers = new ZooKeeper[4];
            try {
                ClusterClients.awaitConnected(gone);
                long session = gone.getSessionId();
                gone.create("/sessions/gone", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
                Events[] events = new Events[4];
                for (int id = 1; id <= 3; id++) {
                    watchers[id] = ClusterClients.connectOnly(cluster, id, 30_000, e -> { });
                    events[id] = new Events();
                    watchers[id].addWatch("/sessions/gone", events[id], AddWatchMode.PERSISTENT);
                    assertThat(ephemeralOwner(watchers[id], "/sessions/gone")).isEqualTo(session);
                }

                wire.blackhole(FaultProxy.Direction.FORWARD);
                wire.blackhole(FaultProxy.Direction.BACKWARD);
                long silent = System.nanoTime();
                await("ephemeral removed at every replica").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                        .until(() -> watchers[1].exists("/sessions/gone", false) == null
                                && watchers[2].exists("/sessions/gone", false) == null
                                && watchers[3].exists("/sessions/gone", false) == null);
                long removedAfterMs = elapsedMs(silent);
                System.out.println("ephemeral of a silent session removed " + removedAfterMs + " ms after it went"
                        + " silent (timeout " + SESSION_TIMEOUT_MS + " ms)");
                // the client's last ping may precede the silence by up to a third of the timeout
                assertThat(removedAfterMs).as("not before the session timeout").isGreaterThanOrEqualTo(
                        SESSION_TIMEOUT_MS * 2 / 3 - 200);

                // a marker create and delete after the expiry: each watcher must see Deleted, Created, Deleted
                watchers[1].create("/sessions/gone", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                watchers[1].delete("/sessions/gone", -1);
                for (int id = 1; id <= 3; id++) {
                    Events e = events[id];
                    await("marker events at replica " + id).atMost(TIMEOUT)
                            .until(() -> e.count(EventType.NodeDeleted, "/sessions/gone") >= 2);
                    assertThat(e.all()).extracting(ev -> ev.getType()).as("events at replica %d", id)
                            .containsExactly(EventType.NodeDeleted, EventType.NodeCreated, EventType.NodeDeleted);
                }

                wire.heal();
                await("the silent client learns its session expired").atMost(TIMEOUT)
                        .until(() -> !gone.getState().isAlive());
            } finally {
                ClusterClients.closeQuietly(gone);
                for (ZooKeeper zk : watchers) {
                    ClusterClients.closeQuietly(zk);
                }
            }
        }
    }

    private boolean connectedTo(int id, long session) throws IOException {
        return cluster.fourLetterWord(id, "cons").contains("sid=0x" + Long.toHexString(session));
    }

    private boolean onSomeReplica(long session) {
        for (int id = 1; id <= 3; id++) {
            try {
                if (cluster.isRunning(id) && connectedTo(id, session)) {
                    return true;
                }
            } catch (IOException e) {
                // down or paused: look at the others
            }
        }
        return false;
    }

    private long ephemeralOwner(int id, String path) throws Exception {
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, id, SESSION_TIMEOUT_MS, e -> { })) {
            return ephemeralOwner(zk, path);
        }
    }

    private static long ephemeralOwner(ZooKeeper zk, String path) throws Exception {
        Stat stat = zk.exists(path, false);
        return stat == null ? -1 : stat.getEphemeralOwner();
    }

    private static long elapsedMs(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
