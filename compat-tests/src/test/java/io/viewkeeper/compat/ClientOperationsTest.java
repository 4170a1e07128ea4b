package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.OPEN;
import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.create;
import static io.viewkeeper.compat.Zk.expectCode;
import static io.viewkeeper.compat.Zk.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.junit.jupiter.api.Test;

/**
 * Every opcode through the ZooKeeper 3.9 Java client, sync and async, with the exact results and Stat fields a
 * ZooKeeper 3.9 standalone server gives (ZK_PROTOCOL.md §2-§4).
 */
class ClientOperationsTest extends CompatTestBase {

    @Test
    void shouldExposeBuiltInNodesWithZookeeperStats() throws Exception {
        ZooKeeper zk = client().zk();
        Stat zookeeper = zk.exists("/zookeeper", false);
        assertThat(Zk.describe(zookeeper)).isEqualTo(
                "czxid=0 mzxid=0 pzxid=0 version=0 cversion=-2 aversion=0 ephemeralOwner=0 dataLength=0 numChildren=2");
        assertThat(zookeeper.getCtime()).isZero();
        assertThat(sorted(zk.getChildren("/zookeeper", false))).containsExactly("config", "quota");

        Stat quota = new Stat();
        assertThat(zk.getData("/zookeeper/quota", false, quota)).isEmpty();
        assertThat(Zk.describe(quota)).isEqualTo(
                "czxid=0 mzxid=0 pzxid=0 version=0 cversion=0 aversion=0 ephemeralOwner=0 dataLength=0 numChildren=0");
        assertThat(zk.getChildren("/zookeeper/quota", false)).isEmpty();

        Stat config = new Stat();
        byte[] configData = zk.getData("/zookeeper/config", false, config);
        if (target() == TargetServer.Kind.CLUSTER) {
            // as each member of a ZooKeeper ensemble shows its own configuration file with reconfig off
            assertThat(new String(configData, java.nio.charset.StandardCharsets.UTF_8))
                    .matches("(server\\.[1-3]=127\\.0\\.0\\.[1-3]:\\d+:\\d+:participant;"
                            + "(127\\.0\\.0\\.[1-3]|0\\.0\\.0\\.0):\\d+\n){3}version=0");
            assertThat(Zk.describe(config)).isEqualTo("czxid=0 mzxid=0 pzxid=0 version=-1 cversion=0 aversion=-1 "
                    + "ephemeralOwner=0 dataLength=" + configData.length + " numChildren=0");
        } else {
            assertThat(configData).isNotNull().isEmpty();
            assertThat(Zk.describe(config)).isEqualTo("czxid=0 mzxid=0 pzxid=0 version=0 cversion=0 aversion=-1 "
                    + "ephemeralOwner=0 dataLength=0 numChildren=0");
        }
        assertThat(zk.getACL("/zookeeper/config", new Stat())).containsExactly(new ACL(1, Ids.ANYONE_ID_UNSAFE));
        assertThat(zk.getACL("/zookeeper", new Stat())).containsExactly(new ACL(31, Ids.ANYONE_ID_UNSAFE));
        Stat configStat = new Stat();
        assertThat(zk.getConfig(false, configStat)).isEqualTo(configData);
        assertThat(configStat.getAversion()).isEqualTo(-1);
        assertThat(zk.getAllChildrenNumber("/zookeeper")).isEqualTo(2);

        expectCode(Code.NOAUTH, () -> zk.setData("/zookeeper/config", bytes("x"), -1));
        for (String special : List.of("/zookeeper", "/zookeeper/quota", "/zookeeper/config")) {
            expectCode(Code.BADARGUMENTS, () -> zk.delete(special, -1));
        }
        assertThat(zk.exists("/zookeeper/config", false)).isNotNull();
    }

