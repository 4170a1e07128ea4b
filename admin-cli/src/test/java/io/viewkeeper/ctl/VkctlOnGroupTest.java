package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vkctl against a live group of three replicas that a ZooKeeper client (connected to replica 2) has given a session,
 * znodes and a watch: every read-only subcommand, checkpoint, and each kind of error with its exit code.
 */
class VkctlOnGroupTest {
    @TempDir
    static Path dir;

    private static LiveGroup group;
    private static ZooKeeper client;

    @BeforeAll
    static void startGroupWithClient() throws IOException, KeeperException, InterruptedException {
        group = LiveGroup.start(dir);
        String replica2 = group.connectString().split(",")[1];
        client = new ZooKeeper(replica2, 30_000, event -> { });
        await().atMost(LiveGroup.TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        client.create("/app", "v".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
        client.create("/app/member", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        client.create("/watched", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        client.getData("/watched", true, null);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        client.close();
        group.close();
    }

    private static String session() {
        return "0x" + Long.toHexString(client.getSessionId());
    }

    @Test
    void shouldReportHealthyWithOneRowPerReplicaWhenEveryReplicaServes() {
        VkctlRun run = group.vkctl("status");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out()).contains("ID", "ROLE", "COMMIT", "LAG", "SESSIONS", "r1", "r2", "r3");
        assertThat(run.out().lines().filter(l -> l.matches("r\\d .* primary .*")).count()).isEqualTo(1);
        assertThat(run.out().lines().filter(l -> l.matches("r\\d .* backup .*")).count()).isEqualTo(2);
        assertThat(run.out()).containsPattern("(?m)^healthy: 3 of 3 replicas normal in view \\d+, primary r\\d$");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void shouldPrintRowsAndVerdictAsJsonWhenAskedForJson() throws IOException {
        VkctlRun run = group.vkctl("status", "--json");

        JsonNode root = new ObjectMapper().readTree(run.out());
        assertThat(run.exitCode()).isZero();
        assertThat(root.path("state").asText()).isEqualTo("healthy");
        assertThat(root.path("replicas")).hasSize(3);
        for (JsonNode replica : root.path("replicas")) {
            assertThat(replica.path("reachable").asBoolean()).isTrue();
            assertThat(replica.path("status").asText()).isEqualTo("normal");
            assertThat(replica.path("sessions").asInt()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefreshCountTimesWhenWatching() {
        VkctlRun run = group.vkctl("status", "--watch", "--interval", "1", "--count", "2");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().lines().filter(l -> l.startsWith("healthy:")).count()).isEqualTo(2);
    }

    @Test
    void shouldListMembersWithThePrimaryWhenAskedForMembers() {
        VkctlRun run = group.vkctl("members");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out()).contains("127.0.0.1", "127.0.0.2", "127.0.0.3", "self", "as seen by r");
        assertThat(run.out().lines().filter(l -> l.matches("r\\d +voter .*")).count()).isEqualTo(3);
    }

    @Test
    void shouldShowSessionWithTheReplicaItsClientIsOnWhenAskedForSessions() {
        VkctlRun run = group.vkctl("sessions");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out()).containsPattern(session() + "\\s+30000\\s+r2\\s+1\\s");
        assertThat(run.out()).contains("1 session;");
    }

    @Test
    void shouldShowWatchedPathOnTheClientsReplicaWhenAskedForWatches() {
        VkctlRun byPath = group.vkctl("watches");
        VkctlRun bySession = group.vkctl("watches", "--by-session");

        assertThat(byPath.exitCode()).isZero();
        assertThat(byPath.out()).containsPattern("r2\\s+/watched\\s+" + session());
        assertThat(bySession.out()).containsPattern("r2\\s+" + session() + "\\s+/watched");
    }

    @Test
    void shouldShowSelectedFiguresPerReplicaWhenAskedForMetrics() {
        VkctlRun run = group.vkctl("metrics");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out().lines().findFirst().orElseThrow()).contains("FIGURE", "r1", "r2", "r3");
        assertThat(run.out()).contains("requests answered", "mean latency ms", "znodes", "view changes",
                "mean Prepare batch", "heap used MB");
        assertThat(run.out()).containsPattern("(?m)^sessions\\s+1\\s+1\\s+1$");
    }

    @Test
    void shouldListCreatesOfThePrimaryLogWhenAskedForTheTail() {
        VkctlRun run = group.vkctl("log", "--tail", "50");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out()).containsPattern("\\d+\\s+\\d+\\s+yes\\s+create\\s+/app\\s");
        assertThat(run.out()).contains("createSession");
    }

    @Test
    void shouldTakeCheckpointOnEveryReplicaWhenTokenIsGiven() {
        VkctlRun run = group.vkctl("checkpoint");

        assertThat(run.exitCode()).as("%s", run).isIn(0, 4);
        assertThat(run.out().lines().filter(l -> l.contains(": checkpoint at op ")).count()
                + run.err().lines().filter(l -> l.contains("already at the commit number")).count()).isEqualTo(3);
    }

    @Test
    void shouldExitThreeWithUnreachableRowWhenNoServerAnswers() {
        VkctlRun status = VkctlRun.run("--servers", "127.0.0.1:1", "status");
        VkctlRun members = VkctlRun.run("--servers", "127.0.0.1:1", "members");

        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status.out()).contains("unreachable", "no server answered");
        assertThat(members.exitCode()).isEqualTo(3);
        assertThat(members.err()).isEqualTo("vkctl: 127.0.0.1:1: connection refused" + System.lineSeparator());
    }

    @Test
    void shouldExitFiveWhenTokenIsWrongOrMissing() throws IOException {
        Path wrong = Files.writeString(dir.resolve("wrong.token"), "not-the-right-token-at-all");
        VkctlRun wrongToken = VkctlRun.run("--servers", group.servers(), "--token-file", wrong.toString(),
                "view-change");
        VkctlRun noToken = VkctlRun.run("--servers", group.servers(), "checkpoint", "--replica", "1");

        assertThat(wrongToken.exitCode()).as("%s", wrongToken).isEqualTo(5);
        assertThat(wrongToken.err()).contains("wrong token").hasLineCount(1);
        assertThat(noToken.exitCode()).isEqualTo(5);
        assertThat(noToken.err()).contains("needs the admin token").hasLineCount(1);
    }

    @Test
    void shouldExitSixtyFourWithOneLineWhenCommandLineIsBad() {
        VkctlRun unknown = group.vkctl("status", "--colour");
        VkctlRun servers = VkctlRun.run("--servers", "no-port-here", "status");
        VkctlRun replica = group.vkctl("log", "--replica", "9");

        assertThat(unknown.exitCode()).isEqualTo(64);
        assertThat(unknown.err()).startsWith("vkctl: Unknown option: '--colour'");
        assertThat(servers.exitCode()).isEqualTo(64);
        assertThat(servers.err()).contains("'no-port-here' is not host:port");
        assertThat(replica.exitCode()).isEqualTo(64);
        assertThat(replica.err()).contains("replica 9 is not among the reachable --servers");
    }

    @Test
    void shouldExitFourWithTheServersReasonWhenServerRefuses() {
        VkctlRun run = group.vkctl("log", "--tail", "0");

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).contains("parameter 'tail' must be between 1 and 1000").hasLineCount(1);
    }

    @Test
    void shouldDocumentExitCodesAndExamplesWhenAskedForHelp() {
        VkctlRun run = VkctlRun.run("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Exit codes:", "Examples:", "status", "view-change", "generate-completion");
        assertThat(run.out()).contains("64   bad command line");
    }

    @Test
    void shouldGenerateBashCompletionForEverySubcommand() {
        VkctlRun run = VkctlRun.run("generate-completion");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("complete -F");
        Arrays.asList("status", "members", "sessions", "watches", "metrics", "view-change", "checkpoint", "log")
                .forEach(command -> assertThat(run.out()).contains(command));
    }
}
