package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches are kept by the replica a client is connected to and fire there as that replica applies the write,
 * whichever replica took it; the event reaches the client before the reply to any read that sees the change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClusterWatchTest {
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(20);

    private ClusterProcesses cluster;
    private final ZooKeeper[] clients = new ZooKeeper[4];

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        cluster = ClusterProcesses.start(Settings.of(3), dir);
        cluster.awaitLeader(0, Duration.ofSeconds(30));
        for (int id = 1; id <= 3; id++) {
            clients[id] = ClusterClients.connectOnly(cluster, id, SESSION_TIMEOUT_MS, event -> { });
        }
    }

    @AfterAll
    void stopCluster() {
        for (ZooKeeper zk : clients) {
            ClusterClients.closeQuietly(zk);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldFireWatchSetViaOneReplicaWhenWriteGoesThroughAnother() throws Exception {
        ZooKeeper viaB = clients[2];
        ZooKeeper viaC = clients[3];
        viaC.create("/bc", bytes("one"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Events events = new Events();
        assertThat(viaB.getData("/bc", events, null)).isEqualTo(bytes("one"));
        viaC.setData("/bc", bytes("two"), -1);
        await("data watch on B").atMost(EVENT_TIMEOUT).until(() -> events.has(EventType.NodeDataChanged, "/bc"));
        assertThat(events.all()).hasSize(1);
    }

    @Test
    void shouldFireOnEveryReplicaWhenOneWriteIsMade() throws Exception {
        clients[3].create("/every", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        clients[3].create("/every/data", bytes("a"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Events[] events = new Events[4];
        for (int id = 1; id <= 3; id++) {
            events[id] = new Events();
            clients[id].getData("/every/data", events[id], null);
            clients[id].getChildren("/every", events[id]);
            assertThat(clients[id].exists("/every/new", events[id])).isNull();
        }
        clients[3].setData("/every/data", bytes("b"), -1);
        clients[3].create("/every/new", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (int id = 1; id <= 3; id++) {
            Events e = events[id];
            await("watches on replica " + id).atMost(EVENT_TIMEOUT).until(() ->
                    e.has(EventType.NodeDataChanged, "/every/data") && e.has(EventType.NodeChildrenChanged, "/every")
                            && e.has(EventType.NodeCreated, "/every/new"));
            assertThat(e.all()).as("events on replica %d", id).hasSize(3);
        }
    }

    @Test
    void shouldDeliverEventBeforeReplyThatSeesTheChange() throws Exception {
        ZooKeeper viaB = clients[2];
        viaB.create("/order", bytes("old"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Events events = new Events();
        viaB.getData("/order", events, null);
        clients[3].setData("/order", bytes("new"), -1);
        CompletableFuture<Boolean> firedBeforeReply = new CompletableFuture<>();
        await("B reads the new value").atMost(EVENT_TIMEOUT).until(() -> {
            CompletableFuture<byte[]> read = new CompletableFuture<>();
            // callbacks and watch events share the client's event thread, so this sees what was delivered first
            viaB.getData("/order", false, (rc, path, ctx, data, stat) -> {
                if (data != null && new String(data, StandardCharsets.UTF_8).equals("new")) {
                    firedBeforeReply.complete(events.has(EventType.NodeDataChanged, "/order"));
                }
                read.complete(data);
            }, null);
            return new String(read.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).equals("new");
        });
        assertThat(firedBeforeReply.get(10, TimeUnit.SECONDS)).as("watch event before the reply showing the write")
                .isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The events one watcher received. */
    static final class Events implements Watcher {
        private final List<WatchedEvent> received = new CopyOnWriteArrayList<>();

        @Override
        public void process(WatchedEvent event) {
            if (event.getType() != EventType.None) {
                received.add(event);
            }
        }

        boolean has(EventType type, String path) {
            return received.stream().anyMatch(e -> e.getType() == type && path.equals(e.getPath()));
        }

        long count(EventType type, String path) {
            return received.stream().filter(e -> e.getType() == type && path.equals(e.getPath())).count();
        }

        List<WatchedEvent> all() {
            return List.copyOf(received);
        }
    }
}
