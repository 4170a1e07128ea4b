package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three voters and an observer, each its own process configured as a ZooKeeper ensemble with an observer is
 * ({@code server.4=...:observer}, {@code peerType=observer}): clients of the observer keep their session and lock
 * across a kill -9 of the primary, and kazoo's checks pass through the observer alone.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterObserverTest {
    private static final int OBSERVER = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> KAZOO_STEPS = List.of("OK session", "OK create-get", "OK set-watch",
            "OK ephemeral-sequential", "OK multi", "OK acl", "OK lock-election", "OK big-value", "OK close");

    @TempDir
    Path dir;

    @Test
    void shouldKeepAnObserversClientsAndTheirLockAcrossAKillOfThePrimary() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3).withObservers(1), dir)) {
            int primary = cluster.awaitLeader(0, TIMEOUT);
            assertThat(cluster.status(OBSERVER).orElseThrow().mode()).isEqualTo("observer");
            assertThat(cluster.fourLetterWord(OBSERVER, "mntr")).contains("zk_server_state\tobserver");
            int voter = primary == 1 ? 2 : 1;
            try (CuratorFramework atObserver = ClusterClients.curator(cluster, OBSERVER, 10_000);
                 CuratorFramework atVoter = ClusterClients.curator(cluster, voter, 10_000)) {
                InterProcessMutex held = new InterProcessMutex(atObserver, "/observed/lock");
                held.acquire();
                assertThat(new InterProcessMutex(atVoter, "/observed/lock").acquire(300, TimeUnit.MILLISECONDS))
                        .as("the lock taken through the observer is held").isFalse();
                long sessionBefore = atObserver.getZookeeperClient().getZooKeeper().getSessionId();

                cluster.kill9(primary);
                cluster.awaitLeader(primary, TIMEOUT);
                atObserver.create().forPath("/observed/after-failover", "x".getBytes(StandardCharsets.UTF_8));
                assertThat(atObserver.getZookeeperClient().getZooKeeper().getSessionId())
                        .as("the observer's client kept its session").isEqualTo(sessionBefore);
                assertThat(held.isAcquiredInThisProcess()).isTrue();
                assertThat(new String(atVoter.getData().forPath("/observed/after-failover"),
                        StandardCharsets.UTF_8)).isEqualTo("x");
                held.release();
                InterProcessMutex next = new InterProcessMutex(atVoter, "/observed/lock");
                assertThat(next.acquire(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                next.release();
            }
            cluster.restart(primary);
            // Curator's EnsembleTracker reads /zookeeper/config: given the observer alone, it learns every member
            // (and which one observes) and connects by their client addresses from then on.
            try (CuratorFramework tracking = org.apache.curator.framework.CuratorFrameworkFactory.newClient(
                    cluster.connectString(OBSERVER), new org.apache.curator.retry.RetryOneTime(100))) {
                tracking.start();
                org.awaitility.Awaitility.await().atMost(TIMEOUT).untilAsserted(() -> {
                    var config = tracking.getCurrentConfig();
                    assertThat(config.getAllMembers()).hasSize(4);
                    assertThat(config.getObservingMembers()).containsOnlyKeys(4L);
                    assertThat(tracking.getZookeeperClient().getCurrentConnectionString().split(","))
                            .containsExactlyInAnyOrder(cluster.connectString().split(","));
                });
                assertThat(tracking.getData().forPath("/observed/after-failover")).isNotNull();
            }
            if (KazooScript.available()) {
                try (KazooScript kazoo = KazooScript.start("client_check.py", dir, cluster.connectString(OBSERVER))) {
                    for (String step : KAZOO_STEPS) {
                        kazoo.awaitLine(step, Duration.ofSeconds(60));
                    }
                }
            } else {
                System.out.println("kazoo checks through the observer skipped: " + KazooScript.MISSING);
            }
        }
    }
}
