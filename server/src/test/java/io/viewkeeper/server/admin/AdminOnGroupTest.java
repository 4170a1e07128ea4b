package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint of a three-replica group: the primary's view of each peer (acknowledged op, lag, contact),
 * the log tail, a peer that is down, and a member id that does not exist.
 */
class AdminOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(ViewkeeperNode::close);
    }

    private void startGroup() throws IOException {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            nodes.add(ViewkeeperNode.start(base.withMembers(members, m.id())
                    .withAdmin(base.admin().withAddress(m.host()))));
        }
        await().atMost(TIMEOUT).until(() -> admin(1).get("/commands/replica").body().path("role").asText()
                .equals("primary"));
        // every replica normal (a pristine one may still be recovering from the other two): the tests stop one
        for (int id = 2; id <= 3; id++) {
            int replica = id;
            await().atMost(TIMEOUT).until(() -> admin(replica).get("/commands/replica").body().path("status")
                    .asText().equals("normal"));
        }
    }


    private AdminHttp admin(int id) {
        return new AdminHttp(nodes.get(id - 1).adminAddress());
    }

    private void writeThroughReplica(int id, int count) throws IOException, KeeperException, InterruptedException {
        ZooKeeper client = new ZooKeeper(nodes.get(id - 1).connectString(), 30_000, event -> { });
        try {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            for (int i = 0; i < count; i++) {
                client.create("/g" + i, new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        } finally {
            client.close();
        }
    }

    private static JsonNode member(JsonNode replica, int id) {
        for (JsonNode m : replica.path("members")) {
            if (m.path("id").asInt() == id) {
                return m;
            }
        }
        throw new AssertionError("no member " + id + " in " + replica);
    }

    @Test
    void shouldShowAcknowledgedOpAndLagOfEachPeerAtThePrimaryOnly() throws Exception {
        startGroup();
        writeThroughReplica(2, 5);

        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode primary = admin(1).get("/commands/replica").body();
            for (int id = 2; id <= 3; id++) {
                assertThat(member(primary, id).path("acked_op").asLong()).isEqualTo(primary.path("op").asLong());
                assertThat(member(primary, id).path("lag_ops").asLong()).isZero();
                assertThat(member(primary, id).path("connected").asBoolean()).isTrue();
                assertThat(member(primary, id).path("last_contact_ms_ago").isNumber()).isTrue();
            }
        });
        JsonNode backup = admin(2).get("/commands/replica").body();
        assertThat(backup.path("role").asText()).isEqualTo("backup");
        assertThat(backup.path("primary_id").asInt()).isEqualTo(1);
        assertThat(backup.path("epoch").isNumber()).as("the group's epoch, 0 until it changes members").isTrue();
        assertThat(backup.path("epoch").asLong()).isZero();
        assertThat(member(backup, 3).path("acked_op").isNull()).isTrue();
        assertThat(member(backup, 1).path("primary").asBoolean()).isTrue();

        JsonNode log = admin(1).get("/commands/log?tail=3").body();
        assertThat(log.path("entries")).hasSize(3);
        assertThat(log.path("entries").get(2).path("type").asText()).isEqualTo("closeSession");
        assertThat(log.path("entries").get(1).path("path").asText()).isEqualTo("/g4");
        assertThat(log.path("entries").get(1).path("committed").asBoolean()).isTrue();
    }

    @Test
    void shouldReportPeerThatIsDownAndKeepAnsweringWhenAReplicaStops() throws Exception {
        startGroup();
        nodes.get(2).close();

        await().atMost(TIMEOUT).untilAsserted(() -> {
            AdminHttp.Reply one = admin(1).get("/commands/replica?peer=3");
            assertThat(one.status()).isEqualTo(200);
            assertThat(one.body().path("members")).hasSize(1);
            assertThat(member(one.body(), 3).path("connected").asBoolean()).isFalse();
        });
        AdminEndpointTest.assertBad(admin(1).get("/commands/replica?peer=7"), 404,
                "replica 7 is not a member of this group (members: [1, 2, 3])");
        assertThat(admin(2).get("/commands/ruok").status()).isEqualTo(200);
        writeThroughReplica(2, 1);
        assertThat(MetricsScrapeTest.parse(admin(1).text("/metrics")).stream()
                .filter(f -> f.getName().equals("viewkeeper_peer_lag_ops"))
                .flatMap(f -> f.getMetrics().stream()).map(m -> m.getLabels().get("peer")).toList())
                .containsExactlyInAnyOrder("1", "2", "3");
    }
}
