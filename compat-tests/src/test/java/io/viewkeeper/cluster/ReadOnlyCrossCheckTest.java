package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only mode checked against a real ZooKeeper 3.9 ensemble (readonlymode.enabled, with local sessions as
 * ZooKeeper needs for read-only sessions): the same steps on both, the same expectations. Two of three servers are
 * killed; the survivor answers isro with "ro" and srvr with Mode: read-only; a client that asked for read-only
 * connects ConnectedReadOnly, reads, is refused writes with NotReadOnly; a client that did not ask gets no session;
 * once the two servers are back, the read-only client is back read-write by itself and writes.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReadOnlyCrossCheckTest {
    private static final int SESSION_TIMEOUT_MS = 6000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void shouldServeReadOnlyLikeZooKeeperWhenTwoOfThreeServersAreKilled() throws Exception {
        try (ZooKeeperEnsemble zk = ZooKeeperEnsemble.start(Files.createDirectories(dir.resolve("zookeeper")),
                Map.of("localSessionsEnabled", "true", "localSessionsUpgradingEnabled", "true"),
                List.of("-Dreadonlymode.enabled=true"))) {
            runScenario(zk, "zookeeper");
        }
        Settings settings = Settings.of(3).withConfig("readonlymode.enabled", "true");
        try (ClusterProcesses vk = ClusterProcesses.start(settings, Files.createDirectories(dir.resolve("vk")))) {
            vk.awaitLeader(0, TIMEOUT);
            runScenario(vk, "viewkeeper");
        }
    }

    private static void runScenario(ServerGroup group, String system) throws Exception {
        ZooKeeper writer = connected(group.connectString(), false);
        try {
            writer.create("/ro", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            await(system + ": the survivor has the write").atMost(TIMEOUT).until(() -> {
                try (ZooKeeper probe = connected(group.connectString(1), false)) {
                    return probe.exists("/ro", false) != null;
                }
            });
        } finally {
            writer.close();
        }
        group.kill9(2);
        group.kill9(3);
        await(system + ": the survivor answers isro with ro").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> group.fourLetterWord(1, "isro").trim().equals("ro"));
        assertThat(group.fourLetterWord(1, "srvr")).as(system).contains("Mode: read-only");

        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper reader = new ZooKeeper(group.connectString(1), SESSION_TIMEOUT_MS, e -> states.add(e.getState()),
                true);
        ZooKeeper plain = new ZooKeeper(group.connectString(1), SESSION_TIMEOUT_MS, e -> { }, false);
        try {
            await(system + ": connected read-only").atMost(TIMEOUT)
                    .until(() -> states.contains(KeeperState.ConnectedReadOnly));
            assertThat(new String(reader.getData("/ro", false, null), StandardCharsets.UTF_8)).as(system)
                    .isEqualTo("v1");
            assertThat(reader.getChildren("/", false)).as(system).contains("ro");
            assertThat(failure(() -> reader.setData("/ro", new byte[0], -1))).as(system)
                    .isInstanceOf(KeeperException.NotReadOnlyException.class);
            assertThat(failure(() -> reader.create("/other", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT))).as(system).isInstanceOf(KeeperException.NotReadOnlyException.class);
            assertThat(plain.getState().isConnected()).as(system + ": a client that did not ask for read-only")
                    .isFalse();

            group.restart(2);
            group.restart(3);
            await(system + ": the read-only client is back read-write").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> states.get(states.size() - 1) == KeeperState.SyncConnected);
            reader.setData("/ro", "v2".getBytes(StandardCharsets.UTF_8), -1);
            assertThat(new String(reader.getData("/ro", false, null), StandardCharsets.UTF_8)).isEqualTo("v2");
        } finally {
            plain.close(1000);
            reader.close(1000);
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static Exception failure(Call call) {
        try {
            call.run();
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    private static ZooKeeper connected(String connectString, boolean canBeReadOnly) throws IOException {
        ZooKeeper zk = new ZooKeeper(connectString, SESSION_TIMEOUT_MS, e -> { }, canBeReadOnly);
        ClusterClients.awaitConnected(zk);
        return zk;
    }
}
