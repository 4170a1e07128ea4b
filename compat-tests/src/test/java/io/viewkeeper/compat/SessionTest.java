package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.OPEN;
import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.create;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.cluster.FaultProxy;
import java.util.List;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** Session close and expiry, ephemeral cleanup, reconnects and setWatches (§1.4-§1.6, §4.3, §5.5). */
class SessionTest extends CompatTestBase {

    @Test
    void shouldDeleteEphemeralsOnCloseAndBumpTheParent() throws Exception {
        TestClient owner = client();
        TestClient watcher = client();
        Stat parent = create(watcher.zk(), "/sess", null);
        create(owner.zk(), "/sess/e1", "x", CreateMode.EPHEMERAL);
        owner.zk().exists("/sess/e1", true);
        watcher.zk().exists("/sess/e1", true);
        watcher.zk().getChildren("/sess", true);
        Stat before = watcher.zk().exists("/sess", false);
        assertThat(before.getCversion()).isEqualTo(1);
        assertThat(before.getPzxid()).isEqualTo(parent.getCzxid() + 1);

        owner.zk().close();
        // the owner's own watch on its ephemeral fires before close returns its reply
        owner.events().awaitNodeEvent("NodeDeleted /sess/e1");
        assertThat(watcher.drainEvents()).containsExactly("NodeDeleted /sess/e1", "NodeChildrenChanged /sess");
        Stat after = watcher.zk().exists("/sess", false);
        assertThat(after.getNumChildren()).isZero();
        assertThat(after.getCversion()).isEqualTo(2);
        long next = watcher.zk().setData("/sess", null, -1).getMzxid();
        assertThat(after.getPzxid()).as("pzxid is the closeSession zxid").isEqualTo(next - 1);
        assertThatThrownBy(() -> owner.zk().exists("/", false)).isInstanceOf(KeeperException.class);
        watcher.zk().delete("/sess", -1);
    }

    @Test
    void shouldExpireTheSessionWhenAnotherHandleClosesIt() throws Exception {
        TestClient first = client();
        create(first.zk(), "/kick", null, CreateMode.EPHEMERAL);
        TestClient watcher = client();
        watcher.zk().exists("/kick", true);
        TestClient second = sameSession(first);
        if (server.replicaCount() == 1) {
            // the server closes the first connection carrying the session when the second one arrives; in a group
            // the second handle is on another replica, and there (as between the servers of a ZooKeeper ensemble)
            // the first connection learns of the move only later, at the latest when the session ends below
            first.events().awaitState(KeeperState.Disconnected);
        }
        assertThat(second.zk().exists("/kick", false).getEphemeralOwner()).isEqualTo(first.sessionId());
        second.zk().close();
        assertThat(watcher.drainEvents()).containsExactly("NodeDeleted /kick");
        first.events().awaitState(KeeperState.Expired);
        assertThatThrownBy(() -> first.zk().exists("/", false))
                .isInstanceOf(KeeperException.SessionExpiredException.class);
    }

    @Test
    void shouldExpireAPartitionedSessionAfterItsTimeout() throws Exception {
        FaultProxy proxy = proxy();
        TestClient cut = client(proxy.connectString(), 4000);
        assertThat(cut.zk().getSessionTimeout()).isEqualTo(4000);
        create(cut.zk(), "/part", null);
        create(cut.zk(), "/part/e", "x", CreateMode.EPHEMERAL);
        TestClient watcher = client();
        watcher.zk().exists("/part/e", true);
        watcher.zk().getChildren("/part", true);

        proxy.setRefusing(true);
        proxy.cutAll();
        cut.events().awaitState(KeeperState.Disconnected);
        watcher.events().awaitNodeEvent("NodeDeleted /part/e");
        assertThat(watcher.drainEvents()).containsExactly("NodeDeleted /part/e", "NodeChildrenChanged /part");
        proxy.setRefusing(false);
        cut.events().awaitState(KeeperState.Expired);
        assertThatThrownBy(() -> cut.zk().getData("/part", false, null))
                .isInstanceOf(KeeperException.SessionExpiredException.class);
        assertThat(watcher.zk().getChildren("/part", false)).isEmpty();
        watcher.zk().delete("/part", -1);
    }

