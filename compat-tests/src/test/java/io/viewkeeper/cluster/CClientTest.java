package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ZooKeeper C client (Debian's libzookeeper-mt-dev) against one node and against a 3-replica group: a small
 * program built here with gcc runs sessions, znodes and Stat, watches, ephemerals and sequentials, multi with
 * per-op results, digest ACLs, a 1,000,000-byte value and a close whose ephemeral goes. Skipped, saying why, on a
 * machine without gcc or the library (.ci/run installs it).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CClientTest {
    private static final List<String> STEPS = List.of("OK session", "OK create-get", "OK set-watch",
            "OK ephemeral-sequential", "OK multi", "OK acl", "OK big-value", "OK close");

    private static Path binary;

    @TempDir
    Path dir;

    @BeforeAll
    static void build(@TempDir Path buildDir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/include/zookeeper/zookeeper.h")),
                "C client tests skipped: /usr/include/zookeeper/zookeeper.h is missing (install Debian's "
                        + "libzookeeper-mt-dev; .ci/run does)");
        Path source = buildDir.resolve("zk_client_check.c");
        try (InputStream in = CClientTest.class.getResourceAsStream("/cclient/zk_client_check.c")) {
            Files.copy(in, source);
        }
        Path out = buildDir.resolve("zk_client_check");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-Wall", "-O1", "-o", out.toString(), source.toString(), "-lzookeeper_mt")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("C client tests skipped: gcc cannot be run (" + e.getMessage() + ")");
            return;
        }
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0).as("gcc:\n%s", output).isTrue();
        binary = out;
    }

    @Test
    void shouldPassTheCClientChecksAgainstOneNode() throws Exception {
        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dir))) {
            run(node.connectString());
        }
    }

    @Test
    void shouldPassTheCClientChecksAgainstAGroupOfThree() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3), dir)) {
            cluster.awaitLeader(0, java.time.Duration.ofSeconds(30));
            run(cluster.connectString());
        }
    }

    private static void run(String hosts) throws IOException, InterruptedException {
        Process client = new ProcessBuilder(binary.toString(), hosts).redirectErrorStream(true).start();
        boolean ended = client.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            client.destroyForcibly();
        }
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ended && client.exitValue() == 0).as("the C client's run:\n%s", output).isTrue();
        for (String step : STEPS) {
            assertThat(output).as("the C client's run").contains(step);
        }
    }
}
