package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import io.viewkeeper.storage.Operation;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore larger than one op carries goes through the log in parts: every replica takes it, one that was down
 * meanwhile catches up to the same state, and the node that took the restore restarts into it.
 */
class LargeRestoreOnGroupTest {
    private static final String TOKEN = "large-restore-token-0123456789";
    private static final String BEARER = "Bearer " + TOKEN;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ZNODES = 24;
    private static final int VALUE_BYTES = 900_000;

    @TempDir
    Path dir;

    private final List<NodeConfig> configs = new ArrayList<>();
    private final ViewkeeperNode[] nodes = new ViewkeeperNode[3];

    @AfterEach
    void stop() {
        for (ViewkeeperNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }

    private void start(int id) throws IOException {
        nodes[id - 1] = ViewkeeperNode.start(configs.get(id - 1));
    }

    private AdminHttp admin(int id) {
        return new AdminHttp(nodes[id - 1].adminAddress());
    }

    private static byte[] value(int i) {
        byte[] value = new byte[VALUE_BYTES];
        new Random(i).nextBytes(value);
        return value;
    }

    @Test
    void shouldRestoreAStateOverOneOpInPartsOnEveryReplicaAndOneThatWasDown() throws Exception {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            configs.add(base.withMembers(members, m.id())
                    .withAdmin(base.admin().withAddress(m.host()).withToken(TOKEN)));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        byte[] snapshot;
        try (ZooKeeper client = new ZooKeeper(nodes[0].connectString(), 30_000, event -> { })) {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            for (int i = 0; i < ZNODES; i++) {
                client.create("/big" + i, value(i), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
            HttpResponse<byte[]> exported = AdminRestoreTest.send(nodes[0].adminAddress(), "GET",
                    "/commands/snapshot", BEARER, null);
            assertThat(exported.statusCode()).isEqualTo(200);
            snapshot = exported.body();
            assertThat(snapshot.length).as("more than one op carries")
                    .isGreaterThan(Operation.RestoreState.RESTORE_STATE_BYTES_MAX);
            for (int i = 0; i < ZNODES; i += 2) {
                client.delete("/big" + i, -1);
            }
            client.create("/later", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        nodes[2].close();
        nodes[2] = null;

        HttpResponse<byte[]> restored = AdminRestoreTest.send(nodes[1].adminAddress(), "POST",
                "/commands/restore", BEARER, snapshot);
        String answer = new String(restored.body(), StandardCharsets.UTF_8);
        assertThat(restored.statusCode()).as(answer).isEqualTo(200);
        JsonNode log = admin(1).get("/commands/log?tail=20").body();
        Set<String> types = new HashSet<>();
        log.path("entries").forEach(entry -> types.add(entry.path("type").asText()));
        assertThat(types).as(log.toString()).anyMatch(type -> type.startsWith("restorePart(3, last"));

        start(3);
        for (int id = 1; id <= 3; id++) {
            int replica = id;
            await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> assertRestored(replica));
        }
        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode hash = admin(1).get("/commands/hash").body().path("digests").get(0);
            assertThat(admin(2).get("/commands/hash").body().path("digests").get(0)).isEqualTo(hash);
            assertThat(admin(3).get("/commands/hash").body().path("digests").get(0)).isEqualTo(hash);
        });

        nodes[1].close();
        start(2);
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> assertRestored(2));
    }

    /** Every znode of the snapshot with its value, and nothing written after it. */
    private void assertRestored(int id) throws Exception {
        try (ZooKeeper client = new ZooKeeper(nodes[id - 1].connectString(), 30_000, event -> { })) {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.sync("/", (rc, path, context) -> { }, null);
            assertThat(client.exists("/later", false)).isNull();
            for (int i = 0; i < ZNODES; i++) {
                assertThat(client.getData("/big" + i, false, null)).as("/big" + i + " at replica " + id)
                        .isEqualTo(value(i));
            }
        }
    }
}
