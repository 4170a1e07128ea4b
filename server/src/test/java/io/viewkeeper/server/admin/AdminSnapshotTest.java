package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import io.viewkeeper.server.migrate.ZooKeeperDataDir;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot command as ZooKeeper 3.9's AdminServer has it: its permission rule, parameters and output. */
class AdminSnapshotTest {
    private static final String TOKEN = "snapshot-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void shouldStreamAZooKeeperSnapshotToWhoeverHoldsEveryPermissionOnTheRoot() throws Exception {
        NodeConfig config = NodeConfig.forTesting(dir.resolve("node"));
        try (ViewkeeperNode node = ViewkeeperNode.start(config.withAdmin(config.admin().withToken(TOKEN)));
             ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.create("/app", "hello".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            client.create("/app/lock", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            InetSocketAddress admin = node.adminAddress();

            assertThat(get(admin, "", null).statusCode()).as("no Authorization header").isEqualTo(401);
            assertThat(get(admin, "", "magic words").statusCode()).as("an unknown scheme").isEqualTo(401);
            assertThat(get(admin, "", "Bearer wrong-token-0123456789").statusCode()).isEqualTo(401);
            assertThat(get(admin, "?streaming=maybe", "digest bob:pw").statusCode()).isEqualTo(400);
            assertThat(get(admin, "?depth=1", "digest bob:pw").statusCode()).isEqualTo(400);

            HttpResponse<byte[]> open = get(admin, "", "digest bob:pw");
            assertThat(open.statusCode()).as("an open root lets any identity through").isEqualTo(200);
            assertThat(open.headers().firstValue("content-type")).hasValue("application/octet-stream");
            String zxid = open.headers().firstValue("last_zxid").orElseThrow();
            assertThat(open.headers().firstValueAsLong("snapshot_size")).hasValue(open.body().length);
            Path snapDir = Files.createDirectories(dir.resolve("zk/version-2"));
            Files.write(snapDir.resolve("snapshot." + zxid.substring(2)), open.body());
            ZooKeeperDataDir.Loaded loaded = ZooKeeperDataDir.read(dir.resolve("zk"), dir.resolve("zk"));
            assertThat(loaded.tree().getNode("/app").getData()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
            assertThat(loaded.tree().getNode("/app/lock").stat.getEphemeralOwner()).isEqualTo(client.getSessionId());
            assertThat(loaded.sessions()).containsKey(client.getSessionId());

            HttpResponse<byte[]> headersOnly = get(admin, "?streaming=false", "digest bob:pw");
            assertThat(headersOnly.statusCode()).isEqualTo(200);
            assertThat(new String(headersOnly.body(), StandardCharsets.UTF_8)).contains("\"command\":\"snapshot\"");
            assertThat(headersOnly.headers().firstValue("last_zxid")).isPresent();

            client.addAuthInfo("digest", "alice:pw".getBytes(StandardCharsets.UTF_8));
            client.setACL("/", java.util.Arrays.asList(new ACL(ZooDefs.Perms.ALL, new Id("digest",
                    DigestAuthenticationProvider.generateDigest("alice:pw")))), -1);
            assertThat(get(admin, "", "digest bob:pw").statusCode()).as("the root ACL refuses bob").isEqualTo(403);
            assertThat(get(admin, "", "ip").statusCode()).isEqualTo(403);
            assertThat(get(admin, "", "digest alice:pw").statusCode()).isEqualTo(200);
            assertThat(get(admin, "", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
            assertThat(get(admin, "", "Bearer " + TOKEN).body()).as("the alias").isNotEmpty();
        }
    }

    private static HttpResponse<byte[]> get(InetSocketAddress admin, String query, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + admin.getHostString() + ":"
                + admin.getPort() + "/commands/snap" + query)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
