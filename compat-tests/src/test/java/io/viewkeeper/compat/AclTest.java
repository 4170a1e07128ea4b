package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.OPEN;
import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.create;
import static io.viewkeeper.compat.Zk.expectCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.cluster.FaultProxy;
import java.util.List;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** ACL checks, getACL masking, digest/ip/auth/super schemes, addAuthInfo and whoAmI (ZK_PROTOCOL.md §6). */
class AclTest extends CompatTestBase {
    static final String ALICE = ServerSettings.digest("alice:pw");
    static final Id ALICE_ID = new Id("digest", ALICE);

    private ZooKeeper alice() throws Exception {
        ZooKeeper zk = client().zk();
        zk.addAuthInfo("digest", bytes("alice:pw"));
        return zk;
    }

    @Test
    void shouldComputeDigestIdsLikeZookeeper() {
        assertThat(ServerSettings.digest("user:pass")).isEqualTo("user:smGaoVKd/cQkjm7b88GyorAUz20=");
    }

    @Test
    void shouldDenyEveryOperationWithoutPermission() throws Exception {
        ZooKeeper owner = alice();
        owner.create("/secure", bytes("s"), Zk.acl(new ACL(Perms.ALL, ALICE_ID)), CreateMode.PERSISTENT);
        owner.create("/secure/child", bytes("c"), OPEN, CreateMode.PERSISTENT);
        ZooKeeper anon = client().zk();
        expectCode(Code.NOAUTH, () -> anon.getData("/secure", false, null));
        expectCode(Code.NOAUTH, () -> anon.exists("/secure", false));
        expectCode(Code.NOAUTH, () -> anon.setData("/secure", null, -1));
        expectCode(Code.NOAUTH, () -> anon.getChildren("/secure", false));
        expectCode(Code.NOAUTH, () -> anon.getChildren("/secure", false, new Stat()));
        expectCode(Code.NOAUTH, () -> anon.getAllChildrenNumber("/secure"));
        expectCode(Code.NOAUTH, () -> anon.getACL("/secure", new Stat()));
        expectCode(Code.NOAUTH, () -> anon.setACL("/secure", OPEN, -1));
        expectCode(Code.NOAUTH, () -> anon.create("/secure/x", null, OPEN, CreateMode.PERSISTENT));
        expectCode(Code.NOAUTH, () -> anon.delete("/secure/child", -1));
        // DELETE on the parent is checked before the node's own existence
        expectCode(Code.NOAUTH, () -> anon.delete("/secure/missing", -1));
        expectCode(Code.NOAUTH, () -> anon.multi(List.of(Op.check("/secure", -1))));
        List<OpResult> reads = anon.multi(List.of(Op.getData("/secure"), Op.getData("/secure/child")));
        assertThat(((OpResult.ErrorResult) reads.get(0)).getErr()).isEqualTo(Code.NOAUTH.intValue());
        assertThat(((OpResult.GetDataResult) reads.get(1)).getData()).isEqualTo(bytes("c"));
        // no ACL inheritance: the open child is readable and writable
        assertThat(anon.getData("/secure/child", false, null)).isEqualTo(bytes("c"));
        anon.setData("/secure/child", bytes("d"), -1);
        // exists on a missing node checks nothing
        assertThat(anon.exists("/secure/missing", false)).isNull();

        assertThat(owner.getData("/secure", false, null)).isEqualTo(bytes("s"));
        owner.delete("/secure/child", -1);
        owner.delete("/secure", -1);
    }

