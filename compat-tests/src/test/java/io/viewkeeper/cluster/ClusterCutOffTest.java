package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryForever;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica cut off from the majority never tells a client its session is alive. Curator's split-brain scenario
 * (the two replicas a client is not connected to are killed, or partitioned away): the client on the cut-off
 * replica sees SUSPENDED, never RECONNECTED from it, and LOST once its session timeout has passed; a client with the
 * other servers in its connect string moves to the majority and keeps its session; a lock held through the cut-off
 * replica passes to another client only after the first client was told it was suspended. With read-only mode on,
 * a client that asks for it reads from the cut-off replica, is refused writes, and is back read-write after healing.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterCutOffTest {
    private static final int SESSION_TIMEOUT_MS = 6000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern MNTR_LINE = Pattern.compile("zk_(\\S+)\\t(\\S+)");

    @TempDir
    Path dir;

    /** Connection states a Curator client went through, with the time each arrived. */
    private static final class States {
        private record Seen(ConnectionState state, long atNanos) {
        }

        private final List<Seen> seen = new CopyOnWriteArrayList<>();

        void listen(CuratorFramework curator) {
            curator.getConnectionStateListenable().addListener((client, state) ->
                    seen.add(new Seen(state, System.nanoTime())));
        }

        List<ConnectionState> since(long nanos) {
            return seen.stream().filter(s -> s.atNanos() >= nanos).map(Seen::state).toList();
        }

        long firstAt(ConnectionState state, long sinceNanos) {
            return seen.stream().filter(s -> s.state() == state && s.atNanos() >= sinceNanos).mapToLong(Seen::atNanos)
                    .findFirst().orElse(Long.MAX_VALUE);
        }
    }

    @Test
    void shouldSuspendThenLoseNeverReconnectWhenTheOtherReplicasAreKilled() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3), dir)) {
            int a = cluster.awaitLeader(0, TIMEOUT); // the primary stays normal in its view: the hardest case
            States states = new States();
            try (CuratorFramework onlyA = curatorOn(cluster, List.of(a), states)) {
                onlyA.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/split/eph");
                long cut = System.nanoTime();
                for (int id = 1; id <= 3; id++) {
                    if (id != a) {
                        cluster.kill9(id);
                    }
                }
                await("LOST after the session timeout").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                        .until(() -> states.since(cut).contains(ConnectionState.LOST));
                List<ConnectionState> after = states.since(cut);
                assertThat(after).as("states after the kill").startsWith(ConnectionState.SUSPENDED)
                        .doesNotContain(ConnectionState.RECONNECTED, ConnectionState.CONNECTED);
                assertThat(mntr(cluster, a)).containsEntry("vr_quorum_standing", "cut_off");
                assertThat(Long.parseLong(mntr(cluster, a).get("vr_connections_closed_no_quorum")))
                        .as("the cut-off replica closed its client").isPositive();
            }
        }
    }

    @Test
    void shouldMoveClientToMajorityAndLoseOnlyTheCutOffOneWhenReplicaIsPartitioned() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3).withPeerProxies(), dir)) {
            int a = cluster.awaitLeader(0, TIMEOUT);
            States onlyStates = new States();
            States anyStates = new States();
            try (CuratorFramework onlyA = curatorOn(cluster, List.of(a), onlyStates);
                    CuratorFramework any = curatorOn(cluster, preferring(cluster, a), anyStates)) {
                any.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/split/any");
                long anySession = any.getZookeeperClient().getZooKeeper().getSessionId();
                assertThat(cluster.fourLetterWord(a, "cons")).contains("sid=0x" + Long.toHexString(anySession));
                long cut = System.nanoTime();
                cluster.isolate(a);

                await("the client with other servers is back, on the majority").atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> anyStates.since(cut).contains(ConnectionState.RECONNECTED));
                assertThat(any.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(anySession);
                assertThat(any.checkExists().forPath("/split/any").getEphemeralOwner()).isEqualTo(anySession);
                await("the client on the cut-off replica is LOST").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                        .until(() -> onlyStates.since(cut).contains(ConnectionState.LOST));
                assertThat(onlyStates.since(cut)).startsWith(ConnectionState.SUSPENDED)
                        .doesNotContain(ConnectionState.RECONNECTED, ConnectionState.CONNECTED);
                assertThat(anyStates.since(cut)).doesNotContain(ConnectionState.LOST);

                cluster.heal();
                await("the healed replica serves again").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions().until(() -> mntr(cluster, a).get("vr_quorum_standing").equals("serving"));
            }
        }
    }

    /**
     * Five replicas split two and three, the primary on the side of two: its backup there keeps hearing it, so the
     * primary must step down (it hears no quorum), or that backup would keep answering its clients' pings while
     * the three expire their sessions.
     */
    @Test
    void shouldSuspendClientOfBackupOnMinoritySideWhenFiveReplicasSplit() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(5).withPeerProxies(), dir)) {
            int primary = cluster.awaitLeader(0, TIMEOUT);
            int backup = primary % 5 + 1;
            States states = new States();
            try (CuratorFramework client = curatorOn(cluster, List.of(backup), states)) {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/split/five");
                long cut = System.nanoTime();
                for (int a : List.of(primary, backup)) {
                    for (int b = 1; b <= 5; b++) {
                        if (b != primary && b != backup) {
                            cluster.cutOneWay(a, b);
                            cluster.cutOneWay(b, a);
                        }
                    }
                }
                await("the client on the minority's backup is LOST").atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> states.since(cut).contains(ConnectionState.LOST));
                assertThat(states.since(cut)).startsWith(ConnectionState.SUSPENDED)
                        .doesNotContain(ConnectionState.RECONNECTED, ConnectionState.CONNECTED);
                assertThat(mntr(cluster, backup).get("vr_quorum_standing")).isEqualTo("cut_off");
            }
        }
    }

    @Test
    void shouldPassLockOnlyAfterHolderOnCutOffReplicaIsSuspended() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3).withPeerProxies(), dir)) {
            int a = cluster.awaitLeader(0, TIMEOUT);
            List<Integer> majority = preferring(cluster, a).subList(1, 3);
            States holderStates = new States();
            try (CuratorFramework holder = curatorOn(cluster, List.of(a), holderStates);
                    CuratorFramework other = curatorOn(cluster, majority, new States())) {
                InterProcessMutex held = new InterProcessMutex(holder, "/split/lock");
                assertThat(held.acquire(10, TimeUnit.SECONDS)).isTrue();
                long cut = System.nanoTime();
                cluster.isolate(a);

                InterProcessMutex wanted = new InterProcessMutex(other, "/split/lock");
                AtomicLong acquiredAt = new AtomicLong();
                assertThat(wanted.acquire(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                        .as("the lock passes once the holder's session expired on the majority").isTrue();
                acquiredAt.set(System.nanoTime());
                assertThat(holderStates.firstAt(ConnectionState.SUSPENDED, cut))
                        .as("the old holder was suspended before the lock passed").isLessThan(acquiredAt.get());

                cluster.heal();
                await("the old holder learns it lost its session").atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> holderStates.since(cut).contains(ConnectionState.LOST));
                List<ConnectionState> after = holderStates.since(cut);
                assertThat(after.subList(0, after.indexOf(ConnectionState.LOST)))
                        .as("never told its old session is alive (after LOST Curator makes a new one)")
                        .doesNotContain(ConnectionState.RECONNECTED);
                assertThat(wanted.isOwnedByCurrentThread()).isTrue();
            }
        }
    }

    @Test
    void shouldServeReadOnlyClientsFromCutOffReplicaWhenReadOnlyModeIsOn() throws Exception {
        Settings settings = Settings.of(3).withPeerProxies().withConfig("readonlymode.enabled", "true");
        try (ClusterProcesses cluster = ClusterProcesses.start(settings, dir)) {
            int leader = cluster.awaitLeader(0, TIMEOUT);
            int a = leader % 3 + 1; // a backup this time
            try (ZooKeeper writer = ClusterClients.connect(cluster, leader, SESSION_TIMEOUT_MS)) {
                writer.create("/ro", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            }
            await("replica sees the write").atMost(TIMEOUT).until(() -> cluster.status(a).orElseThrow().commit() > 2);
            cluster.isolate(a);
            await("the cut-off replica answers isro with ro").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> cluster.fourLetterWord(a, "isro").equals("ro"));
            assertThat(cluster.fourLetterWord(a, "srvr")).contains("Mode: read-only");

            List<KeeperState> states = new CopyOnWriteArrayList<>();
            ZooKeeper reader = new ZooKeeper(cluster.connectString(a), SESSION_TIMEOUT_MS,
                    e -> states.add(e.getState()), true);
            try {
                await("connected read-only").atMost(TIMEOUT)
                        .until(() -> states.contains(KeeperState.ConnectedReadOnly));
                assertThat(new String(reader.getData("/ro", false, null), StandardCharsets.UTF_8)).isEqualTo("v1");
                try {
                    reader.setData("/ro", new byte[0], -1);
                    throw new AssertionError("a write on a read-only session must fail");
                } catch (KeeperException.NotReadOnlyException expected) {
                    // ZooKeeper's NotReadOnly
                }
                ZooKeeper plain = new ZooKeeper(cluster.connectString(a), SESSION_TIMEOUT_MS, e -> { });
                try {
                    await("a client that did not ask for read-only is refused").atMost(TIMEOUT)
                            .pollInterval(Duration.ofMillis(100)).until(() -> Long.parseLong(
                                    mntr(cluster, a).get("vr_handshakes_refused_no_quorum")) > 0);
                    assertThat(plain.getState().isConnected()).isFalse();
                } finally {
                    ClusterClients.closeQuietly(plain);
                }

                cluster.heal();
                await("the read-only client is back read-write").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                        .until(() -> states.get(states.size() - 1) == KeeperState.SyncConnected);
                reader.setData("/ro", "v2".getBytes(StandardCharsets.UTF_8), -1);
                assertThat(new String(reader.getData("/ro", false, null), StandardCharsets.UTF_8)).isEqualTo("v2");
            } finally {
                ClusterClients.closeQuietly(reader);
            }
        }
    }

    @Test
    void shouldServeKazooReadOnlyClientFromCutOffReplicaWhenReadOnlyModeIsOn() throws Exception {
        Assumptions.assumeTrue(KazooScript.available(), KazooScript.MISSING);
        Settings settings = Settings.of(3).withPeerProxies().withConfig("readonlymode.enabled", "true");
        try (ClusterProcesses cluster = ClusterProcesses.start(settings, dir)) {
            int a = cluster.awaitLeader(0, TIMEOUT); // the primary this time
            try (ZooKeeper writer = ClusterClients.connect(cluster, a, SESSION_TIMEOUT_MS)) {
                writer.create("/ro", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
            }
            cluster.isolate(a);
            await("the cut-off replica answers isro with ro").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> cluster.fourLetterWord(a, "isro").equals("ro"));
            try (KazooScript kazoo = KazooScript.start("read_only_client.py", dir, cluster.connectString(a))) {
                kazoo.awaitLine("RO_OK", TIMEOUT);
                cluster.heal();
                kazoo.send("healed");
                kazoo.awaitLine("RW_OK", TIMEOUT);
            }
        }
    }

    /** A started Curator client with the given replicas in its connect string, in that order, connected. */
    private static CuratorFramework curatorOn(ClusterProcesses cluster, List<Integer> ids, States states)
            throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.builder()
                .connectString(String.join(",", ids.stream().map(cluster::connectString).toList()))
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs(SESSION_TIMEOUT_MS)
                .retryPolicy(new RetryForever(200))
                .zookeeperFactory((connectString, timeout, watcher, canBeReadOnly) -> new ZooKeeper(connectString,
                        timeout, watcher, canBeReadOnly, new PreferredHostProvider(
                                ids.stream().map(cluster::clientAddress).toList(), 0)))
                .build();
        states.listen(curator);
        curator.start();
        if (!curator.blockUntilConnected((int) TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            curator.close();
            throw new AssertionError("curator did not connect to " + ids);
        }
        return curator;
    }

    /** Every replica, {@code first} first. */
    private static List<Integer> preferring(ClusterProcesses cluster, int first) {
        return List.of(first, first % cluster.size() + 1, (first + 1) % cluster.size() + 1);
    }

    private static java.util.Map<String, String> mntr(ClusterProcesses cluster, int id) throws Exception {
        java.util.Map<String, String> figures = new java.util.HashMap<>();
        Matcher m = MNTR_LINE.matcher(cluster.fourLetterWord(id, "mntr"));
        while (m.find()) {
            figures.put(m.group(1), m.group(2));
        }
        return figures;
    }
}
