package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.OPEN;
import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.create;
import static io.viewkeeper.compat.Zk.expectCode;
import static io.viewkeeper.compat.Zk.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.junit.jupiter.api.Test;

/** One-shot, persistent and recursive watches: exact events, order, delivery before the reply (§5). */
class WatchTest extends CompatTestBase {

    @Test
    void shouldFireTheObservedEventsForEveryWatchKind() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        create(a, "/w", null);
        b.zk().exists("/w/x", true);
        b.zk().getData("/w", true, null);
        b.zk().getChildren("/w", true);
        b.zk().addWatch("/w", AddWatchMode.PERSISTENT);
        b.zk().addWatch("/w", AddWatchMode.PERSISTENT_RECURSIVE);

        a.create("/w/x", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).containsExactly("NodeCreated /w/x", "NodeChildrenChanged /w");
        a.create("/w/x/y", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).containsExactly("NodeCreated /w/x/y");
        a.setData("/w", bytes("1"), -1);
        assertThat(b.drainEvents()).as("one event per connection per trigger").containsExactly("NodeDataChanged /w");
        a.setData("/w/x/y", bytes("1"), -1);
        assertThat(b.drainEvents()).containsExactly("NodeDataChanged /w/x/y");
        a.delete("/w/x/y", -1);
        assertThat(b.drainEvents()).containsExactly("NodeDeleted /w/x/y");
        a.setACL("/w", OPEN, -1);
        assertThat(b.drainEvents()).isEmpty();

