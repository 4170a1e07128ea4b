package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three voters and an observer (server.4=...:observer), each a node in this JVM on its own loopback address: the
 * observer says so (srvr, the admin endpoint), serves ZooKeeper clients (writes go to the primary, reads see every
 * acknowledged write), and catches up after a restart.
 */
class LearnerOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private List<NodeConfig.Member> members;

    @AfterEach
    void stop() {
        nodes.forEach(node -> {
            if (node != null) {
                node.close();
            }
        });
    }

    private ViewkeeperNode start(NodeConfig.Member m) throws IOException {
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
        return ViewkeeperNode.start(base.withMembers(members, m.id()).withAdmin(base.admin().withAddress(m.host())));
    }

    private JsonNode replica(int id) throws IOException {
        return new AdminHttp(nodes.get(id - 1).adminAddress()).get("/commands/replica").body();
    }

    private ZooKeeper connect(int id) throws IOException {
        ZooKeeper client = new ZooKeeper(nodes.get(id - 1).connectString(), 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        return client;
    }

    @Test
    void shouldServeClientsAtAnObserverThatVotesInNothing() throws Exception {
        List<NodeConfig.Member> loopback = LoopbackMembers.of(4);
        NodeConfig.Member fourth = loopback.get(3);
        members = List.of(loopback.get(0), loopback.get(1), loopback.get(2),
                new NodeConfig.Member(fourth.id(), fourth.host(), fourth.peerPort(), fourth.clientPort(), true));
        for (NodeConfig.Member m : members) {
            nodes.add(start(m));
        }
        await().atMost(TIMEOUT).until(() -> replica(4).path("status").asText().equals("normal")
                && replica(1).path("status").asText().equals("normal"));
        assertThat(replica(4).path("role").asText()).isEqualTo("learner");
        assertThat(fourLetterWord(nodes.get(3).connectString(), "srvr")).contains("Mode: observer");

        try (ZooKeeper atObserver = connect(4); ZooKeeper atVoter = connect(1)) {
            org.apache.zookeeper.data.Stat configStat = new org.apache.zookeeper.data.Stat();
            String config = new String(atObserver.getConfig(false, configStat), StandardCharsets.UTF_8);
            StringBuilder expected = new StringBuilder();
            for (NodeConfig.Member m : members) {
                expected.append("server.").append(m.id()).append('=').append(m.host()).append(':')
                        .append(m.peerPort()).append(':').append(m.peerPort() + 1)
                        .append(m.learner() ? ":observer;" : ":participant;").append("0.0.0.0:")
                        .append(m.clientPort()).append('\n');
            }
            assertThat(config).as("zkCli's config, as a ZooKeeper ensemble shows it")
                    .isEqualTo(expected + "version=0");
            assertThat(configStat.getVersion()).isEqualTo(-1);
            assertThat(configStat.getDataLength()).isEqualTo(config.length());
            atObserver.create("/from-observer", new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(atVoter.getData("/from-observer", false, null)).containsExactly(1);
            for (int i = 0; i < 20; i++) {
                atVoter.setData("/from-observer", new byte[] {(byte) i}, -1);
                assertThat(atObserver.getData("/from-observer", false, null)).as("a read after an acknowledged write")
                        .containsExactly((byte) i);
            }
        }
        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode primary = replica(replica(4).path("primary_id").asInt());
            for (JsonNode m : primary.path("members")) {
                assertThat(m.path("learner").asBoolean()).isEqualTo(m.path("id").asInt() == 4);
            }
        });
        // mntr at the primary as at ZooKeeper's leader: the voters, every other member, and those heard lately (an
        // idle observer too: it answers heartbeats with what it holds)
        int leader = replica(4).path("primary_id").asInt();
        String leaderMntr = fourLetterWord(nodes.get(leader - 1).connectString(), "mntr");
        assertThat(leaderMntr).contains("zk_quorum_size\t3\n", "zk_learners\t3\n", "zk_synced_followers\t2\n",
                "zk_synced_observers\t1\n", "zk_synced_non_voting_followers\t0\n", "zk_open_file_descriptor_count\t");
        assertThat(fourLetterWord(nodes.get(3).connectString(), "mntr")).contains("zk_quorum_size\t3\n")
                .doesNotContain("zk_learners").doesNotContain("zk_synced_observers");

        nodes.get(3).close();
        try (ZooKeeper atVoter = connect(2)) {
            for (int i = 0; i < 5; i++) {
                atVoter.create("/while-observer-down-" + i, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            }
        }
        await().atMost(TIMEOUT).until(() -> fourLetterWord(nodes.get(leader - 1).connectString(), "mntr")
                .contains("zk_synced_observers\t0\n"));
        nodes.set(3, start(members.get(3)));
        await().atMost(TIMEOUT).until(() -> fourLetterWord(nodes.get(leader - 1).connectString(), "mntr")
                .contains("zk_synced_observers\t1\n"));
        try (ZooKeeper atObserver = connect(4)) {
            assertThat(atObserver.getChildren("/", false)).contains("while-observer-down-4", "from-observer");
        }

        // The primary goes: the two other voters elect one, and the observer follows it into the new view instead
        // of starting a view change of its own (a learner that did would stop on a broken invariant).
        int primary = replica(4).path("primary_id").asInt();
        nodes.get(primary - 1).close();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode observer = replica(4);
            assertThat(observer.path("status").asText()).isEqualTo("normal");
            assertThat(observer.path("view").asLong()).isPositive();
            assertThat(observer.path("primary_id").asInt()).isNotEqualTo(primary);
        });
        for (int id = 1; id <= 4; id++) {
            if (id != primary) {
                assertThat(nodes.get(id - 1).stoppedBy()).as("replica %d stopped", id).isNull();
            }
        }
        try (ZooKeeper atObserver = connect(4)) {
            atObserver.create("/after-failover", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    /**
     * Adding an observer to a running group, as ZooKeeper operators do without reconfig: every voter restarts in
     * turn with the new server.N lines (its data directory stays its own: a group's identity is its voters), then
     * the observer starts empty and catches up.
     */
    @Test
    void shouldAddAnObserverByARollingRestartWithoutLosingAWrite() throws Exception {
        List<NodeConfig.Member> loopback = LoopbackMembers.of(4);
        List<NodeConfig.Member> voters = loopback.subList(0, 3);
        NodeConfig.Member fourth = loopback.get(3);
        List<NodeConfig.Member> withObserver = List.of(voters.get(0), voters.get(1), voters.get(2),
                new NodeConfig.Member(fourth.id(), fourth.host(), fourth.peerPort(), fourth.clientPort(), true));
        members = voters;
        for (NodeConfig.Member m : voters) {
            nodes.add(start(m));
        }
        try (ZooKeeper client = connect(1)) {
            for (int i = 0; i < 10; i++) {
                client.create("/before-" + i, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        }
        members = withObserver;
        for (int id = 1; id <= 3; id++) {
            nodes.get(id - 1).close();
            nodes.set(id - 1, start(withObserver.get(id - 1)));
            int restarted = id;
            await().atMost(TIMEOUT).until(() -> replica(restarted).path("status").asText().equals("normal"));
            try (ZooKeeper client = connect(restarted)) {
                client.create("/during-" + id, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        }
        nodes.add(start(withObserver.get(3)));
        await().atMost(TIMEOUT).until(() -> replica(4).path("status").asText().equals("normal"));
        try (ZooKeeper atObserver = connect(4)) {
            assertThat(atObserver.getChildren("/", false)).contains("before-0", "before-9", "during-1", "during-2",
                    "during-3");
        }
        assertThat(fourLetterWord(nodes.get(3).connectString(), "srvr")).contains("Mode: observer");
        for (ViewkeeperNode node : nodes) {
            assertThat(node.stoppedBy()).isNull();
        }
    }

    private static String fourLetterWord(String connectString, String word) throws IOException {
        String[] hostPort = connectString.split(",")[0].split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