    @Test
    void shouldReplayWatchesWithSetWatchesAfterReconnect() throws Exception {
        ZooKeeper writer = client().zk();
        create(writer, "/sw", null);
        create(writer, "/sw/d", "0");
        create(writer, "/sw/same", "0");
        create(writer, "/sw/gone", "0");
        create(writer, "/sw/c", null);
        create(writer, "/sw/p", "0");
        FaultProxy proxy = proxy();
        TestClient c = client(proxy.connectString(), SESSION_TIMEOUT_MS);
        c.zk().getData("/sw/d", true, null);
        c.zk().getData("/sw/same", true, null);
        c.zk().getData("/sw/gone", true, null);
        c.zk().exists("/sw/new", true);
        c.zk().exists("/sw/stillmissing", true);
        c.zk().getChildren("/sw/c", true);
        c.zk().addWatch("/sw/p", AddWatchMode.PERSISTENT);
        c.zk().addWatch("/sw/r", AddWatchMode.PERSISTENT_RECURSIVE);

        proxy.setRefusing(true);
        proxy.cutAll();
        c.events().awaitState(KeeperState.Disconnected);
        writer.setData("/sw/d", bytes("1"), -1);
        writer.create("/sw/new", null, OPEN, CreateMode.PERSISTENT);
        writer.create("/sw/c/child", null, OPEN, CreateMode.PERSISTENT);
        writer.delete("/sw/gone", -1);
        writer.setData("/sw/p", bytes("1"), -1);
        writer.create("/sw/r", null, OPEN, CreateMode.PERSISTENT);
        proxy.setRefusing(false);
        c.events().awaitState(KeeperState.SyncConnected, 2);

        List<WatchedEvent> replayed = c.events().drainRaw(c.zk());
        assertThat(replayed.stream().map(EventLog::describe).toList()).containsExactlyInAnyOrder(
                "NodeDataChanged /sw/d", "NodeCreated /sw/new", "NodeChildrenChanged /sw/c", "NodeDeleted /sw/gone");
        assertThat(replayed).as("events made up by setWatches carry zxid -1").allMatch(e -> e.getZxid() == -1);

        // what was registered again fires; what was answered at once is used up
        writer.setData("/sw/same", bytes("1"), -1);
        writer.setData("/sw/p", bytes("2"), -1);
        writer.create("/sw/r/x", null, OPEN, CreateMode.PERSISTENT);
        writer.create("/sw/stillmissing", null, OPEN, CreateMode.PERSISTENT);
        writer.setData("/sw/d", bytes("2"), -1);
        writer.create("/sw/c/child2", null, OPEN, CreateMode.PERSISTENT);
        assertThat(c.drainEvents()).containsExactly("NodeDataChanged /sw/same", "NodeDataChanged /sw/p",
                "NodeCreated /sw/r/x", "NodeCreated /sw/stillmissing");
    }

    @Test
    void shouldKeepEphemeralsOfADisconnectedSessionThatComesBack() throws Exception {
        FaultProxy proxy = proxy();
        TestClient c = client(proxy.connectString(), SESSION_TIMEOUT_MS);
        create(c.zk(), "/back", "x", CreateMode.EPHEMERAL);
        long lastZxidBefore = c.zk().exists("/back", false).getCzxid();
        proxy.cutAll();
        c.events().awaitState(KeeperState.SyncConnected, 2);
        Stat stat = c.zk().exists("/back", false);
        assertThat(stat.getEphemeralOwner()).isEqualTo(c.sessionId());
        assertThat(stat.getCzxid()).isEqualTo(lastZxidBefore);
        assertThat(c.events().states()).doesNotContain(KeeperState.Expired);
        c.zk().delete("/back", -1);
    }
}
