package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands the web console reads, on a three-replica group whose members share one admin port: {@code group}
 * gathers every member (and names the one that stopped), {@code member} counts the requests of the last seconds,
 * {@code znode} shows Stat, ACL and children and withholds data its ACL keeps from world:anyone unless the token is
 * given, {@code sessions} lists ephemerals, and the page itself is served with a policy that forbids outside assets.
 */
class ConsoleOnGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TOKEN = "console-test-token-0123456789";

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private ZooKeeper client;

    @BeforeEach
    void startGroup() throws Exception {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        int adminPort = LoopbackMembers.portFreeOnEveryMember(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            nodes.add(ViewkeeperNode.start(base.withMembers(members, m.id())
                    .withAdmin(base.admin().withAddress(m.host()).withPort(adminPort).withToken(TOKEN))));
        }
        await().atMost(TIMEOUT).until(() -> {
            JsonNode group = admin(1).get("/commands/group").body();
            int normal = 0;
            for (JsonNode m : group.path("members")) {
                normal += m.path("status").asText().equals("normal") ? 1 : 0;
            }
            return normal == 3;
        });
        client = new ZooKeeper(nodes.get(1).connectString(), 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        nodes.forEach(ViewkeeperNode::close);
    }

    private AdminHttp admin(int id) {
        return new AdminHttp(nodes.get(id - 1).adminAddress());
    }

    private static JsonNode member(JsonNode group, int id) {
        for (JsonNode m : group.path("members")) {
            if (m.path("id").asInt() == id) {
                return m;
            }
        }
        throw new AssertionError("no member " + id + " in " + group);
    }

    @Test
    void shouldGatherEveryMemberAndNameTheOneThatStopped() {
        JsonNode group = admin(2).get("/commands/group?seconds=10").body();
        assertThat(group.path("answered_by").asInt()).isEqualTo(2);
        assertThat(group.path("members")).hasSize(3);
        int primaries = 0;
        for (int id = 1; id <= 3; id++) {
            JsonNode m = member(group, id);
            assertThat(m.path("reachable").asBoolean()).isTrue();
            assertThat(m.path("host").asText()).isEqualTo("127.0.0." + id);
            assertThat(m.path("znodes").asInt()).isGreaterThanOrEqualTo(4);
            assertThat(m.path("seconds").size()).isLessThanOrEqualTo(10);
            primaries += m.path("role").asText().equals("primary") ? 1 : 0;
        }
        assertThat(primaries).isEqualTo(1);

        nodes.get(2).close();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            JsonNode after = admin(1).get("/commands/group").body();
            assertThat(member(after, 3).path("reachable").asBoolean()).isFalse();
            assertThat(member(after, 3).path("reason").asText()).contains("127.0.0.3");
            assertThat(member(after, 2).path("reachable").asBoolean()).isTrue();
        });
    }

    @Test
    void shouldCountRequestsPerSecondAndRecordViewChanges() throws Exception {
        for (int i = 0; i < 50; i++) {
            client.create("/counted-" + i, new byte[1], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        await().atMost(TIMEOUT).untilAsserted(() -> {
            long answered = 0;
            for (JsonNode second : admin(2).get("/commands/member").body().path("seconds")) {
                answered += second.get(1).asLong();
                assertThat(second.get(2).asDouble()).isGreaterThanOrEqualTo(0);
            }
            assertThat(answered).isGreaterThanOrEqualTo(50);
        });
        JsonNode events = admin(1).get("/commands/member").body().path("events");
        assertThat(events.toString()).contains("normal in view 0");

        assertThat(admin(1).post("/commands/view-change", TOKEN).status()).isEqualTo(200);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(admin(2).get("/commands/member").body()
                .path("events").toString()).contains("normal in view 1"));
    }

    @Test
    void shouldShowZnodesAndWithholdDataTheAclKeepsFromWorld() throws Exception {
        client.create("/shown", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
        client.create("/shown/child", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        String digest = DigestAuthenticationProvider.generateDigest("alice:secret");
        client.addAuthInfo("digest", "alice:secret".getBytes(StandardCharsets.UTF_8));
        client.create("/secret", "hidden".getBytes(StandardCharsets.UTF_8),
                new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)))), CreateMode.PERSISTENT);

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(admin(3).get("/commands/znode?path=/secret")
                .status()).isEqualTo(200));
        JsonNode shown = admin(3).get("/commands/znode?path=/shown").body();
        assertThat(new String(Base64.getDecoder().decode(shown.path("data_base64").asText()), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":1}");
        assertThat(shown.path("children").toString()).isEqualTo("[\"child\"]");
        assertThat(shown.path("stat").path("numChildren").asInt()).isEqualTo(1);
        assertThat(shown.path("acl").get(0).path("perms").asText()).isEqualTo("cdrwa");
        JsonNode child = admin(3).get("/commands/znode?path=/shown/child").body();
        assertThat(child.path("kind").asText()).isEqualTo("ephemeral");
        assertThat(child.path("data_base64").isNull()).isTrue();

        // without the token the viewer is world:anyone: no READ, so no Stat, children or data, and no ACL either
        JsonNode withheld = admin(3).get("/commands/znode?path=/secret").body();
        assertThat(withheld.has("data_base64")).isFalse();
        assertThat(withheld.has("stat")).isFalse();
        assertThat(withheld.has("children")).isFalse();
        assertThat(withheld.path("acl").isNull()).isTrue();
        assertThat(withheld.path("withheld").asText()).contains("world:anyone");
        assertThat(withheld.toString()).doesNotContain(digest.substring(digest.indexOf(':') + 1));
        JsonNode wrongToken = admin(3).get("/commands/znode?path=/secret", "not-the-token-at-all").body();
        assertThat(wrongToken.path("token_accepted").asBoolean()).isFalse();
        assertThat(wrongToken.has("data_base64")).isFalse();
        JsonNode withToken = admin(3).get("/commands/znode?path=/secret", TOKEN).body();
        assertThat(withToken.path("token_accepted").asBoolean()).isTrue();
        assertThat(withToken.path("acl").get(0).path("id").asText()).isEqualTo(digest);
        assertThat(withToken.path("stat").path("dataLength").asInt()).isEqualTo(6);
        assertThat(Base64.getDecoder().decode(withToken.path("data_base64").asText()))
                .isEqualTo("hidden".getBytes(StandardCharsets.UTF_8));

        assertThat(admin(3).get("/commands/znode?path=/missing").status()).isEqualTo(404);
        assertThat(admin(3).get("/commands/znode?path=no-slash").status()).isEqualTo(400);
        assertThat(admin(3).get("/commands/znode?path=/a/").status()).isEqualTo(400);

        JsonNode sessions = admin(1).get("/commands/sessions?ephemerals=true").body();
        String owner = "0x" + Long.toHexString(client.getSessionId());
        boolean found = false;
        for (JsonNode s : sessions.path("sessions")) {
            if (s.path("session_id").asText().equals(owner)) {
                assertThat(s.path("ephemeral_paths").toString()).isEqualTo("[\"/shown/child\"]");
                found = true;
            }
        }
        assertThat(found).as("session %s listed in %s", owner, sessions).isTrue();
    }

    /** ZooKeeper's getAcl rule: READ without ADMIN shows a digest identity as user:x, never its password hash. */
    @Test
    void shouldMaskDigestPasswordsWhereWorldMayReadButNotAdminister() throws Exception {
        String digest = DigestAuthenticationProvider.generateDigest("bob:secret");
        client.create("/readable", "open".getBytes(StandardCharsets.UTF_8), new ArrayList<>(List.of(
                new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")), new ACL(ZooDefs.Perms.ALL, new Id("digest",
                        digest)))), CreateMode.PERSISTENT);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(admin(2).get("/commands/znode?path=/readable")
                .status()).isEqualTo(200));
        JsonNode shown = admin(2).get("/commands/znode?path=/readable").body();
        assertThat(shown.path("acl").toString()).contains("\"id\":\"bob:x\"").doesNotContain(digest);
        assertThat(shown.path("stat").path("dataLength").asInt()).isEqualTo(4);
        assertThat(admin(2).get("/commands/znode?path=/readable", TOKEN).body().path("acl").toString())
                .contains(digest);
    }

    @Test
    void shouldServeTheConsoleWithItsOwnAssetsOnly() throws Exception {
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()) {
            serveTheConsole(http);
        }
    }

    private void serveTheConsole(HttpClient http) throws Exception {
        String base = "http://127.0.0.1:" + nodes.get(0).adminAddress().getPort();
        HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/console/");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/console/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'");
        assertThat(page.body()).contains("console.js").doesNotContain("http://").doesNotContain("https://");
        for (String asset : List.of("console.js", "console.css")) {
            HttpResponse<String> file = http.send(HttpRequest.newBuilder(URI.create(base + "/console/" + asset))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(file.statusCode()).isEqualTo(200);
            // the SVG namespace is a name, not an address anything is fetched from
            assertThat(file.body().replace("'http://www.w3.org/2000/svg'", "")).isNotEmpty()
                    .doesNotContain("http://").doesNotContain("https://");
        }
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/console/other.js"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
    }
}
