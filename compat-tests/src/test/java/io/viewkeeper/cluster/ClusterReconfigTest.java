package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of replica processes whose members change under Curator's recipes: a fourth server starts empty and
 * joins through Curator's reconfig (as an observer, then as a participant in place of server 3), while a client
 * holds an InterProcessMutex, two LeaderLatch participants keep a leader and a writer writes. The lock stays held
 * and its session alive, a leader stays elected, no acknowledged write is lost, server 3 stops, and Curator's
 * EnsembleTracker moves the connection string to the new members.
 */
class ClusterReconfigTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String SUPER = "super:cluster-reconfig";

    @TempDir
    Path dir;

    /** Three voters and {@code joining} servers to join them, reconfig on, the test's superuser. */
    private static ClusterProcesses.Settings reconfigurable(int joining) throws Exception {
        return ClusterProcesses.Settings.of(3).withJoining(joining).withConfig("reconfigEnabled", "true")
                .withConfig("superDigest", DigestAuthenticationProvider.generateDigest(SUPER));
    }

    private static CuratorFramework curator(String connect, boolean superuser) {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs(15_000).connectionTimeoutMs(15_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 1000));
        if (superuser) {
            builder.authorization("digest", SUPER.getBytes(StandardCharsets.UTF_8));
        }
        CuratorFramework curator = builder.build();
        curator.start();
        return curator;
    }

    /**
     * {@code line} (server.N=host:peerPort:role;client) as /zookeeper/config shows it: with the election port after
     * the peer port (the next one), as ZooKeeper's parser wants two.
     */
    private static String shown(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(server\\.\\d+=[^:]+):(\\d+):(\\w+);(.*)")
                .matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException(line);
        }
        int peer = Integer.parseInt(m.group(2));
        return m.group(1) + ":" + peer + ":" + (peer + 1) + ":" + m.group(3) + ";" + m.group(4);
    }

    @Test
    void shouldTakeZkClisReconfigAndConfig() throws Exception {
        ClusterProcesses.Settings settings = reconfigurable(1);
        try (ClusterProcesses cluster = ClusterProcesses.start(settings, dir)) {
            org.apache.zookeeper.ZooKeeperMain cli = new org.apache.zookeeper.ZooKeeperMain(
                    new String[] {"-server", cluster.connectString(1)});
            try (CuratorFramework reader = curator(cluster.connectString(2), false)) {
                cli.executeLine("addauth digest " + SUPER);
                String observer = cluster.serverLine(4).strip();
                // zkCli connects in the background: the command is typed again until it took effect
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    cli.executeLine("reconfig -add " + observer);
                    assertThat(new String(reader.getConfig().forEnsemble(), StandardCharsets.UTF_8))
                            .contains(shown(observer));
                });
                String config = new String(reader.getConfig().forEnsemble(), StandardCharsets.UTF_8);
                long version = Long.parseLong(config.substring(config.indexOf("version=") + 8).trim(), 16);
                // a conditional reconfig on another version changes nothing
                cli.executeLine("reconfig -remove 4 -v " + Long.toHexString(version + 1));
                assertThat(new String(reader.getConfig().forEnsemble(), StandardCharsets.UTF_8))
                        .contains(shown(observer));
                cli.executeLine("reconfig -remove 4 -v " + Long.toHexString(version));
                await().atMost(TIMEOUT).untilAsserted(() -> assertThat(new String(reader.getConfig().forEnsemble(),
                        StandardCharsets.UTF_8)).doesNotContain("server.4="));
                await().atMost(TIMEOUT).until(() -> !cluster.isRunning(4));
            } finally {
                cli.executeLine("close");
            }
        }
    }

    /** One reconfig through Curator, typed again while the group refuses it (a new voter still catching up). */
    private static byte[] reconfig(CuratorFramework operator, String joining, String leaving) {
        List<byte[]> answer = new ArrayList<>();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
            if (joining != null && leaving != null) {
                answer.add(operator.reconfig().joining(joining.split(",")).leaving(leaving.split(","))
                        .fromConfig(-1).forEnsemble());
            } else if (joining != null) {
                answer.add(operator.reconfig().joining(joining.split(",")).fromConfig(-1).forEnsemble());
            } else {
                answer.add(operator.reconfig().leaving(leaving.split(",")).fromConfig(-1).forEnsemble());
            }
            return true;
        });
        return answer.get(0);
    }

    @Test
    void shouldStayLinearizableWhileTheGroupGrowsShrinksAndReplacesADeadServer() throws Exception {
        ClusterProcesses.Settings settings = reconfigurable(3);
        try (ClusterProcesses cluster = ClusterProcesses.start(settings, dir)) {
            RegisterWorkload workload = new RegisterWorkload(cluster, 4, 4, 15_000, 13);
            try (org.apache.zookeeper.ZooKeeper setup = ClusterClients.connectOnly(cluster, 1, 15_000, event -> { });
                 CuratorFramework operator = curator(cluster.connectString(1) + "," + cluster.connectString(2),
                         true)) {
                workload.createKeys(setup);
                workload.start();
                String four = cluster.serverLine(4).strip();
                String five = cluster.serverLine(5).strip();
                String six = cluster.serverLine(6).strip();
                reconfig(operator, four + "," + five + "," + six, null);
                String grown = new String(reconfig(operator, four.replace(":observer;", ":participant;") + ","
                        + five.replace(":observer;", ":participant;"), null), StandardCharsets.UTF_8);
                assertThat(grown.lines().filter(l -> l.contains(":participant;"))).hasSize(5);
                String shrunk = new String(reconfig(operator, null, "4,5"), StandardCharsets.UTF_8);
                assertThat(shrunk).doesNotContain("server.4=").doesNotContain("server.5=");
                await().atMost(TIMEOUT).until(() -> !cluster.isRunning(4) && !cluster.isRunning(5));

                // server 3 dies for good; server 6 takes its place
                cluster.kill9(3);
                String replaced = new String(reconfig(operator, six.replace(":observer;", ":participant;"), "3"),
                        StandardCharsets.UTF_8);
                assertThat(replaced).doesNotContain("server.3=").contains(shown(six.replace(":observer;",
                        ":participant;")));
                long before = workload.acknowledgedWrites();
                await().atMost(TIMEOUT).until(() -> workload.acknowledgedWrites() > before + 50);
            } finally {
                workload.close();
            }
            List<History.Operation> ops = workload.history().operations();
            assertThat(workload.unexpected()).as("unexpected client errors").isEmpty();
            assertThat(RegisterChecks.versionConflicts(ops)).as("data versions with two values").isEmpty();
            Map<String, RegisterChecks.Observed> now = new java.util.LinkedHashMap<>();
            try (org.apache.zookeeper.ZooKeeper reader = ClusterClients.connectOnly(cluster, 6, 15_000,
                    event -> { })) {
                for (String key : workload.keys()) {
                    org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
                    now.put(key, new RegisterChecks.Observed(RegisterWorkload.decode(reader.getData(key, false,
                            stat)), stat.getVersion()));
                }
            }
            assertThat(RegisterChecks.lostWrites(RegisterChecks.lastAcknowledgedWrites(ops), now))
                    .as("acknowledged writes lost").isEmpty();
            LinearizabilityChecker.Verdict verdict = new LinearizabilityChecker(50_000_000)
                    .check(ops, workload.initialValues());
            assertThat(verdict.linearizable()).as(verdict.explanation()).isTrue();
        }
    }

    @Test
    void shouldReplaceAServerUnderCuratorsLockLatchAndEnsembleTracker() throws Exception {
        ClusterProcesses.Settings settings = reconfigurable(1);
        try (ClusterProcesses cluster = ClusterProcesses.start(settings, dir)) {
            String seed = cluster.connectString(1) + "," + cluster.connectString(2) + "," + cluster.connectString(3);
            try (CuratorFramework holder = curator(seed, false);
                 CuratorFramework other = curator(seed, false);
                 CuratorFramework operator = curator(seed, true);
                 LeaderLatch first = new LeaderLatch(holder, "/reconfig/latch", "first");
                 LeaderLatch second = new LeaderLatch(other, "/reconfig/latch", "second")) {
                InterProcessMutex lock = new InterProcessMutex(holder, "/reconfig/lock");
                assertThat(lock.acquire(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                long session = holder.getZookeeperClient().getZooKeeper().getSessionId();
                first.start();
                second.start();
                await().atMost(TIMEOUT).until(() -> first.hasLeadership() || second.hasLeadership());

                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicBoolean writing = new AtomicBoolean(true);
                Thread writer = new Thread(() -> {
                    for (int i = 0; writing.get(); i++) {
                        try {
                            other.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                                    .forPath("/reconfig/w/n" + i);
                            acknowledged.add("n" + i);
                        } catch (Exception e) {
                            // not acknowledged: the next name is written
                        }
                    }
                });
                writer.start();

                String observer = cluster.serverLine(4).strip();
                byte[] added = operator.reconfig().joining(observer).fromConfig(-1).forEnsemble();
                assertThat(new String(added, StandardCharsets.UTF_8)).contains(shown(observer));
                String participant = observer.replace(":observer;", ":participant;");
                List<byte[]> replaced = new ArrayList<>();
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                    // refused (NewConfigNoQuorum) until server 4 caught up as an observer
                    replaced.add(operator.reconfig().joining(participant).leaving("3").fromConfig(-1)
                            .forEnsemble());
                    return true;
                });
                assertThat(new String(replaced.get(0), StandardCharsets.UTF_8)).contains(shown(participant))
                        .doesNotContain("server.3=");
                await().atMost(TIMEOUT).until(() -> !cluster.isRunning(3));

                int before = acknowledged.size();
                await().atMost(TIMEOUT).until(() -> acknowledged.size() > before + 20);
                writing.set(false);
                writer.join();

                assertThat(lock.isAcquiredInThisProcess()).as("the lock is still held").isTrue();
                assertThat(holder.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(session);
                assertThat(holder.checkExists().forPath("/reconfig/lock")).isNotNull();
                await().atMost(TIMEOUT).until(() -> first.hasLeadership() ^ second.hasLeadership());
                await().atMost(TIMEOUT).untilAsserted(() -> assertThat(holder.getZookeeperClient()
                        .getCurrentConnectionString().split(",")).as("EnsembleTracker follows the members")
                        .contains(cluster.connectString(4)).doesNotContain(cluster.connectString(3)));
                assertThat(other.getChildren().forPath("/reconfig/w")).containsAll(acknowledged);
                lock.release();
            }
        }
    }
}