    @Test
    void shouldMaskDigestIdsWithoutAdmin() throws Exception {
        ZooKeeper owner = alice();
        List<ACL> acl = Zk.acl(new ACL(Perms.ALL, ALICE_ID), new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE));
        owner.create("/masked", null, acl, CreateMode.PERSISTENT);
        assertThat(owner.getACL("/masked", new Stat())).isEqualTo(acl);
        ZooKeeper anon = client().zk();
        assertThat(anon.getACL("/masked", new Stat())).containsExactly(
                new ACL(Perms.ALL, new Id("digest", "alice:x")), new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE));
        // ADMIN alone is enough for getACL, unmasked
        owner.create("/adminonly", null, Zk.acl(new ACL(Perms.ADMIN, Ids.ANYONE_ID_UNSAFE),
                new ACL(Perms.READ, ALICE_ID)), CreateMode.PERSISTENT);
        assertThat(anon.getACL("/adminonly", new Stat())).contains(new ACL(Perms.READ, ALICE_ID));
        expectCode(Code.NOAUTH, () -> anon.getData("/adminonly", false, null));
        owner.delete("/masked", -1);
        owner.delete("/adminonly", -1);
    }

    @Test
    void shouldExpandAuthSchemeToTheCallersDigestIdentities() throws Exception {
        ZooKeeper anon = client().zk();
        expectCode(Code.INVALIDACL, () -> anon.create("/creator", null, Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        ZooKeeper user = client().zk();
        user.addAuthInfo("digest", bytes("user:pass"));
        user.create("/creator", bytes("x"), Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        assertThat(user.getACL("/creator", new Stat())).containsExactly(
                new ACL(Perms.ALL, new Id("digest", "user:smGaoVKd/cQkjm7b88GyorAUz20=")));
        expectCode(Code.NOAUTH, () -> anon.getData("/creator", false, null));
        Stat acl = user.setACL("/creator", Zk.acl(new ACL(Perms.ALL, new Id("auth", ""))), 0);
        assertThat(acl.getAversion()).isEqualTo(1);
        assertThat(user.getACL("/creator", new Stat())).containsExactly(
                new ACL(Perms.ALL, new Id("digest", "user:smGaoVKd/cQkjm7b88GyorAUz20=")));
        // duplicates are removed before the list is stored
        user.setACL("/creator", Zk.acl(new ACL(Perms.ALL, Ids.ANYONE_ID_UNSAFE),
                new ACL(Perms.ALL, Ids.ANYONE_ID_UNSAFE)), 1);
        assertThat(user.getACL("/creator", new Stat())).containsExactly(new ACL(Perms.ALL, Ids.ANYONE_ID_UNSAFE));
        user.delete("/creator", -1);
    }

    @Test
    void shouldRejectInvalidAclLists() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/inv", null);
        for (List<ACL> bad : List.of(
                Zk.acl(new ACL(Perms.ALL, new Id("nosuchscheme", "x"))),
                Zk.acl(new ACL(Perms.ALL, new Id("digest", "nocolon"))),
                Zk.acl(new ACL(Perms.ALL, new Id("ip", "not-an-address"))),
                Zk.acl(new ACL(Perms.ALL, new Id("auth", ""))))) {
            expectCode(Code.INVALIDACL, () -> zk.create("/inv/x", null, bad, CreateMode.PERSISTENT));
            expectCode(Code.INVALIDACL, () -> zk.setACL("/inv", bad, -1));
        }
        assertThat(zk.getACL("/inv", new Stat())).isEqualTo(OPEN);
        assertThat(zk.exists("/inv", false).getAversion()).isZero();
        zk.delete("/inv", -1);
    }

    @Test
    void shouldMatchIpAclsAgainstTheConnectionAddress() throws Exception {
        ZooKeeper zk = client().zk();
        zk.create("/ip-ok", bytes("1"), Zk.acl(new ACL(Perms.ALL, new Id("ip", "127.0.0.1"))), CreateMode.PERSISTENT);
        zk.create("/ip-net", bytes("2"), Zk.acl(new ACL(Perms.ALL, new Id("ip", "127.0.0.0/8"))),
                CreateMode.PERSISTENT);
        zk.create("/ip-no", bytes("3"), Zk.acl(new ACL(Perms.ALL, new Id("ip", "10.0.0.0/8"))),
                CreateMode.PERSISTENT);
        assertThat(zk.getData("/ip-ok", false, null)).isEqualTo(bytes("1"));
        assertThat(zk.getData("/ip-net", false, null)).isEqualTo(bytes("2"));
        expectCode(Code.NOAUTH, () -> zk.getData("/ip-no", false, null));
        // "auth" does not expand to ip identities
        expectCode(Code.INVALIDACL, () -> zk.create("/ip-auth", null, Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        zk.delete("/ip-ok", -1);
        zk.delete("/ip-net", -1);
        zk.delete("/ip-no", -1);
    }

    @Test
    void shouldCheckSetAclVersionAgainstAversionWithoutFiringWatches() throws Exception {
        TestClient c = client();
        ZooKeeper zk = c.zk();
        Stat created = create(zk, "/av", "x");
        zk.getData("/av", true, null);
        zk.exists("/av", true);
        expectCode(Code.BADVERSION, () -> zk.setACL("/av", Ids.READ_ACL_UNSAFE, 1));
        Stat s = zk.setACL("/av", OPEN, 0);
        assertThat(s.getAversion()).isEqualTo(1);
        assertThat(s.getMzxid()).isEqualTo(created.getMzxid());
        assertThat(s.getMtime()).isEqualTo(created.getMtime());
        assertThat(c.drainEvents()).as("setACL fires nothing").isEmpty();
        zk.setData("/av", bytes("y"), -1);
        assertThat(c.drainEvents()).containsExactly("NodeDataChanged /av");
        zk.delete("/av", -1);
    }

    @Test
    void shouldGrantEverythingToSuper() throws Exception {
        ZooKeeper owner = alice();
        owner.create("/closed", bytes("c"), Zk.acl(new ACL(Perms.ALL, ALICE_ID)), CreateMode.PERSISTENT);
        ZooKeeper root = client().zk();
        root.addAuthInfo("digest", bytes("super:" + ServerSettings.SUPER_PASSWORD));
        assertThat(root.getData("/closed", false, null)).isEqualTo(bytes("c"));
        assertThat(root.getACL("/closed", new Stat())).containsExactly(new ACL(Perms.ALL, ALICE_ID));
        root.setData("/closed", bytes("d"), -1);
        root.setData("/zookeeper/config", new byte[0], -1);
        assertThat(root.exists("/zookeeper/config", false).getVersion()).isEqualTo(1);
        assertThat(root.whoAmI()).containsExactlyInAnyOrder(new ClientInfo("super", ""),
                new ClientInfo("digest", "super"), new ClientInfo("ip", "127.0.0.1"));
        ZooKeeper wrong = client().zk();
        wrong.addAuthInfo("digest", bytes("super:wrong"));
        expectCode(Code.NOAUTH, () -> wrong.getData("/closed", false, null));
        assertThat(wrong.whoAmI()).containsExactlyInAnyOrder(new ClientInfo("digest", "super"),
                new ClientInfo("ip", "127.0.0.1"));
        root.delete("/closed", -1);
    }

    @Test
    void shouldReportIdentitiesThroughWhoAmI() throws Exception {
        ZooKeeper zk = client().zk();
        assertThat(zk.whoAmI()).containsExactly(new ClientInfo("ip", "127.0.0.1"));
        zk.addAuthInfo("digest", bytes("u:p"));
        assertThat(zk.whoAmI()).containsExactlyInAnyOrder(new ClientInfo("ip", "127.0.0.1"),
                new ClientInfo("digest", "u"));
        zk.addAuthInfo("digest", bytes("v:q"));
        zk.addAuthInfo("ip", bytes("10.1.2.3"));
        assertThat(zk.whoAmI()).containsExactlyInAnyOrder(new ClientInfo("ip", "127.0.0.1"),
                new ClientInfo("digest", "u"), new ClientInfo("digest", "v"));
    }

    @Test
    void shouldKeepAuthAcrossReconnectBecauseTheClientResendsIt() throws Exception {
        ZooKeeper owner = alice();
        owner.create("/reauth", bytes("r"), Zk.acl(new ACL(Perms.ALL, ALICE_ID)), CreateMode.PERSISTENT);
        FaultProxy proxy = proxy();
        TestClient c = client(proxy.connectString(), SESSION_TIMEOUT_MS);
        c.zk().addAuthInfo("digest", bytes("alice:pw"));
        assertThat(c.zk().getData("/reauth", false, null)).isEqualTo(bytes("r"));
        proxy.cutAll();
        c.events().awaitState(KeeperState.SyncConnected, 2);
        assertThat(c.zk().getData("/reauth", false, null)).isEqualTo(bytes("r"));
        assertThat(c.zk().whoAmI()).contains(new ClientInfo("digest", "alice"));
        owner.delete("/reauth", -1);
    }

    @Test
    void shouldKillTheHandleOnAuthFailure() throws Exception {
        TestClient c = client();
        c.zk().addAuthInfo("nosuchscheme", bytes("x"));
        c.events().awaitState(KeeperState.AuthFailed);
        assertThatThrownBy(() -> c.zk().getData("/", false, null)).isInstanceOf(KeeperException.class);
    }

    @Test
    void shouldFilterNotificationsByReadPermission() throws Exception {
        ZooKeeper owner = alice();
        create(owner, "/f", null);
        owner.create("/f/sec", bytes("s"), Zk.acl(new ACL(Perms.ALL, ALICE_ID)), CreateMode.PERSISTENT);
        TestClient watcher = client();
        watcher.zk().addWatch("/f", AddWatchMode.PERSISTENT_RECURSIVE);
        owner.setData("/f/sec", bytes("t"), -1);
        owner.create("/f/sec/open", null, OPEN, CreateMode.PERSISTENT);
        owner.setData("/f", bytes("f"), -1);
        assertThat(watcher.drainEvents()).containsExactly("NodeCreated /f/sec/open", "NodeDataChanged /f");
        owner.delete("/f/sec/open", -1);
        owner.delete("/f/sec", -1);
        assertThat(watcher.drainEvents()).containsExactly("NodeDeleted /f/sec/open");
        owner.delete("/f", -1);
    }
}
