package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import io.viewkeeper.cluster.History.Operation;
import io.viewkeeper.cluster.RegisterChecks.Observed;
import io.viewkeeper.server.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-replica group of separate processes under a write/read load from ZooKeeper clients spread over the
 * replicas, while faults hit it in turn: kill -9 of the primary and of a backup, SIGSTOP of the primary for longer
 * than the session and view-change timeouts, and a partition that isolates the primary. After each fault a new
 * primary must take writes, and no acknowledged write may be missing; at the end the whole history must be
 * linearizable and every replica must hold the same registers. Failover times are printed, not asserted.
 */
class ClusterFaultTest {
    private static final int SESSION_TIMEOUT_MS = 5000;
    private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(60);
    private static final long CHECKER_STEPS_MAX = 50_000_000;
    private static final long ONE_WAY_CUT_MS = 3000;

    enum Fault { KILL_PRIMARY, KILL_BACKUP, PAUSE_PRIMARY, ISOLATE_PRIMARY, CUT_PRIMARY_TO_BACKUP }

    @TempDir
    Path dir;

    private ClusterProcesses cluster;
    private RegisterWorkload workload;
    private final List<String> report = new ArrayList<>();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldKeepAcknowledgedWritesAndLinearizableHistoryWhenReplicasFail() throws Exception {
        run(List.of(Fault.KILL_PRIMARY, Fault.KILL_BACKUP, Fault.PAUSE_PRIMARY, Fault.ISOLATE_PRIMARY), 1);
    }