    @Test
    void shouldNameRootSequentialChildFromRootCreationCount() throws Exception {
        ZooKeeper zk = client().zk();
        Stat root = zk.exists("/", false);
        // reported cversion = 2c - numChildren, so the stored creation count c can be read back from the stat
        int creations = (root.getCversion() + root.getNumChildren()) / 2;
        String name = zk.create("/rootseq-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL);
        assertThat(name).isEqualTo(String.format("/rootseq-%010d", creations));
        Stat after = zk.exists("/", false);
        assertThat(after.getCversion()).isEqualTo(root.getCversion() + 1);
        assertThat(after.getNumChildren()).isEqualTo(root.getNumChildren() + 1);
        zk.delete(name, -1);
        assertThat(zk.exists("/", false).getCversion()).isEqualTo(root.getCversion() + 2);
    }

    @Test
    void shouldReportExactStatThroughCreateChildAndDataChanges() throws Exception {
        ZooKeeper zk = client().zk();
        Stat p = create(zk, "/stat", "abc");
        long z = p.getCzxid();
        assertThat(Zk.describe(p)).isEqualTo("czxid=" + z + " mzxid=" + z + " pzxid=" + z
                + " version=0 cversion=0 aversion=0 ephemeralOwner=0 dataLength=3 numChildren=0");
        assertThat(p.getMtime()).isEqualTo(p.getCtime());
        assertThat(zk.exists("/stat", false)).isEqualTo(p);

        Stat child = create(zk, "/stat/c", "");
        assertThat(child.getCzxid()).isEqualTo(z + 1);
        assertThat(child.getDataLength()).isZero();
        Stat parent = zk.exists("/stat", false);
        assertThat(Zk.describe(parent)).isEqualTo("czxid=" + z + " mzxid=" + z + " pzxid=" + (z + 1)
                + " version=0 cversion=1 aversion=0 ephemeralOwner=0 dataLength=3 numChildren=1");

        zk.delete("/stat/c", -1);
        Stat set = zk.setData("/stat", bytes("abcd"), 0);
        assertThat(Zk.describe(set)).isEqualTo("czxid=" + z + " mzxid=" + (z + 3) + " pzxid=" + (z + 2)
                + " version=1 cversion=2 aversion=0 ephemeralOwner=0 dataLength=4 numChildren=0");
        assertThat(set.getMtime()).isGreaterThanOrEqualTo(set.getCtime());

        Stat same = zk.setData("/stat", bytes("abcd"), 1);
        assertThat(same.getVersion()).as("setData with identical data still bumps version").isEqualTo(2);

        Stat acl = zk.setACL("/stat", Zk.acl(new ACL(Perms.READ | Perms.ADMIN, Ids.ANYONE_ID_UNSAFE)), 0);
        assertThat(Zk.describe(acl)).as("setACL moves only aversion").isEqualTo("czxid=" + z + " mzxid=" + (z + 4)
                + " pzxid=" + (z + 2) + " version=2 cversion=2 aversion=1 ephemeralOwner=0 dataLength=4 numChildren=0");
        assertThat(zk.setACL("/stat", OPEN, 1).getAversion()).isEqualTo(2);
        zk.delete("/stat", -1);
    }

    @Test
    void shouldSetOwnerOnlyForEphemeralNodes() throws Exception {
        TestClient c = client();
        ZooKeeper zk = c.zk();
        create(zk, "/owners", null);
        assertThat(create(zk, "/owners/e", "x", CreateMode.EPHEMERAL).getEphemeralOwner()).isEqualTo(c.sessionId());
        Stat es = new Stat();
        String seq = zk.create("/owners/es-", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL, es);
        assertThat(seq).isEqualTo("/owners/es-0000000001");
        assertThat(es.getEphemeralOwner()).isEqualTo(c.sessionId());
        assertThat(create(zk, "/owners/p", "x", CreateMode.PERSISTENT).getEphemeralOwner()).isZero();
        assertThat(create(zk, "/owners/c", "x", CreateMode.CONTAINER).getEphemeralOwner()).isZero();
        Stat ttl = new Stat();
        zk.create("/owners/t", bytes("x"), OPEN, CreateMode.PERSISTENT_WITH_TTL, ttl, 3_600_000);
        assertThat(ttl.getEphemeralOwner()).isZero();
        Stat ttlSeq = new Stat();
        assertThat(zk.create("/owners/ts-", bytes("x"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttlSeq,
                3_600_000)).isEqualTo("/owners/ts-0000000005");
        // the 4-argument create of a container goes out as opcode 19 and reads back only the path
        assertThat(zk.create("/owners/c4", null, OPEN, CreateMode.CONTAINER)).isEqualTo("/owners/c4");
        assertThat(zk.exists("/owners/c4", false).getEphemeralOwner()).isZero();
        assertThat(zk.exists("/owners/e", false).getEphemeralOwner()).isEqualTo(c.sessionId());

        create(zk, "/owners/c/child", "x");
        create(zk, "/owners/t/child", "x");
        expectCode(Code.NOCHILDRENFOREPHEMERALS, () -> zk.create("/owners/e/x", null, OPEN, CreateMode.PERSISTENT));
        expectCode(Code.NOCHILDRENFOREPHEMERALS,
                () -> zk.create("/owners/e/x", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL));
        for (String path : List.of("/owners/c/child", "/owners/t/child", "/owners/t", "/owners/ts-0000000005",
                "/owners/c", "/owners/c4", "/owners/p", "/owners/e", seq)) {
            zk.delete(path, -1);
        }
        zk.delete("/owners", -1);
    }

    @Test
    void shouldNumberSequentialNodesFromTheParentsCreationCount() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/seq", null);
        for (int i = 0; i < 3; i++) {
            assertThat(zk.create("/seq/n-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL))
                    .isEqualTo("/seq/n-000000000" + i);
        }
        assertThat(zk.exists("/seq", false).getCversion()).isEqualTo(3);
        zk.delete("/seq/n-0000000001", -1);
        Stat afterDelete = zk.exists("/seq", false);
        assertThat(afterDelete.getCversion()).as("a delete raises the reported cversion").isEqualTo(4);
        assertThat(afterDelete.getNumChildren()).isEqualTo(2);
        assertThat(zk.create("/seq/n-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL))
                .as("the suffix counts creations only").isEqualTo("/seq/n-0000000003");
        assertThat(zk.exists("/seq", false).getCversion()).isEqualTo(5);
        zk.create("/seq/plain", null, OPEN, CreateMode.PERSISTENT);
        assertThat(zk.create("/seq/e-", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL)).isEqualTo("/seq/e-0000000005");
        assertThat(zk.create("/seq/", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL)).isEqualTo("/seq/0000000006");
        assertThat(sorted(zk.getChildren("/seq", false))).containsExactly(
                "0000000006", "e-0000000005", "n-0000000000", "n-0000000002", "n-0000000003", "plain");
        Stat children2 = new Stat();
        assertThat(zk.getChildren("/seq", false, children2)).hasSize(6);
        assertThat(children2.getCversion()).as("7 creations, 6 children").isEqualTo(8);
        assertThat(children2.getNumChildren()).isEqualTo(6);
        assertThat(zk.getAllChildrenNumber("/seq")).isEqualTo(6);
    }

    @Test
    void shouldKeepNullDataDistinctFromEmptyData() throws Exception {
        ZooKeeper zk = client().zk();
        zk.create("/null", null, OPEN, CreateMode.PERSISTENT);
        zk.create("/empty", new byte[0], OPEN, CreateMode.PERSISTENT);
        Stat nullStat = new Stat();
        assertThat(zk.getData("/null", false, nullStat)).isNull();
        assertThat(nullStat.getDataLength()).isZero();
        assertThat(zk.getData("/empty", false, null)).isNotNull().isEmpty();
        zk.setData("/empty", null, -1);
        assertThat(zk.getData("/empty", false, null)).isNull();
        zk.setData("/null", new byte[0], -1);
        assertThat(zk.getData("/null", false, null)).isNotNull().isEmpty();
        zk.setData("/null", bytes("data"), -1);
        assertThat(zk.getData("/null", false, null)).isEqualTo(bytes("data"));
        zk.delete("/null", -1);
        zk.delete("/empty", -1);
    }

    @Test
    void shouldConsumeOneZxidPerWriteIncludingFailedWritesAndSessions() throws Exception {
        ZooKeeper zk = client().zk();
        long z = create(zk, "/zx", "a").getCzxid();
        create(zk, "/zx/child", "a");                                                           // z+1
        expectCode(Code.NODEEXISTS, () -> zk.create("/zx", null, OPEN, CreateMode.PERSISTENT)); // z+2
        expectCode(Code.BADVERSION, () -> zk.setData("/zx", bytes("b"), 7));                    // z+3
        expectCode(Code.NONODE, () -> zk.delete("/zx/missing", -1));                            // z+4
        expectCode(Code.NONODE, () -> zk.create("/zx/none/x", null, OPEN, CreateMode.PERSISTENT)); // z+5
        expectCode(Code.NOTEMPTY, () -> zk.delete("/zx", -1));                                   // z+6
        expectCode(Code.BADVERSION, () -> zk.delete("/zx/child", 3));                            // z+7
        expectCode(Code.NONODE, () -> zk.multi(List.of(Op.setData("/zx/nope", null, -1))));      // z+8
        // reads take no zxid
        zk.getData("/zx", false, null);
        zk.exists("/zx/missing", false);
        zk.getChildren("/zx", false);
        zk.getACL("/zx", new Stat());
        zk.getAllChildrenNumber("/zx");
        zk.getEphemerals();
        EventLog.roundTrip(zk);
        client().zk().close();                                                                   // z+9, z+10
        expectCode(Code.NOAUTH, () -> zk.setData("/zookeeper/config", null, -1));                // z+11
        assertThat(zk.setData("/zx", bytes("c"), -1).getMzxid()).isEqualTo(z + 12);
        Stat parent = zk.exists("/zx", false);
        assertThat(parent.getPzxid()).as("failed child writes leave pzxid").isEqualTo(z + 1);
        assertThat(parent.getCversion()).isEqualTo(1);
        zk.delete("/zx/child", -1);
        zk.delete("/zx", -1);
    }

    @Test
    void shouldReturnErrorCodesForEveryFailingSyncCall() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/err", "x");
        create(zk, "/err/child", "x");
        expectCode(Code.NONODE, () -> zk.getData("/err/missing", false, null));
        expectCode(Code.NONODE, () -> zk.setData("/err/missing", null, -1));
        expectCode(Code.NONODE, () -> zk.delete("/err/missing", -1));
        expectCode(Code.NONODE, () -> zk.getChildren("/err/missing", false));
        expectCode(Code.NONODE, () -> zk.getChildren("/err/missing", false, new Stat()));
        expectCode(Code.NONODE, () -> zk.getACL("/err/missing", new Stat()));
        expectCode(Code.NONODE, () -> zk.setACL("/err/missing", OPEN, -1));
        expectCode(Code.NONODE, () -> zk.getAllChildrenNumber("/err/missing"));
        expectCode(Code.NONODE, () -> zk.create("/err/missing/x", null, OPEN, CreateMode.PERSISTENT));
        assertThat(zk.exists("/err/missing", false)).isNull();
        expectCode(Code.NODEEXISTS, () -> zk.create("/err", null, OPEN, CreateMode.PERSISTENT));
        expectCode(Code.NODEEXISTS, () -> zk.create("/err/child", null, OPEN, CreateMode.EPHEMERAL, new Stat()));
        expectCode(Code.BADVERSION, () -> zk.setData("/err", null, 1));
        expectCode(Code.BADVERSION, () -> zk.setData("/err", null, -2));
        expectCode(Code.BADVERSION, () -> zk.delete("/err/child", 1));
        expectCode(Code.BADVERSION, () -> zk.setACL("/err", OPEN, 1));
        expectCode(Code.NOTEMPTY, () -> zk.delete("/err", -1));
        expectCode(Code.INVALIDACL, () -> zk.create("/err/a", null,
                Zk.acl(new ACL(31, new Id("nosuchscheme", "x"))), CreateMode.PERSISTENT));
        // the ACL is checked before the parent is looked up
        expectCode(Code.INVALIDACL, () -> zk.create("/err/missing/a", null,
                Zk.acl(new ACL(31, new Id("digest", "nocolon"))), CreateMode.PERSISTENT));
        assertThat(zk.getData("/err", false, null)).isEqualTo(bytes("x"));
        zk.delete("/err/child", 0);
        zk.delete("/err", 0);
    }

    @Test
    void shouldRefuseBadCreateFlagsAndLoneCheckAsZookeeperDoes() throws Exception {
        TestClient c = client();
        ZooKeeper zk = c.zk();
        // a TTL flag on a plain create: the TTL check fails before anything else
        CreateRequest ttlFlag = new CreateRequest("/badflags", null, OPEN, CreateMode.PERSISTENT_WITH_TTL.toFlag());
        ReplyHeader r = RawRequests.submit(zk, OpCode.create, ttlFlag, new CreateResponse());
        assertThat(r.getErr()).isEqualTo(Code.BADARGUMENTS.intValue());
        CreateRequest unknownFlag = new CreateRequest("/badflags", null, OPEN, 9);
        assertThat(RawRequests.submit(zk, OpCode.create, unknownFlag, new CreateResponse()).getErr())
                .isEqualTo(Code.BADARGUMENTS.intValue());
        assertThat(zk.exists("/badflags", false)).isNull();
        // an addWatch mode other than 0 and 1 does not decode; the connection stays open
        ReplyHeader badMode = RawRequests.submit(zk, OpCode.addWatch, new AddWatchRequest("/x", 2), null);
        assertThat(badMode.getErr()).isEqualTo(Code.MARSHALLINGERROR.intValue());
        assertThat(zk.exists("/", false)).isNotNull();
        assertThat(c.events().states()).containsExactly(KeeperState.SyncConnected);

        // check (13) is valid only inside a multi: Unimplemented with zxid -1, then the connection is closed
        ReplyHeader check = RawRequests.submit(zk, OpCode.check, new CheckVersionRequest("/", -1), null);
        assertThat(check.getErr()).isEqualTo(Code.UNIMPLEMENTED.intValue());
        assertThat(check.getZxid()).isEqualTo(-1);
        c.events().awaitState(KeeperState.SyncConnected, 2);
        assertThat(c.events().states()).containsSubsequence(
                KeeperState.SyncConnected, KeeperState.Disconnected, KeeperState.SyncConnected);
        assertThat(zk.exists("/zookeeper", false)).as("the session survives").isNotNull();
    }

    @Test
    void shouldNegotiateSessionTimeoutIntoTickBounds() throws Exception {
        assertThat(client(nextConnectString(), 1000).zk().getSessionTimeout()).isEqualTo(4000);
        assertThat(client(nextConnectString(), 1_000_000).zk().getSessionTimeout()).isEqualTo(40_000);
        assertThat(client(nextConnectString(), 9000).zk().getSessionTimeout()).isEqualTo(9000);
    }

    @Test
    void shouldApplyMultiAtomicallyWithPerOpResults() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/m", "m");
        List<OpResult> ok = zk.multi(List.of(
                Op.create("/m/a", bytes("1"), OPEN, CreateMode.PERSISTENT),
                Op.create("/m/a/b", null, OPEN, CreateMode.PERSISTENT),
                Op.create("/m/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
                Op.create("/m/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
                Op.setData("/m/a", bytes("2"), 0),
                Op.check("/m", 0),
                Op.delete("/m/a/b", -1)));
        assertThat(ok).hasSize(7);
        assertThat(((OpResult.CreateResult) ok.get(0)).getPath()).isEqualTo("/m/a");
        assertThat(((OpResult.CreateResult) ok.get(0)).getStat()).as("type 1 create carries no stat").isNull();
        assertThat(((OpResult.CreateResult) ok.get(2)).getPath()).isEqualTo("/m/s-0000000001");
        assertThat(((OpResult.CreateResult) ok.get(3)).getPath()).isEqualTo("/m/s-0000000002");
        Stat setStat = ((OpResult.SetDataResult) ok.get(4)).getStat();
        assertThat(setStat.getVersion()).isEqualTo(1);
        assertThat(setStat.getMzxid()).as("one zxid for the whole multi").isEqualTo(setStat.getCzxid());
        assertThat(ok.get(5)).isInstanceOf(OpResult.CheckResult.class);
        assertThat(ok.get(6)).isInstanceOf(OpResult.DeleteResult.class);
        assertThat(zk.exists("/m/a/b", false)).isNull();
        Stat a = zk.exists("/m/a", false);
        assertThat(a.getPzxid()).isEqualTo(a.getCzxid());
        assertThat(a.getCversion()).isEqualTo(2);

        long before = zk.exists("/m", false).getPzxid();
        assertThatThrownBy(() -> zk.multi(List.of(
                Op.create("/m/b", null, OPEN, CreateMode.PERSISTENT),
                Op.delete("/m/nonexist", -1),
                Op.setData("/m", bytes("x"), -1))))
                .isInstanceOfSatisfying(KeeperException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.NONODE);
                    assertThat(e.getResults()).extracting(res -> ((OpResult.ErrorResult) res).getErr())
                            .containsExactly(0, Code.NONODE.intValue(), Code.RUNTIMEINCONSISTENCY.intValue());
                });
        assertThat(zk.exists("/m/b", false)).isNull();
        assertThat(zk.getData("/m", false, null)).isEqualTo(bytes("m"));
        Stat m = zk.setData("/m", bytes("m"), -1);
        assertThat(m.getMzxid()).as("the failed multi used one zxid").isEqualTo(zk.exists("/m/a", false).getMzxid() + 2);
        assertThat(m.getPzxid()).isEqualTo(before);
        expectCode(Code.BADVERSION, () -> zk.multi(List.of(Op.check("/m", 0), Op.delete("/m/a", 5))));
        expectCode(Code.NODEEXISTS, () -> zk.multi(List.of(
                Op.create("/m/d", null, OPEN, CreateMode.PERSISTENT),
                Op.create("/m/d", null, OPEN, CreateMode.PERSISTENT))));
    }

    @Test
    void shouldReturnCreate2ResultsWithStatInsideMulti() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/m2", null);
        List<OpResult> results = zk.multi(List.of(
                Op.create("/m2/x", bytes("abc"), OPEN, CreateMode.PERSISTENT, -1),
                Op.create("/m2/t", bytes("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, 3_600_000),
                Op.create("/m2/c", null, OPEN, CreateMode.CONTAINER)));
        OpResult.CreateResult x = (OpResult.CreateResult) results.get(0);
        assertThat(x.getPath()).isEqualTo("/m2/x");
        assertThat(x.getType()).isEqualTo(OpCode.create);
        assertThat(x.getStat()).isNull();
        // TTL (21) and container (19) results come back as create2 results with the new node's stat
        OpResult.CreateResult t = (OpResult.CreateResult) results.get(1);
        assertThat(t.getType()).isEqualTo(OpCode.create2);
        assertThat(t.getStat().getDataLength()).isEqualTo(1);
        assertThat(t.getStat().getEphemeralOwner()).isZero();
        OpResult.CreateResult c = (OpResult.CreateResult) results.get(2);
        assertThat(c.getType()).isEqualTo(OpCode.create2);
        assertThat(c.getStat().getCzxid()).isEqualTo(t.getStat().getCzxid());
        assertThat(c.getStat().getDataLength()).isZero();
        assertThat(zk.exists("/m2/x", false).getCzxid()).isEqualTo(t.getStat().getCzxid());
        zk.multi(List.of(Op.delete("/m2/x", -1), Op.delete("/m2/t", -1), Op.delete("/m2/c", -1)));
        assertThat(zk.getChildren("/m2", false)).isEmpty();
    }

    @Test
    void shouldRunMultiReadOpsIndependently() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/mr", "r");
        Stat a = create(zk, "/mr/a", "A");
        List<OpResult> results = zk.multi(List.of(
                Op.getData("/mr/a"), Op.getChildren("/mr"), Op.getData("/mr/missing"), Op.getChildren("/mr/a")));
        assertThat(results).hasSize(4);
        OpResult.GetDataResult data = (OpResult.GetDataResult) results.get(0);
        assertThat(data.getData()).isEqualTo(bytes("A"));
        assertThat(data.getStat()).isEqualTo(a);
        assertThat(((OpResult.GetChildrenResult) results.get(1)).getChildren()).containsExactly("a");
        assertThat(((OpResult.ErrorResult) results.get(2)).getErr()).isEqualTo(Code.NONODE.intValue());
        assertThat(((OpResult.GetChildrenResult) results.get(3)).getChildren()).isEmpty();
    }

    @Test
    void shouldListOnlyTheCallersEphemeralsByPrefix() throws Exception {
        ZooKeeper a = client().zk();
        ZooKeeper b = client().zk();
        create(a, "/eph", null);
        create(a, "/eph/a1", null, CreateMode.EPHEMERAL);
        create(a, "/ephx", null, CreateMode.EPHEMERAL);
        a.create("/eph/s-", null, OPEN, CreateMode.EPHEMERAL_SEQUENTIAL);
        create(b, "/eph/b1", null, CreateMode.EPHEMERAL);
        assertThat(sorted(a.getEphemerals())).containsExactly("/eph/a1", "/eph/s-0000000001", "/ephx");
        assertThat(sorted(a.getEphemerals("/eph/s"))).containsExactly("/eph/s-0000000001");
        assertThat(sorted(a.getEphemerals("/eph"))).containsExactly("/eph/a1", "/eph/s-0000000001", "/ephx");
        assertThat(b.getEphemerals()).containsExactly("/eph/b1");
        assertThat(b.getEphemerals("/nothing")).isEmpty();
        CompletableFuture<List<String>> async = new CompletableFuture<>();
        a.getEphemerals("/ephx", (rc, ctx, paths) -> async.complete(rc == 0 ? paths : List.of("rc" + rc)), null);
        assertThat(get(async)).containsExactly("/ephx");
    }

    @Test
    void shouldCountAllDescendants() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/count", null);
        create(zk, "/count/a", null);
        create(zk, "/count/a/b", null);
        create(zk, "/count/a/b/c", null);
        create(zk, "/count/d", null);
        assertThat(zk.getAllChildrenNumber("/count")).isEqualTo(4);
        assertThat(zk.getAllChildrenNumber("/count/a/b/c")).isZero();
        CompletableFuture<Integer> async = new CompletableFuture<>();
        zk.getAllChildrenNumber("/count/a", (rc, path, ctx, n) -> async.complete(rc == 0 ? n : rc), null);
        assertThat(get(async)).isEqualTo(2);
    }

    @Test
    void shouldEchoThePathOnSync() throws Exception {
        ZooKeeper zk = client().zk();
        CompletableFuture<String> synced = new CompletableFuture<>();
        zk.sync("/not/even/there", (rc, path, ctx) -> synced.complete(rc + " " + path + " " + ctx), "ctx");
        assertThat(get(synced)).isEqualTo("0 /not/even/there ctx");
    }

    /**
     * A session's writes apply in the order it sent them, however many are outstanding: each setData names the
     * version the one before it produces, so one overtaking another fails with BADVERSION. On a group the three
     * sessions sit on different replicas, so two of them write through a backup, which forwards without waiting.
     */
    @Test
    void shouldApplyPipelinedAsyncWritesOfOneSessionInOrder() throws Exception {
        int writes = 300;
        for (int session = 0; session < 3; session++) {
            ZooKeeper zk = client().zk();
            String path = "/pipelined-" + session;
            zk.create(path, bytes("0"), OPEN, CreateMode.PERSISTENT);
            List<String> answers = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            CompletableFuture<Void> last = new CompletableFuture<>();
            for (int version = 0; version < writes; version++) {
                int expected = version;
                zk.setData(path, bytes(Integer.toString(version + 1)), version, (rc, p, ctx, stat) -> {
                    answers.add(rc + "@" + expected + (stat == null ? "" : " v" + stat.getVersion()
                            + " z" + stat.getMzxid()));
                    if (expected == writes - 1) {
                        last.complete(null);
                    }
                }, null);
            }
            get(last);
            assertThat(answers).as("session %d", session).hasSize(writes)
                    .allSatisfy(answer -> assertThat(answer).startsWith("0@"));
            long previousZxid = -1;
            for (int i = 0; i < writes; i++) {
                String answer = answers.get(i);
                assertThat(answer).startsWith("0@" + i + " v" + (i + 1) + " z");
                long zxid = Long.parseLong(answer.substring(answer.indexOf(" z") + 2));
                assertThat(zxid).as("zxid of write %d", i).isGreaterThan(previousZxid);
                previousZxid = zxid;
            }
            assertThat(Zk.text(zk.getData(path, false, null))).isEqualTo(Integer.toString(writes));
        }
    }

    @Test
    void shouldAnswerEveryAsyncCallWithRcAndResults() throws Exception {
        ZooKeeper zk = client().zk();
        CompletableFuture<String> created = new CompletableFuture<>();
        zk.create("/async", bytes("v"), OPEN, CreateMode.PERSISTENT,
                (rc, path, ctx, name) -> created.complete(rc + " " + path + " " + name), null);
        assertThat(get(created)).isEqualTo("0 /async /async");
        CompletableFuture<String> created2 = new CompletableFuture<>();
        zk.create("/async/s-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL,
                (rc, path, ctx, name, stat) -> created2.complete(rc + " " + name + " " + stat.getVersion()), null);
        assertThat(get(created2)).isEqualTo("0 /async/s-0000000000 0");
        CompletableFuture<Integer> exists = new CompletableFuture<>();
        zk.create("/async", null, OPEN, CreateMode.PERSISTENT, (rc, path, ctx, name) -> exists.complete(rc), null);
        assertThat(get(exists)).isEqualTo(Code.NODEEXISTS.intValue());

        CompletableFuture<String> data = new CompletableFuture<>();
        zk.getData("/async", false, (rc, path, ctx, d, stat) -> data.complete(rc + " " + Zk.text(d)), null);
        assertThat(get(data)).isEqualTo("0 v");
        CompletableFuture<Integer> noData = new CompletableFuture<>();
        zk.getData("/async/none", false, (rc, path, ctx, d, stat) -> noData.complete(rc), null);
        assertThat(get(noData)).isEqualTo(Code.NONODE.intValue());
        CompletableFuture<String> stat = new CompletableFuture<>();
        zk.exists("/async/none", false, (rc, path, ctx, s) -> stat.complete(rc + " " + s), null);
        assertThat(get(stat)).isEqualTo(Code.NONODE.intValue() + " null");
        CompletableFuture<String> set = new CompletableFuture<>();
        zk.setData("/async", bytes("w"), 0, (rc, path, ctx, s) -> set.complete(rc + " " + s.getVersion()), null);
        assertThat(get(set)).isEqualTo("0 1");
        CompletableFuture<Integer> badSet = new CompletableFuture<>();
        zk.setData("/async", bytes("w"), 0, (rc, path, ctx, s) -> badSet.complete(rc), null);
        assertThat(get(badSet)).isEqualTo(Code.BADVERSION.intValue());
        CompletableFuture<String> children = new CompletableFuture<>();
        zk.getChildren("/async", false, (rc, path, ctx, names, s) -> children.complete(rc + " " + names + " "
                + s.getNumChildren()), null);
        assertThat(get(children)).isEqualTo("0 [s-0000000000] 1");
        CompletableFuture<String> children1 = new CompletableFuture<>();
        zk.getChildren("/async", false, (rc, path, ctx, names) -> children1.complete(rc + " " + names), null);
        assertThat(get(children1)).isEqualTo("0 [s-0000000000]");
        CompletableFuture<String> acl = new CompletableFuture<>();
        zk.getACL("/async", new Stat(), (rc, path, ctx, list, s) -> acl.complete(rc + " " + list.size()), null);
        assertThat(get(acl)).isEqualTo("0 1");
        CompletableFuture<String> setAcl = new CompletableFuture<>();
        zk.setACL("/async", OPEN, 0, (rc, path, ctx, s) -> setAcl.complete(rc + " " + s.getAversion()), null);
        assertThat(get(setAcl)).isEqualTo("0 1");
        CompletableFuture<Integer> notEmpty = new CompletableFuture<>();
        zk.delete("/async", -1, (rc, path, ctx) -> notEmpty.complete(rc), null);
        assertThat(get(notEmpty)).isEqualTo(Code.NOTEMPTY.intValue());
        CompletableFuture<String> multi = new CompletableFuture<>();
        zk.multi(List.of(Op.delete("/async/s-0000000000", -1), Op.delete("/async/none", -1)),
                (rc, path, ctx, results) -> multi.complete(rc + " " + results.stream()
                        .map(res -> String.valueOf(((OpResult.ErrorResult) res).getErr())).toList()), null);
        assertThat(get(multi)).isEqualTo(Code.NONODE.intValue() + " [0, -101]");
        CompletableFuture<Integer> deleted = new CompletableFuture<>();
        zk.multi(List.of(Op.delete("/async/s-0000000000", -1), Op.delete("/async", -1)),
                (rc, path, ctx, results) -> deleted.complete(rc), null);
        assertThat(get(deleted)).isZero();
        assertThat(zk.exists("/async", false)).isNull();
    }

    static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }
}
