package io.viewkeeper.cluster;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python's kazoo (Debian's python3-kazoo) against one node and against a 3-replica group: sessions, znodes and Stat,
 * watches, ephemerals and sequentials, transactions with per-op results, digest ACLs, the Lock and Election
 * recipes, a 1,000,000-byte value and a close whose ephemeral goes. Skipped, saying why, without kazoo.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KazooClientTest {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> STEPS = List.of("OK session", "OK create-get", "OK set-watch",
            "OK ephemeral-sequential", "OK multi", "OK acl", "OK lock-election", "OK big-value", "OK close");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireKazoo() {
        Assumptions.assumeTrue(KazooScript.available(), KazooScript.MISSING);
    }

    @Test
    void shouldPassTheKazooChecksAgainstOneNode() throws Exception {
        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dir.resolve("node")))) {
            run(node.connectString());
        }
    }

    @Test
    void shouldPassTheKazooChecksAgainstAGroupOfThree() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3), dir.resolve("group"))) {
            cluster.awaitLeader(0, Duration.ofSeconds(30));
            run(cluster.connectString());
        }
    }

    private void run(String hosts) throws Exception {
        try (KazooScript kazoo = KazooScript.start("client_check.py", dir, hosts)) {
            for (String step : STEPS) {
                kazoo.awaitLine(step, STEP_TIMEOUT);
            }
        }
    }
}
