package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every admin command of one node, through HTTP on loopback, against a node a real ZooKeeper client has given a
 * session, znodes, an ephemeral and a watch; then each kind of bad input, after which the node still answers.
 */
class AdminEndpointTest {
    static final String TOKEN = "test-token-0123456789";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dataDir;

    private static ViewkeeperNode node;
    private static ZooKeeper client;
    private static AdminHttp admin;

    @BeforeAll
    static void startNodeWithClient() throws IOException, KeeperException, InterruptedException {
        NodeConfig config = NodeConfig.forTesting(dataDir);
        node = ViewkeeperNode.start(config.withAdmin(config.admin().withToken(TOKEN)));
        admin = new AdminHttp(node.adminAddress());
        client = new ZooKeeper(node.connectString(), 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        client.create("/app", "hello".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
        client.create("/app/lock", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        client.create("/watched", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        client.getData("/watched", true, null);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        client.close();
        node.close();
    }

    /** Whatever a test sent, the node still answers a plain command afterwards. */
    @AfterEach
    void nodeStillAnswers() {
        AdminHttp.Reply ruok = admin.get("/commands/ruok");
        assertThat(ruok.status()).isEqualTo(200);
        assertThat(ruok.error()).isNull();
    }

    private static AdminHttp.Reply ok(AdminHttp.Reply reply) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(200);
        assertThat(reply.error()).isNull();
        return reply;
    }

    @Test
    void shouldListEveryCommandWhenCommandsRootIsRequested() {
        JsonNode commands = ok(admin.get("/commands")).body().path("commands");

        List<String> names = new ArrayList<>();
        commands.forEach(c -> names.add(c.path("name").asText()));
        assertThat(names).contains("ruok", "server_stats", "monitor", "configuration", "connections", "dump",
                "watch_summary", "watches", "watches_by_path", "leader", "is_read_only", "environment", "dirs",
                "replica", "sessions", "log", "view-change", "checkpoint");
        commands.forEach(c -> {
            if (c.path("name").asText().equals("view-change")) {
                assertThat(c.path("mutating").asBoolean()).isTrue();
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"ruok", "srvr", "server_stats", "stat", "stats", "mntr", "monitor", "conf", "config",
        "configuration", "cons", "connections", "dump", "wchs", "watch_summary", "wchc", "watches", "wchp",
        "watches_by_path", "leader", "lead", "isro", "is_read_only", "voting_view", "hash", "envi", "env",
        "environment", "sysp", "system_properties", "dirs", "replica", "sessions", "log"})
    void shouldAnswerWithoutErrorWhenReadOnlyCommandIsAskedByAnyName(String name) {
        JsonNode body = ok(admin.get("/commands/" + name)).body();

        assertThat(body.path("command").asText()).isNotBlank();
        assertThat(body.has("error")).isTrue();
    }

    @Test
    void shouldReportServerFiguresWithZooKeeperFieldNamesWhenSrvrAndMonitorAreAsked() {
        JsonNode srvr = ok(admin.get("/commands/srvr")).body();
        assertThat(srvr.path("command").asText()).isEqualTo("server_stats");
        assertThat(srvr.path("server_stats").path("server_state").asText()).isEqualTo("standalone");
        assertThat(srvr.path("node_count").asInt()).isGreaterThanOrEqualTo(6);

        JsonNode mntr = ok(admin.get("/commands/mntr")).body();
        assertThat(mntr.path("server_state").asText()).isEqualTo("standalone");
        assertThat(mntr.path("ephemerals_count").asInt()).isEqualTo(1);
        assertThat(mntr.path("global_sessions").asInt()).isEqualTo(1);
        assertThat(mntr.path("watch_count").asInt()).isEqualTo(1);
        assertThat(mntr.path("vr_status").asText()).isEqualTo("normal");
        assertThat(mntr.path("vr_commit_number").asLong()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void shouldShowClientConnectionSessionAndEphemeralWhenClientIsConnected() {
        String session = "0x" + Long.toHexString(client.getSessionId());
        JsonNode cons = ok(admin.get("/commands/cons")).body().path("connections");
        assertThat(cons).hasSize(1);
        assertThat(cons.get(0).path("session_id").asText()).isEqualTo(session);

        JsonNode stat = ok(admin.get("/commands/stat")).body();
        assertThat(stat.path("connections")).hasSize(1);

        JsonNode dump = ok(admin.get("/commands/dump")).body();
        assertThat(dump.path("session_id_to_ephemeral_paths").path(Long.toString(client.getSessionId())).toString())
                .isEqualTo("[\"/app/lock\"]");

        JsonNode sessions = ok(admin.get("/commands/sessions")).body();
        assertThat(sessions.path("total").asInt()).isEqualTo(1);
        assertThat(sessions.path("sessions").get(0).path("session_id").asText()).isEqualTo(session);
        assertThat(sessions.path("sessions").get(0).path("connected_here").asBoolean()).isTrue();
        assertThat(sessions.path("sessions").get(0).path("ephemerals").asInt()).isEqualTo(1);

        JsonNode one = ok(admin.get("/commands/sessions?session_id=" + session)).body();
        assertThat(one.path("sessions")).hasSize(1);
    }

    @Test
    void shouldReportWatchesBySessionAndPathWhenClientWatchesANode() {
        long session = client.getSessionId();
        assertThat(ok(admin.get("/commands/wchs")).body().path("num_total_watches").asInt()).isEqualTo(1);
        assertThat(ok(admin.get("/commands/wchc")).body().path("session_id_to_watched_paths")
                .path(Long.toString(session)).toString()).isEqualTo("[\"/watched\"]");
        assertThat(ok(admin.get("/commands/wchp")).body().path("path_to_session_ids").path("/watched").toString())
                .isEqualTo("[" + session + "]");
    }

    @Test
    void shouldReportSettingsAndReplicaStateWhenConfAndReplicaAreAsked() {
        JsonNode conf = ok(admin.get("/commands/conf")).body();
        assertThat(conf.path("client_port").asInt()).isEqualTo(node.clientPort());
        assertThat(conf.path("server_id").asInt()).isEqualTo(1);

        JsonNode replica = ok(admin.get("/commands/replica")).body();
        assertThat(replica.path("role").asText()).isEqualTo("standalone");
        assertThat(replica.path("status").asText()).isEqualTo("normal");
        assertThat(replica.path("commit").asLong()).isEqualTo(replica.path("op").asLong()).isGreaterThan(2);
        assertThat(replica.path("primary_id").asInt()).isEqualTo(1);
        assertThat(ok(admin.get("/commands/leader")).body().path("is_leader").asBoolean()).isTrue();
        assertThat(ok(admin.get("/commands/isro")).body().path("read_only").asBoolean()).isFalse();
        assertThat(ok(admin.get("/commands/dirs")).body().path("datadir_size").asLong()).isNotNegative();
        assertThat(ok(admin.get("/commands/envi")).body().path("java.version").asText())
                .isEqualTo(System.getProperty("java.version"));
    }

    @Test
    void shouldTakeCheckpointAtCommitNumberOnceWhenTokenIsRight() throws KeeperException, InterruptedException {
        client.setData("/app", "again".getBytes(StandardCharsets.UTF_8), -1);
        long commit = ok(admin.get("/commands/replica")).body().path("commit").asLong();

        JsonNode taken = ok(admin.post("/commands/checkpoint", TOKEN)).body();
        assertThat(taken.path("checkpoint_op").asLong()).isEqualTo(commit);
        AdminHttp.Reply again = admin.post("/commands/checkpoint", TOKEN);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).contains("already at the commit number");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ok(admin.get("/commands/replica"))
                .body().path("checkpoint_op").asLong()).as("durable, saved off the replica thread").isEqualTo(commit));
    }

    @Test
    void shouldRefuseViewChangeWithReasonWhenNodeIsAlone() {
        AdminHttp.Reply reply = admin.post("/commands/view-change", TOKEN);

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.body().path("command").asText()).isEqualTo("view-change");
        assertThat(reply.error()).contains("single node");
    }

    @Test
    void shouldResetStatisticsWhenResetCommandsArePostedWithToken() {
        ok(admin.post("/commands/crst", TOKEN));
        ok(admin.post("/commands/stat_reset", TOKEN));

        assertThat(ok(admin.get("/commands/srvr")).body().path("server_stats").path("packets_received").asLong())
                .isZero();
    }

    @Test
    void shouldSayUnknownCommandWhenNameIsNotACommand() {
        AdminHttp.Reply reply = admin.get("/commands/metrics%201");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.error()).startsWith("Unknown command: metrics 1");
    }

    @Test
    void shouldSayNoSuchPathWhenPathIsOutsideTheEndpoint() {
        AdminHttp.Reply reply = admin.get("/admin/../etc/passwd");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.error()).contains("no such path");
    }

    @Test
    void shouldNameTheParameterWhenParametersAreBad() {
        assertBad(admin.get("/commands/log?tail=lots"), 400, "'tail' must be a number");
        assertBad(admin.get("/commands/log?tail=0"), 400, "between 1 and 1000");
        assertBad(admin.get("/commands/log?tail=99999999999999999999"), 400, "'tail' must be a number");
        assertBad(admin.get("/commands/log?tail=1&tail=2"), 400, "given 2 times");
        assertBad(admin.get("/commands/log?colour=red"), 400, "unknown parameter 'colour'");
        assertBad(admin.get("/commands/ruok?x=1"), 400, "takes none");
        assertBad(admin.get("/commands/sessions?limit=-5"), 400, "'limit'");
        assertBad(admin.get("/commands/sessions?session_id=0xZZ"), 400, "session id");
        String raw = admin.raw("GET /commands/log?tail=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(raw).startsWith("HTTP/1.1 400");
        assertThat(AdminHttp.bodyOf(raw).path("error").asText()).startsWith("malformed request URI");
    }

    @Test
    void shouldSayNotFoundWhenIdsDoNotExist() {
        assertBad(admin.get("/commands/replica?peer=9"), 404, "replica 9 is not a member");
        assertBad(admin.get("/commands/replica?peer=0"), 400, "between 1 and 254");
        assertBad(admin.get("/commands/replica?peer=-1"), 400, "between 1 and 254");
        assertBad(admin.get("/commands/sessions?session_id=0xdead"), 404, "no session 0xdead");
    }

    @Test
    void shouldRefuseMutatingCommandWhenTokenIsMissingWrongOrMethodIsGet() {
        assertBad(admin.post("/commands/view-change", null), 401, "missing token");
        assertBad(admin.post("/commands/checkpoint", "wrong-token-0123456789"), 401, "wrong token");
        assertBad(admin.get("/commands/checkpoint"), 405, "use POST");
        assertBad(admin.method("DELETE", "/commands/ruok"), 405, "use GET");
        assertBad(admin.method("PUT", "/metrics"), 405, "use GET");
    }

    @Test
    void shouldAnswerJson413AndCloseWhenBodyIsHuge() {
        String declared = admin.raw(("POST /commands/ruok HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(declared).startsWith("HTTP/1.1 413");
        assertThat(AdminHttp.bodyOf(declared).path("error").asText()).contains("over 65536 bytes");

        StringBuilder chunked = new StringBuilder("POST /commands/ruok HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        String chunk = "x".repeat(4096);
        for (int i = 0; i < 20; i++) {
            chunked.append("1000\r\n").append(chunk).append("\r\n");
        }
        String streamed = admin.raw(chunked.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(streamed).startsWith("HTTP/1.1 413");
    }

    @Test
    void shouldAnswerJson400WhenRequestIsNotHttp() {
        String reply = admin.raw("\u0001\u0002 garbage that is not HTTP at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(reply).startsWith("HTTP/1.1 400");
        assertThat(AdminHttp.bodyOf(reply).path("error").asText()).startsWith("malformed HTTP request");
    }

    @Test
    void shouldAnswerJsonErrorWhenHeadersAreTooLarge() {
        String reply = admin.raw(("GET /commands/ruok HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

        assertThat(reply).startsWith("HTTP/1.1 400");
    }

    @Test
    void shouldRefuseMutatingCommandsWhenNodeHasNoToken(@TempDir Path otherDir) throws IOException {
        NodeConfig config = NodeConfig.forTesting(otherDir);
        try (ViewkeeperNode open = ViewkeeperNode.start(config)) {
            AdminHttp other = new AdminHttp(open.adminAddress());
            assertBad(other.post("/commands/checkpoint", TOKEN), 403, "no admin.token");
            ok(other.get("/commands/srvr"));
        }
    }

    @Test
    void shouldStartWithoutAdminEndpointWhenItIsDisabled(@TempDir Path otherDir) throws IOException {
        NodeConfig config = NodeConfig.forTesting(otherDir).withAdmin(AdminSettings.disabled());
        try (ViewkeeperNode quiet = ViewkeeperNode.start(config)) {
            assertThat(quiet.adminAddress()).isNull();
        }
    }

    static void assertBad(AdminHttp.Reply reply, int status, String reason) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.error()).contains(reason);
        assertThat(reply.body().has("command")).isTrue();
    }
}