        // the one-shot watches on /w are used up; the persistent and recursive ones stay (§5.4 observed)
        assertThat(checkWatches(b.zk(), "/w", 1)).isEqualTo(Code.NOWATCHER.intValue());
        assertThat(checkWatches(b.zk(), "/w", 2)).isEqualTo(Code.NOWATCHER.intValue());
        assertThat(checkWatches(b.zk(), "/w", 3)).isZero();
        assertThat(checkWatches(b.zk(), "/w", 4)).isZero();
        assertThat(checkWatches(b.zk(), "/w", 5)).isZero();
        assertThat(checkWatches(b.zk(), "/w", 9)).isEqualTo(Code.MARSHALLINGERROR.intValue());
        assertThat(removeWatches(b.zk(), "/w", 5)).isZero();
        assertThat(removeWatches(b.zk(), "/w", 5)).isEqualTo(Code.NOWATCHER.intValue());
        assertThat(checkWatches(b.zk(), "/w", 4)).isZero();
        // checkWatches removes nothing: the persistent watch still fires
        a.delete("/w/x", -1);
        assertThat(b.drainEvents()).containsExactly("NodeChildrenChanged /w");
        a.delete("/w", -1);
        assertThat(b.drainEvents()).containsExactly("NodeDeleted /w");
    }

    @Test
    void shouldFireOneShotWatchesOnceWithExactTypes() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        b.zk().exists("/once", true);
        a.create("/once", bytes("0"), OPEN, CreateMode.PERSISTENT);
        a.setData("/once", bytes("1"), -1);
        assertThat(b.drainEvents()).containsExactly("NodeCreated /once");

        b.zk().getData("/once", true, null);
        a.setData("/once", bytes("2"), -1);
        a.setData("/once", bytes("3"), -1);
        assertThat(b.drainEvents()).containsExactly("NodeDataChanged /once");

        b.zk().getChildren("/once", true);
        a.setData("/once", bytes("4"), -1);
        a.create("/once/c", null, OPEN, CreateMode.PERSISTENT);
        a.create("/once/d", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).containsExactly("NodeChildrenChanged /once");

        b.zk().getData("/once/c", true, null);
        b.zk().getChildren("/once/c", true);
        b.zk().getChildren("/once", true);
        a.delete("/once/c", -1);
        assertThat(b.drainEvents()).containsExactly("NodeDeleted /once/c", "NodeChildrenChanged /once");

        b.zk().exists("/once/d", true);
        a.delete("/once/d", -1);
        a.create("/once/d", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).containsExactly("NodeDeleted /once/d");

        // getData on a missing node sets no watch; exists does
        expectCode(Code.NONODE, () -> b.zk().getData("/once/e", true, null));
        expectCode(Code.NONODE, () -> b.zk().getChildren("/once/e", true));
        a.create("/once/e", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).isEmpty();
        a.delete("/once/e", -1);
        a.delete("/once/d", -1);
        a.delete("/once", -1);
    }

    @Test
    void shouldCarryTheTransactionZxidOnEvents() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        b.zk().exists("/zxev", true);
        long czxid = create(a, "/zxev", "x").getCzxid();
        List<WatchedEvent> events = b.events().drainRaw(b.zk());
        assertThat(events).hasSize(1);
        assertThat(events.get(0).getZxid()).isEqualTo(czxid);
        a.delete("/zxev", -1);
    }

    @Test
    void shouldKeepPersistentWatchesAcrossDeletionAndNotSeeChildData() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        b.zk().addWatch("/pw", AddWatchMode.PERSISTENT);
        a.create("/pw", null, OPEN, CreateMode.PERSISTENT);
        a.create("/pw/c", null, OPEN, CreateMode.PERSISTENT);
        a.setData("/pw/c", bytes("x"), -1);
        a.setData("/pw", bytes("x"), -1);
        a.delete("/pw/c", -1);
        a.delete("/pw", -1);
        a.create("/pw", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).containsExactly("NodeCreated /pw", "NodeChildrenChanged /pw",
                "NodeDataChanged /pw", "NodeChildrenChanged /pw", "NodeDeleted /pw", "NodeCreated /pw");
        a.delete("/pw", -1);
    }

    @Test
    void shouldNeverSendChildEventsToRecursiveWatches() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        b.zk().addWatch("/rw", AddWatchMode.PERSISTENT_RECURSIVE);
        a.create("/rw", null, OPEN, CreateMode.PERSISTENT);
        a.create("/rw/a", null, OPEN, CreateMode.PERSISTENT);
        a.create("/rw/a/b", null, OPEN, CreateMode.PERSISTENT);
        a.setData("/rw/a/b", bytes("1"), -1);
        a.create("/rwx", null, OPEN, CreateMode.PERSISTENT);
        a.multi(List.of(Op.delete("/rw/a/b", -1), Op.delete("/rw/a", -1), Op.setData("/rw", null, -1)));
        assertThat(b.drainEvents()).containsExactly("NodeCreated /rw", "NodeCreated /rw/a", "NodeCreated /rw/a/b",
                "NodeDataChanged /rw/a/b", "NodeDeleted /rw/a/b", "NodeDeleted /rw/a", "NodeDataChanged /rw");
        a.delete("/rwx", -1);
        a.delete("/rw", -1);
        assertThat(b.drainEvents()).containsExactly("NodeDeleted /rw");
    }

    @Test
    void shouldDeliverMultiEventsInOpOrder() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        create(a, "/mo", null);
        b.zk().getChildren("/mo", true);
        b.zk().exists("/mo/a", true);
        b.zk().exists("/mo/b", true);
        b.zk().getData("/mo", true, null);
        a.multi(List.of(Op.create("/mo/b", null, OPEN, CreateMode.PERSISTENT),
                Op.setData("/mo", bytes("x"), -1),
                Op.create("/mo/a", null, OPEN, CreateMode.PERSISTENT)));
        assertThat(b.drainEvents()).containsExactly("NodeCreated /mo/b", "NodeChildrenChanged /mo",
                "NodeDataChanged /mo", "NodeCreated /mo/a");
        a.multi(List.of(Op.delete("/mo/a", -1), Op.delete("/mo/b", -1), Op.delete("/mo", -1)));
    }

    @Test
    void shouldDeliverTheEventBeforeTheReplyThatReflectsIt() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/order", "0");
        List<String> seen = new ArrayList<>();
        zk.getData("/order", e -> {
            synchronized (seen) {
                seen.add("event " + e.getType());
            }
        }, null);
        CompletableFuture<Integer> done = new CompletableFuture<>();
        zk.setData("/order", bytes("1"), -1, (rc, path, ctx, stat) -> {
            synchronized (seen) {
                seen.add("reply " + rc);
            }
            done.complete(rc);
        }, null);
        assertThat(get(done)).isZero();
        synchronized (seen) {
            assertThat(seen).containsExactly("event NodeDataChanged", "reply 0");
        }

        // across connections: once the writer has its reply, the watcher's next reply comes after the event
        TestClient other = client();
        other.zk().getData("/order", true, null);
        zk.delete("/order", -1);
        CompletableFuture<String> read = new CompletableFuture<>();
        other.zk().exists("/order", false, (rc, path, ctx, stat) ->
                read.complete(other.events().nodeEventsSoFar() + " " + rc), null);
        assertThat(get(read)).isEqualTo("[NodeDeleted /order] " + Code.NONODE.intValue());
    }

    @Test
    void shouldRemoveWatchesOnTheServerAndTheClient() throws Exception {
        ZooKeeper a = client().zk();
        TestClient b = client();
        create(a, "/rm", null);
        EventLog dataWatcher = new EventLog();
        b.zk().getData("/rm", dataWatcher, null);
        b.zk().removeWatches("/rm", dataWatcher, WatcherType.Data, false);
        assertThat(dataWatcher.drain(b.zk())).containsExactly("DataWatchRemoved /rm");
        assertThatThrownBy(() -> b.zk().removeWatches("/rm", dataWatcher, WatcherType.Data, false))
                .isInstanceOf(KeeperException.NoWatcherException.class);

        b.zk().getChildren("/rm", true);
        b.zk().exists("/rm", true);
        b.zk().removeAllWatches("/rm", WatcherType.Any, false);
        assertThat(b.drainEvents()).containsExactlyInAnyOrder("ChildWatchRemoved /rm", "DataWatchRemoved /rm");
        assertThat(checkWatches(b.zk(), "/rm", 3)).as("removed on the server").isEqualTo(Code.NOWATCHER.intValue());
        a.setData("/rm", bytes("x"), -1);
        a.create("/rm/c", null, OPEN, CreateMode.PERSISTENT);
        assertThat(b.drainEvents()).isEmpty();

        b.zk().addWatch("/rm", AddWatchMode.PERSISTENT);
        assertThat(checkWatches(b.zk(), "/rm", 1)).isEqualTo(Code.NOWATCHER.intValue());
        assertThat(checkWatches(b.zk(), "/rm", 4)).isZero();
        b.zk().removeAllWatches("/rm", WatcherType.Persistent, false);
        assertThat(checkWatches(b.zk(), "/rm", 4)).isEqualTo(Code.NOWATCHER.intValue());
        assertThat(removeWatches(b.zk(), "/rm", 3)).isEqualTo(Code.NOWATCHER.intValue());
        a.delete("/rm/c", -1);
        a.delete("/rm", -1);
        assertThat(b.drainEvents()).containsExactly("PersistentWatchRemoved /rm");
    }

    @Test
    void shouldAnswerAddWatchForMissingNodesAndSendNothingExtra() throws Exception {
        TestClient b = client();
        CompletableFuture<Integer> added = new CompletableFuture<>();
        b.zk().addWatch("/not/there/yet", AddWatchMode.PERSISTENT_RECURSIVE, (rc, path, ctx) -> added.complete(rc),
                null);
        assertThat(get(added)).isZero();
        assertThat(b.drainEvents()).isEmpty();
        assertThat(b.events().states()).hasSize(1);
    }

    static int checkWatches(ZooKeeper zk, String path, int type) throws InterruptedException {
        return RawRequests.submit(zk, OpCode.checkWatches, new CheckWatchesRequest(path, type), null).getErr();
    }

    static int removeWatches(ZooKeeper zk, String path, int type) throws InterruptedException {
        return RawRequests.submit(zk, OpCode.removeWatches, new RemoveWatchesRequest(path, type), null).getErr();
    }
}
