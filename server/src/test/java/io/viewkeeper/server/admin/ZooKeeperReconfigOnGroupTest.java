package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZooKeeper's own reconfig API (ZooKeeperAdmin, opcode 16) against a group with reconfigEnabled=true, as a
 * ZooKeeper 3.9 ensemble answers it: refused without the superuser (NoAuth), then an incremental reconfig adds an
 * observer and answers with the new /zookeeper/config and its Stat (the watch on it fires), a stale curConfigId gets
 * BadVersion, a new participant that is no member yet gets NewConfigNoQuorum, and a second reconfig makes the
 * observer a participant in place of server 3. A group with reconfig off answers ReconfigDisabled.
 */
class ZooKeeperReconfigOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SUPER = "super:reconfig-secret";

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(ViewkeeperNode::close);
    }

    private ViewkeeperNode start(NodeConfig.Member m, List<NodeConfig.Member> lines, boolean reconfig)
            throws Exception {
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
        return ViewkeeperNode.start(base.withMembers(lines, m.id()).withAdmin(base.admin().withAddress(m.host()))
                .withSuperDigest(DigestAuthenticationProvider.generateDigest(SUPER)).withReconfigEnabled(reconfig));
    }

    private static ZooKeeperAdmin admin(String connect, boolean superuser) throws Exception {
        ZooKeeperAdmin admin = new ZooKeeperAdmin(connect, 30_000, event -> { });
        if (superuser) {
            admin.addAuthInfo("digest", SUPER.getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(TIMEOUT).until(() -> admin.getState() == ZooKeeper.States.CONNECTED);
        return admin;
    }

    private static String line(NodeConfig.Member m, String role) {
        return "server." + m.id() + "=" + m.host() + ":" + m.peerPort() + ":" + (m.peerPort() + 1) + ":" + role + ";"
                + m.host() + ":" + m.clientPort();
    }

    @Test
    void shouldReconfigureAsAZooKeeperEnsembleDoes() throws Exception {
        List<NodeConfig.Member> loopback = LoopbackMembers.of(4);
        List<NodeConfig.Member> seed = loopback.subList(0, 3);
        NodeConfig.Member fourth = loopback.get(3);
        for (NodeConfig.Member m : seed) {
            nodes.add(start(m, seed, true));
        }
        List<NodeConfig.Member> joining = new ArrayList<>(seed);
        joining.add(new NodeConfig.Member(fourth.id(), fourth.host(), fourth.peerPort(), fourth.clientPort(), true));
        nodes.add(start(joining.get(3), joining, true));

        try (ZooKeeperAdmin anyone = admin(nodes.get(0).connectString(), false);
             ZooKeeperAdmin superuser = admin(nodes.get(1).connectString(), true)) {
            assertThatThrownBy(() -> anyone.reconfigure(line(fourth, "observer"), null, null, -1, new Stat()))
                    .isInstanceOf(KeeperException.NoAuthException.class);

            CountDownLatch changed = new CountDownLatch(1);
            Stat before = new Stat();
            anyone.getConfig((Watcher) (WatchedEvent event) -> {
                if (event.getType() == Watcher.Event.EventType.NodeDataChanged) {
                    changed.countDown();
                }
            }, before);
            Stat stat = new Stat();
            // a primary that has not heard its backups in its view yet answers NewConfigNoQuorum: asked again
            List<String> answers = new ArrayList<>();
            await().atMost(TIMEOUT).ignoreException(KeeperException.NewConfigNoQuorum.class).until(() -> answers.add(
                    new String(superuser.reconfigure(line(fourth, "observer"), null, null, -1, stat),
                            StandardCharsets.UTF_8)));
            String config = answers.get(0);
            assertThat(config).contains(line(fourth, "observer")).contains("server.3=").contains("version=");
            long version = Long.parseLong(config.substring(config.indexOf("version=") + 8).trim(), 16);
            assertThat(stat.getMzxid()).as("the config's version is its zxid").isEqualTo(version);
            assertThat(changed.await(30, TimeUnit.SECONDS)).as("a watch on /zookeeper/config fires").isTrue();

            assertThatThrownBy(() -> superuser.reconfigure(line(fourth, "participant"), "3", null, 0, new Stat()))
                    .as("a stale curConfigId").isInstanceOf(KeeperException.BadVersionException.class);
            NodeConfig.Member stranger = new NodeConfig.Member(9, "127.0.0.9", 3888, 2189);
            assertThatThrownBy(() -> superuser.reconfigure(line(stranger, "participant"), "3", null, -1,
                    new Stat())).isInstanceOf(KeeperException.NewConfigNoQuorum.class);

            // NewConfigNoQuorum until server 4 caught up as an observer: asked again until then
            await().atMost(TIMEOUT).ignoreException(KeeperException.NewConfigNoQuorum.class).untilAsserted(() -> {
                String next = new String(superuser.reconfigure(line(fourth, "participant"), "3", null, version,
                        new Stat()), StandardCharsets.UTF_8);
                assertThat(next).contains(line(fourth, "participant")).doesNotContain("server.3=");
            });
            await().atMost(TIMEOUT).until(() -> nodes.get(2).stoppedBy() != null);
            assertThat(new String(anyone.getConfig(false, null), StandardCharsets.UTF_8))
                    .contains(line(fourth, "participant"));
        }
    }

    @Test
    void shouldAnswerReconfigDisabledWhenReconfigIsOff() throws Exception {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            nodes.add(start(m, members, false));
        }
        try (ZooKeeperAdmin superuser = admin(nodes.get(0).connectString(), true)) {
            assertThatThrownBy(() -> superuser.reconfigure(null, "3", null, -1, new Stat()))
                    .isInstanceOf(KeeperException.ReconfigDisabledException.class);
        }
    }
}
