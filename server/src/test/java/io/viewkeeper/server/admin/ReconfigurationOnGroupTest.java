package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group whose members change online through the admin endpoint, each replica a node in this JVM on its own
 * loopback address: a new server joins as an observer (a learner), replaces a voter once it caught up, and the
 * replaced voter stops; a ZooKeeper client writes all along and no acknowledged write is lost; the new members are
 * what {@code /zookeeper/config} says, and what a restarted replica starts with.
 */
class ReconfigurationOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TOKEN = "reconfiguration-test-token";

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private List<NodeConfig.Member> seed;

    @AfterEach
    void stop() {
        nodes.forEach(node -> {
            if (node != null) {
                node.close();
            }
        });
    }

    /** A node with {@code lines} as its server.N lines (the seed group's, and its own when it joins). */
    private ViewkeeperNode start(NodeConfig.Member m, List<NodeConfig.Member> lines) throws IOException {
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
        return ViewkeeperNode.start(base.withMembers(lines, m.id())
                .withAdmin(base.admin().withAddress(m.host()).withToken(TOKEN)));
    }

    private JsonNode replica(int id) throws IOException {
        return new AdminHttp(nodes.get(id - 1).adminAddress()).get("/commands/replica").body();
    }

    private AdminHttp.Reply reconfig(int at, String query) {
        return new AdminHttp(nodes.get(at - 1).adminAddress()).post("/commands/reconfig?" + query, TOKEN);
    }

    /** The reconfig asked again while the group refuses it (409: a voter not caught up, at first). */
    private AdminHttp.Reply awaitAccepted(int at, String query) {
        List<AdminHttp.Reply> replies = new ArrayList<>();
        await().atMost(TIMEOUT).until(() -> {
            AdminHttp.Reply reply = reconfig(at, query);
            replies.add(reply);
            return reply.status() != 409;
        });
        AdminHttp.Reply last = replies.get(replies.size() - 1);
        assertThat(last.status()).as(last.body().toString()).isEqualTo(200);
        return last;
    }

    private static String line(NodeConfig.Member m, String role) {
        return URLEncoder.encode("server." + m.id() + "=" + m.host() + ":" + m.peerPort() + ":" + (m.peerPort() + 1)
                + ":" + role + ";" + m.clientPort(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldReplaceAVoterByANewServerWhileClientsWrite() throws Exception {
        List<NodeConfig.Member> loopback = LoopbackMembers.of(4);
        seed = loopback.subList(0, 3);
        NodeConfig.Member fourth = loopback.get(3);
        for (NodeConfig.Member m : seed) {
            nodes.add(start(m, seed));
        }
        // the new server's own file names the seed voters and itself as an observer
        List<NodeConfig.Member> joining = new ArrayList<>(seed);
        joining.add(new NodeConfig.Member(fourth.id(), fourth.host(), fourth.peerPort(), fourth.clientPort(), true));
        nodes.add(start(joining.get(3), joining));
        await().atMost(TIMEOUT).until(() -> replica(1).path("status").asText().equals("normal")
                && replica(2).path("status").asText().equals("normal"));

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> write(nodes.get(0).connectString(), acknowledged, writing));
        writer.start();
        await().atMost(TIMEOUT).until(() -> acknowledged.size() > 20);

        int primary = replica(1).path("primary_id").asInt();
        AdminHttp.Reply added = awaitAccepted(primary, "add=" + line(fourth, "observer"));
        assertThat(added.body().path("epoch").asLong()).isEqualTo(1);
        await().atMost(TIMEOUT).until(() -> replica(4).path("epoch").asLong() == 1
                && replica(4).path("status").asText().equals("normal")
                && replica(4).path("commit").asLong() >= replica(1).path("commit").asLong() - 50);
        assertThat(replica(4).path("role").asText()).isEqualTo("learner");

        // one reconfiguration makes the caught-up learner a voter and removes voter 3
        AdminHttp.Reply replaced = awaitAccepted(1, "add=" + line(fourth, "participant") + "&remove=3");
        assertThat(replaced.body().path("epoch").asLong()).isEqualTo(2);
        await().atMost(TIMEOUT).until(() -> nodes.get(2).stoppedBy() != null);
        int before = acknowledged.size();
        await().atMost(TIMEOUT).until(() -> acknowledged.size() > before + 20);
        writing.set(false);
        writer.join();

        JsonNode atFour = replica(4);
        assertThat(atFour.path("epoch").asLong()).isEqualTo(2);
        assertThat(atFour.path("role").asText()).isIn("primary", "backup");
        try (ZooKeeper client = new ZooKeeper(nodes.get(3).connectString(), 30_000, event -> { })) {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.sync("/", (rc, path, ctx) -> { }, null);
            List<String> children = client.getChildren("/w", false);
            assertThat(children).as("every acknowledged write").containsAll(acknowledged);
            String config = new String(client.getConfig(false, null), StandardCharsets.UTF_8);
            assertThat(config).contains("server.4=" + fourth.host() + ":" + fourth.peerPort())
                    .contains(":participant;").doesNotContain("server.3=").contains("version=");
        }

        // a restarted member starts with the members of epoch 2, not with its file's server lines
        nodes.get(0).close();
        nodes.set(0, start(seed.get(0), seed));
        await().atMost(TIMEOUT).until(() -> replica(1).path("status").asText().equals("normal")
                && replica(1).path("epoch").asLong() == 2);
        assertThat(replica(1).path("members")).extracting(m -> m.path("id").asInt()).containsExactly(1, 2, 4);
    }

    private static void write(String connect, Set<String> acknowledged, AtomicBoolean writing) {
        try (ZooKeeper client = new ZooKeeper(connect, 30_000, event -> { })) {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            try {
                client.create("/w", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // made by an earlier attempt
            }
            for (int i = 0; writing.get(); i++) {
                try {
                    client.create("/w/n" + i, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    acknowledged.add("n" + i);
                } catch (KeeperException.ConnectionLossException | KeeperException.NodeExistsException e) {
                    // not acknowledged (or acknowledged on an earlier try): the next name is written
                }
            }
        } catch (InterruptedException | KeeperException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
