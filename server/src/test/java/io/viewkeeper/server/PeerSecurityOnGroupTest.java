package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running three-replica group switched to authenticated peers one replica at a time, as an operator rolls a
 * change through ZooKeeper: to mutual TLS in ZooKeeper's three steps (portUnification, then sslQuorum, then
 * portUnification off) and to a shared secret in two (offered, then required). After every restart the
 * restarted replica serves a write end to end, so it talks both ways with the rest of the mixed group.
 */
class PeerSecurityOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private List<NodeConfig.Member> members;

    @AfterEach
    void stop() {
        nodes.forEach(ViewkeeperNode::close);
    }

    @Test
    void shouldSwitchRunningGroupToMutualTlsOneReplicaAtATime() throws Exception {
        TestCertificates ca = new TestCertificates();
        Map<String, String> stores = Map.of(
                "ssl.quorum.keyStore.location", ca.issue("CN=replica").keyStore(dir.resolve("keys.p12")).toString(),
                "ssl.quorum.keyStore.password", TestCertificates.PASSWORD,
                "ssl.quorum.trustStore.location", ca.trustStore(dir.resolve("trust.p12")).toString(),
                "ssl.quorum.trustStore.password", TestCertificates.PASSWORD);
        startGroup();
        rollThrough(new PeerSecuritySettings(false, true, stores, null, false), "unified");
        rollThrough(new PeerSecuritySettings(true, true, stores, null, false), "tls-dial");
        rollThrough(new PeerSecuritySettings(true, false, stores, null, false), "tls-only");
        assertWriteThrough(0, "/after-the-switch");
    }

    @Test
    void shouldSwitchRunningGroupToSharedSecretAndKeepOutAReplicaWithAnother() throws Exception {
        Path secret = Files.writeString(dir.resolve("peer.secret"), "c2VjcmV0IG9mIHRoZSBncm91cCwgMzIgYnl0ZXM=\n");
        Path other = Files.writeString(dir.resolve("other.secret"), "another secret, also long enough\n");
        startGroup();
        rollThrough(new PeerSecuritySettings(false, false, Map.of(), secret, false), "offered");
        rollThrough(new PeerSecuritySettings(false, false, Map.of(), secret, true), "required");

        restart(2, new PeerSecuritySettings(false, false, Map.of(), other, true));
        assertWriteThrough(0, "/without-replica-3");
        ZooKeeper outsider = new ZooKeeper(nodes.get(2).connectString(), 10_000, event -> { });
        try {
            await("replica 3 holds another secret: no session through it").during(Duration.ofSeconds(3))
                    .atMost(TIMEOUT).until(() -> outsider.getState() != ZooKeeper.States.CONNECTED);
        } finally {
            outsider.close();
        }
        restart(2, new PeerSecuritySettings(false, false, Map.of(), secret, true));
        assertWriteThrough(2, "/replica-3-back");
    }

    private void startGroup() throws Exception {
        members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            nodes.add(ViewkeeperNode.start(config(m, PeerSecuritySettings.none())));
        }
        assertWriteThrough(0, "/before");
    }

    private NodeConfig config(NodeConfig.Member m, PeerSecuritySettings security) throws Exception {
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
        return base.withMembers(members, m.id()).withAdmin(base.admin().withAddress(m.host()))
                .withPeerSecurity(security);
    }

    private void rollThrough(PeerSecuritySettings security, String stage) throws Exception {
        for (int i = 0; i < nodes.size(); i++) {
            restart(i, security);
            assertWriteThrough(i, "/" + stage + "-" + (i + 1));
        }
    }

    private void restart(int index, PeerSecuritySettings security) throws Exception {
        nodes.get(index).close();
        nodes.set(index, ViewkeeperNode.start(config(members.get(index), security)));
    }

    /** A client of replica {@code index} creates {@code path} and reads it back: the replica is in the group. */
    private void assertWriteThrough(int index, String path) throws Exception {
        ZooKeeper client = new ZooKeeper(nodes.get(index).connectString(), 30_000, event -> { });
        try {
            await("a write through replica " + (index + 1)).atMost(TIMEOUT).ignoreException(
                    KeeperException.ConnectionLossException.class).until(() -> {
                        if (client.getState() != ZooKeeper.States.CONNECTED) {
                            return false;
                        }
                        if (client.exists(path, false) == null) {
                            client.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                        }
                        return true;
                    });
            assertThat(client.exists("/before", false)).as("what was written before is there").isNotNull();
        } finally {
            client.close();
        }
    }
}
