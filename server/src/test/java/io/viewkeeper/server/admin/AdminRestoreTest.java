package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore command as ZooKeeper 3.9's AdminServer has it, through the log, on a node with an admin token. */
class AdminRestoreTest {
    private static final String TOKEN = "restore-token-0123456789";
    private static final String BEARER = "Bearer " + TOKEN;

    @TempDir
    Path dir;

    @Test
    void shouldReplaceTheStateWithAnEarlierSnapshotAndLetItsSessionsResume() throws Exception {
        NodeConfig config = NodeConfig.forTesting(dir.resolve("node"));
        try (ViewkeeperNode node = ViewkeeperNode.start(config.withAdmin(config.admin().withToken(TOKEN)));
             ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.create("/kept", "one".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            client.create("/owned", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            client.create("/big", new byte[200_000], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            InetSocketAddress admin = node.adminAddress();
            HttpResponse<byte[]> snapshot = send(admin, "GET", "/commands/snapshot", BEARER, null);
            assertThat(snapshot.statusCode()).isEqualTo(200);
            assertThat(snapshot.body().length).as("over the 64 KiB an ordinary admin request may send")
                    .isGreaterThan(65_536);
            long sessionId = client.getSessionId();

            client.setData("/kept", "two".getBytes(StandardCharsets.UTF_8), -1);
            client.create("/later", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

            assertThat(send(admin, "POST", "/commands/restore", null, new byte[] {1}).statusCode())
                    .as("no Authorization").isEqualTo(401);
            String anonymous = new AdminHttp(admin).raw(("POST /commands/restore HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Length: 200000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(anonymous).as("a large body without Authorization is not even buffered")
                    .startsWith("HTTP/1.1 413");
            assertThat(send(admin, "GET", "/commands/restore", BEARER, null).statusCode()).isEqualTo(405);
            assertThat(send(admin, "POST", "/commands/restore", BEARER, new byte[] {1, 2, 3}).statusCode())
                    .as("not a snapshot").isEqualTo(400);
            assertThat(client.exists("/later", false)).as("a refused restore changes nothing").isNotNull();

            HttpResponse<byte[]> restored = send(admin, "POST", "/commands/rest", BEARER, snapshot.body());
            String answer = new String(restored.body(), StandardCharsets.UTF_8);
            assertThat(restored.statusCode()).as(answer).isEqualTo(200);
            assertThat(answer).contains("\"command\":\"restore\"").contains("\"last_zxid\":")
                    .contains("\"error\":null");

            // the restore closed the connection: the client reconnects with its session
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                assertThat(client.getState()).isEqualTo(ZooKeeper.States.CONNECTED);
                assertThat(new String(client.getData("/kept", false, null), StandardCharsets.UTF_8)).isEqualTo("one");
            });
            assertThat(client.getSessionId()).as("the session in the snapshot resumed").isEqualTo(sessionId);
            assertThat(client.exists("/later", false)).isNull();
            assertThat(client.exists("/owned", false).getEphemeralOwner()).isEqualTo(sessionId);
            client.create("/after", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        try (ViewkeeperNode again = ViewkeeperNode.start(config.withAdmin(config.admin().withToken(TOKEN)));
             ZooKeeper client = new ZooKeeper(again.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            assertThat(new String(client.getData("/kept", false, null), StandardCharsets.UTF_8))
                    .as("the restore is replayed from the log after a restart").isEqualTo("one");
            assertThat(client.exists("/later", false)).isNull();
            assertThat(client.exists("/after", false)).isNotNull();
        }
    }

    @Test
    void shouldRefuseARestoreOnANodeWithoutAnAdminToken() throws Exception {
        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dir.resolve("plain")))) {
            HttpResponse<byte[]> refused = send(node.adminAddress(), "POST", "/commands/restore", "digest bob:pw",
                    new byte[] {1});
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("admin.token");
        }
    }

    static HttpResponse<byte[]> send(InetSocketAddress admin, String method, String path,
            String authorization, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + admin.getHostString() + ":"
                + admin.getPort() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