    /**
     * The same faults with the replicas on mutual TLS and the shared secret (sslQuorum, ssl.quorum.*,
     * peer.auth.secretFile): every reconnection after a kill, pause or partition goes through both handshakes.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldKeepAcknowledgedWritesAndLinearizableHistoryWhenReplicasOnMutualTlsFail() throws Exception {
        TestCertificates ca = new TestCertificates();
        List<String> names = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (int a = 1; a <= 3; a++) {
            names.add(ClusterProcesses.peerHostName(a));
            for (int b = 1; b <= 3; b++) {
                addresses.add(ClusterProcesses.proxyHost(a, b));
            }
        }
        Path keys = ca.issue("CN=viewkeeper-replica", names, addresses).keyStore(dir.resolve("replica.p12"));
        Path trust = ca.trustStore(dir.resolve("trust.p12"));
        Path secret = Files.writeString(dir.resolve("peer.secret"), "a secret the three replicas share\n");
        Settings settings = Settings.of(3).withPeerProxies().withConfig("sslQuorum", "true")
                .withConfig("ssl.quorum.keyStore.location", keys.toString())
                .withConfig("ssl.quorum.keyStore.password", TestCertificates.PASSWORD)
                .withConfig("ssl.quorum.trustStore.location", trust.toString())
                .withConfig("ssl.quorum.trustStore.password", TestCertificates.PASSWORD)
                .withConfig("peer.auth.secretFile", secret.toString());
        run(settings, List.of(Fault.KILL_PRIMARY, Fault.KILL_BACKUP, Fault.PAUSE_PRIMARY, Fault.ISOLATE_PRIMARY), 2);
        assertThat(cluster.log(1)).as("replica 1 ran with TLS and the secret between replicas")
                .contains("PeerSecurity[dialTls=true, acceptTls=true, acceptPlain=false, secret=required]");
    }

    /** -Dcluster.soak=true; -Dcluster.soak.rounds=N (default 5) rounds of every fault, each in a seeded order. */
    @Test
    @EnabledIfSystemProperty(named = "cluster.soak", matches = "true")
    @Timeout(value = 2, unit = TimeUnit.HOURS)
    void shouldKeepAcknowledgedWritesAndLinearizableHistoryWhenFaultsRepeatForLong() throws Exception {
        long seed = Long.getLong("cluster.soak.seed", System.nanoTime());
        int rounds = Integer.getInteger("cluster.soak.rounds", 5);
        SplittableRandom random = new SplittableRandom(seed);
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            List<Fault> round = new ArrayList<>(List.of(Fault.values()));
            for (int j = round.size() - 1; j > 0; j--) {
                Collections.swap(round, j, random.nextInt(j + 1));
            }
            faults.addAll(round);
        }
        System.out.println("cluster soak seed " + seed + ": " + faults);
        run(faults, seed);
    }

    private void run(List<Fault> faults, long seed) throws Exception {
        run(Settings.of(3).withPeerProxies().withReads(System.getProperty("cluster.reads", "linearizable")), faults,
                seed);
    }

    private void run(Settings settings, List<Fault> faults, long seed) throws Exception {
        try (ClusterProcesses c = ClusterProcesses.start(settings, dir)) {
            cluster = c;
            try {
                workload = new RegisterWorkload(cluster, 5, 6, SESSION_TIMEOUT_MS, seed);
                int primary = cluster.awaitLeader(0, ELECTION_TIMEOUT);
                try (ZooKeeper admin = ClusterClients.connect(cluster, primary, SESSION_TIMEOUT_MS)) {
                    workload.createKeys(admin);
                }
                workload.start();
                awaitWritesAfter(System.nanoTime(), "the workload starts");
                for (Fault fault : faults) {
                    inject(fault);
                    awaitAllNormal();
                    assertNoAcknowledgedWriteLost();
                }
                awaitEveryClientProgresses();
                workload.close();
                checkHistory();
                checkReplicasAgree();
            } catch (Throwable t) {
                throw new AssertionError(t.getMessage() + "\n" + cluster.logTails(40), t);
            } finally {
                if (workload != null) {
                    workload.close();
                }
                report.forEach(System.out::println);
            }
        }
    }

    private void inject(Fault fault) throws Exception {
        int primary = cluster.awaitLeader(0, ELECTION_TIMEOUT);
        switch (fault) {
            case KILL_PRIMARY -> {
                cluster.kill9(primary);
                awaitFailover(primary, "kill -9");
                assertNoAcknowledgedWriteLost();
                cluster.restart(primary);
            }
            case KILL_BACKUP -> {
                int backup = primary % cluster.size() + 1;
                cluster.kill9(backup);
                long t0 = System.nanoTime();
                long ms = awaitWritesAfter(t0, "kill -9 of backup " + backup);
                report.add("kill -9 of backup " + backup + ": first acknowledged write " + ms + " ms after");
                assertNoAcknowledgedWriteLost();
                cluster.restart(backup);
            }
            case PAUSE_PRIMARY -> {
                cluster.pause(primary);
                long t0 = awaitFailover(primary, "SIGSTOP");
                await("paused beyond the session timeout").atMost(Duration.ofSeconds(30))
                        .until(() -> elapsedMs(t0) > SESSION_TIMEOUT_MS + 1000);
                cluster.resume(primary);
            }
            case ISOLATE_PRIMARY -> {
                cluster.isolate(primary);
                awaitFailover(primary, "isolation");
                assertNoAcknowledgedWriteLost();
                cluster.heal();
            }
            case CUT_PRIMARY_TO_BACKUP -> {
                int backup = primary % cluster.size() + 1;
                cluster.cutOneWay(primary, backup);
                long t0 = System.nanoTime();
                long ms = awaitWritesAfter(t0, "cutting primary " + primary + " -> " + backup);
                report.add("one-way cut " + primary + " -> " + backup + ": first acknowledged write " + ms
                        + " ms after");
                // held for several view-change timeouts, so the backup that hears nothing acts on it
                await("cut held").atMost(Duration.ofSeconds(30)).until(() -> elapsedMs(t0) > ONE_WAY_CUT_MS);
                awaitWritesAfter(System.nanoTime(), "holding the cut " + primary + " -> " + backup);
                assertNoAcknowledgedWriteLost();
                cluster.heal();
            }
        }
    }

    /**
     * Just after {@code fault} of {@code primary}: waits for another primary and an acknowledged write, reports the
     * time to it, and returns the fault's timestamp.
     */
    private long awaitFailover(int primary, String fault) {
        long t0 = System.nanoTime();
        int next = cluster.awaitLeader(primary, ELECTION_TIMEOUT);
        long ms = awaitWritesAfter(t0, fault + " of primary " + primary);
        report.add("failover after " + fault + " of primary " + primary + ": new primary " + next
                + ", first acknowledged write " + ms + " ms after the fault");
        return t0;
    }

    /** Waits for an acknowledged write invoked after {@code t0}; returns the ms from t0 to its acknowledgement. */
    private long awaitWritesAfter(long t0, String after) {
        return await("an acknowledged write after " + after).atMost(PROGRESS_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> firstAcknowledgedAfter(t0), ms -> ms >= 0);
    }

    private long firstAcknowledgedAfter(long t0) {
        long first = Long.MAX_VALUE;
        List<Operation> ops = workload.history().operations();
        for (int i = ops.size() - 1; i >= 0 && i >= ops.size() - 2000; i--) {
            Operation op = ops.get(i);
            if (op.kind() == History.Kind.WRITE && !op.isUnknown() && op.invokeNs() > t0) {
                first = Math.min(first, op.completeNs());
            }
        }
        return first == Long.MAX_VALUE ? -1 : TimeUnit.NANOSECONDS.toMillis(first - t0);
    }

    private static long elapsedMs(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** Every replica is back, in normal status, in the primary's view. */
    private void awaitAllNormal() {
        await("every replica normal in one view").atMost(REJOIN_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<ClusterProcesses.Status> all = new ArrayList<>();
                    for (int id = 1; id <= cluster.size(); id++) {
                        cluster.status(id).ifPresent(all::add);
                    }
                    return all.size() == cluster.size()
                            && all.stream().allMatch(s -> s.replicaStatus().equals("normal"))
                            && all.stream().mapToLong(ClusterProcesses.Status::view).distinct().count() == 1
                            && all.stream().filter(s -> s.mode().equals("leader")).count() == 1;
                });
    }

    private void assertNoAcknowledgedWriteLost() throws Exception {
        Map<String, Operation> acknowledged = RegisterChecks.lastAcknowledgedWrites(workload.history().operations());
        int primary = cluster.awaitLeader(0, ELECTION_TIMEOUT);
        Map<String, Observed> now = readRegisters(primary);
        assertThat(RegisterChecks.lostWrites(acknowledged, now)).as("acknowledged writes lost (read via %d)", primary)
                .isEmpty();
    }

    private Map<String, Observed> readRegisters(int id) throws Exception {
        Map<String, Observed> now = new LinkedHashMap<>();
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, id, SESSION_TIMEOUT_MS, event -> { })) {
            for (String key : workload.keys()) {
                Stat stat = new Stat();
                long value = RegisterWorkload.decode(zk.getData(key, false, stat));
                now.put(key, new Observed(value, stat.getVersion()));
            }
        }
        return now;
    }

    private void awaitEveryClientProgresses() {
        long[] before = new long[workload.clientCount()];
        for (int c = 0; c < before.length; c++) {
            before[c] = workload.completed(c);
        }
        await("every client completes operations after the last fault").atMost(PROGRESS_TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (int c = 0; c < before.length; c++) {
                        if (workload.completed(c) < before[c] + 10) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private void checkHistory() {
        List<Operation> ops = workload.history().operations();
        long unknown = ops.stream().filter(Operation::isUnknown).count();
        report.add("history: " + ops.size() + " operations, " + workload.acknowledgedWrites()
                + " acknowledged writes, " + unknown + " writes with unknown outcome");
        assertThat(workload.unexpected()).as("unexpected client errors").isEmpty();
        assertThat(RegisterChecks.versionConflicts(ops)).as("data versions with two values").isEmpty();
        long started = System.nanoTime();
        LinearizabilityChecker.Verdict verdict = new LinearizabilityChecker(CHECKER_STEPS_MAX)
                .check(ops, workload.initialValues());
        report.add("linearizability check: " + elapsedMs(started) + " ms");
        assertThat(verdict.linearizable()).as(verdict.explanation()).isTrue();
    }

    /** Once idle, all replicas commit the same ops and read the same registers, none past its issued writes. */
    private void checkReplicasAgree() throws Exception {
        await("replicas at one commit number, znode count and state digest").atMost(REJOIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<List<Object>> figures = new ArrayList<>();
                    for (int id = 1; id <= cluster.size(); id++) {
                        int replica = id;
                        cluster.status(id).ifPresent(s -> cluster.stateDigest(replica).ifPresent(digest ->
                                figures.add(List.of(s.commit(), s.nodeCount(), digest))));
                    }
                    return figures.size() == cluster.size() && figures.stream().distinct().count() == 1;
                });
        Map<String, Observed> first = readRegisters(1);
        for (int id = 2; id <= cluster.size(); id++) {
            assertThat(readRegisters(id)).as("registers at replica %d vs replica 1", id).isEqualTo(first);
        }
        List<Operation> ops = workload.history().operations();
        assertThat(RegisterChecks.lostWrites(RegisterChecks.lastAcknowledgedWrites(ops), first))
                .as("acknowledged writes lost at the end").isEmpty();
        assertThat(RegisterChecks.appliedMoreThanIssued(ops, first)).as("writes applied twice").isEmpty();
    }
}
