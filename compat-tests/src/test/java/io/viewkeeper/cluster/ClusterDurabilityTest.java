package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import io.viewkeeper.cluster.History.Operation;
import io.viewkeeper.cluster.RegisterChecks.Observed;
import io.viewkeeper.cluster.ZnodeWriters.Ledger;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-replica group of separate processes with {@code fsync=always}, a checkpoint every few hundred ops and
 * small log segments, so a restart reads a checkpoint and replays the log after it. The whole group is killed
 * with SIGKILL under load and restarted: every acknowledged write, open session and ephemeral is back, closed
 * sessions stay closed, the register history is linearizable across the restart. One replica's log or checkpoint
 * is damaged, or its directory wiped, while the group is down: that replica says so, takes the state from its
 * peers, and ends with the same digest; nothing acknowledged is lost. Damaged records between intact ones are
 * repaired: only those entries come from a peer.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClusterDurabilityTest {
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final int CHECKPOINT_OPS = 200;
    private static final int SEGMENT_BYTES = 64 * 1024;
    /** The smallest chunk a checkpoint travels in, so that a refill takes many chunks. */
    private static final int CHUNK_BYTES = 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final long CHECKER_STEPS_MAX = 50_000_000;
    private static final String PARENT = "/durable";
    private static final String DAMAGE = "found damage on its disk";
    private static final Pattern RESTART_FROM_DISK = Pattern.compile(
            "replica \\d+ restarts from its disk: checkpoint at op (\\d+), (\\d+) log entries after it");
    private static final int WAL_HEADER_BYTES = 64;
    private static final int WAL_RECORD_PREFIX_BYTES = 8;
    private static final byte WAL_TYPE_ENTRY = 1;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ClusterProcesses cluster;
    private final Ledger ledger = new Ledger();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepAcknowledgedWritesAndOpenSessionsWhenWholeGroupIsKilledUnderLoad() throws Exception {
        startGroup();
        List<KeeperState> ownerStates = new CopyOnWriteArrayList<>();
        ZooKeeper owner = track(ClusterClients.connect(cluster, 1, SESSION_TIMEOUT_MS,
                e -> ownerStates.add(e.getState())));
        long ownerSession = owner.getSessionId();
        List<String> kept = createEphemerals(owner, "open", 3);
        ZooKeeper closer = ClusterClients.connect(cluster, 2, SESSION_TIMEOUT_MS);
        List<String> dropped = createEphemerals(closer, "closed", 2);
        closer.close();

        RegisterWorkload registers = track(new RegisterWorkload(cluster, 3, 4, SESSION_TIMEOUT_MS, 7));
        try (ZooKeeper admin = ClusterClients.connect(cluster, 1, SESSION_TIMEOUT_MS)) {
            registers.createKeys(admin);
        }
        ZnodeWriters writers = track(new ZnodeWriters(cluster, ledger, PARENT, SESSION_TIMEOUT_MS, 50, 600, 11));
        registers.start();
        writers.start(3);
        await("writes acknowledged and a checkpoint saved at every replica").atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).until(() -> writers.acknowledgedWrites() >= 300
                        && allReplicasLogged("checkpoint at op \\d+ saved"));
        int[] marks = logMarks();
        cluster.kill9All();
        writers.stop();
        long registerOpsAtKill = registers.history().size();

        cluster.restartAll();
        cluster.awaitLeader(0, TIMEOUT);
        await("the open session's client back on the group with its session").atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(50)).until(() -> owner.getState().isConnected());
        assertThat(owner.getSessionId()).isEqualTo(ownerSession);
        assertThat(ownerStates).as("states of the open session's client").contains(KeeperState.Disconnected)
                .doesNotContain(KeeperState.Expired);
        assertEveryReplicaHolds(kept, ownerSession, dropped);
        owner.setData(kept.get(0), new byte[] {1}, -1);

        awaitRegisterProgress(registers, registerOpsAtKill);
        registers.close();
        checkHistory(registers);
        writers.close();
        awaitReplicasAgree();
        assertRestartedFromCheckpointAndLog(marks);
        System.out.println("whole-group kill: " + ledger.acknowledgedCount() + " znodes acknowledged, "
                + ledger.unansweredCount() + " writes unanswered at the kill, " + registers.history().size()
                + " register operations");
    }

    @Test
    void shouldRecoverFromPeersWhenReplicaLogIsDamaged() throws Exception {
        startGroup();
        int victim = cluster.awaitLeader(0, TIMEOUT);
        writeUntil(3000, () -> segments(victim).size() >= 3);
        cluster.stopAll();
        List<String> flips = new ArrayList<>();
        for (Path segment : segments(victim)) {
            flips.addAll(breakEntryLengths(segment));
        }
        assertThat(flips).as("bytes flipped in the log of replica %d", victim).hasSizeGreaterThanOrEqualTo(3);

        int[] marks = logMarks();
        cluster.restartAll();
        assertRepairedFromPeers(victim, marks, "log: ");
    }

    /**
     * A byte flipped in the body of a few synced entries of a backup, after every replica's checkpoint, one of them
     * its last: the records around them are intact, so the backup fetches just those entries from a peer, checked
     * against the hash chain its log names, rewrites them, and rejoins without recovering its whole state. Its next
     * restart finds an intact log.
     */
    @Test
    void shouldRepairDamagedRecordsFromPeersInsteadOfRecoveringWholeState() throws Exception {
        startGroup();
        int leader = cluster.awaitLeader(0, TIMEOUT);
        int victim = leader % cluster.size() + 1;
        writeUntil(300, () -> entriesAfter(victim, lastCheckpointOfGroup()).size() >= 12);
        cluster.stopAll();
        List<int[]> after = entriesAfter(victim, lastCheckpointOfGroup());
        assertThat(after).as("entries of replica %d after every checkpoint", victim).hasSizeGreaterThanOrEqualTo(3);
        Path last = segments(victim).get(segments(victim).size() - 1);
        for (int[] entry : List.of(after.get(0), after.get(after.size() / 2), after.get(after.size() - 1))) {
            flipByte(last, entry[0] + WAL_RECORD_PREFIX_BYTES + entry[1] / 2);
        }

        int[] marks = logMarks();
        cluster.restartAll();
        awaitReplicasAgree();
        String since = cluster.log(victim).substring(marks[victim]);
        assertThat(since).as("log of replica %d", victim)
                .contains("found 3 damaged records in its log between intact ones")
                .contains("damaged log records at start: repaired 3 entries")
                .doesNotContain(DAMAGE);
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, victim, SESSION_TIMEOUT_MS, e -> { })) {
            assertThat(ledger.departures(zk)).as("acknowledged writes read at repaired replica %d", victim)
                    .isEmpty();
        }
        int[] again = logMarks();
        cluster.stopAll();
        cluster.restartAll();
        awaitReplicasAgree();
        assertThat(cluster.log(victim).substring(again[victim])).as("log of replica %d restarted again", victim)
                .containsPattern(RESTART_FROM_DISK).doesNotContain("damaged records").doesNotContain(DAMAGE);
    }

    /**
     * The last entry of a backup's log and the batch end after it both damaged: nothing tells that write from one a
     * crash cut short, and its ops were acknowledged. The backup does not cut them on that evidence: it asks its peers
     * what they hold after its last readable op, keeps their entries, and rejoins holding every acknowledged write.
     * The doubt is recorded before the bytes are cut, and gone once resolved: the next restart is a plain one.
     */
    @Test
    void shouldKeepOpsOfUnreadableLastWriteFromPeersInsteadOfCuttingThem() throws Exception {
        startGroup();
        int leader = cluster.awaitLeader(0, TIMEOUT);
        int victim = leader % cluster.size() + 1;
        writeUntil(300, () -> entriesAfter(victim, lastCheckpointOfGroup()).size() >= 3);
        cluster.stopAll();
        List<int[]> after = entriesAfter(victim, lastCheckpointOfGroup());
        Path last = segments(victim).get(segments(victim).size() - 1);
        int[] lastEntry = after.get(after.size() - 1);
        int batchEnd = lastEntry[0] + WAL_RECORD_PREFIX_BYTES + lastEntry[1];
        flipByte(last, lastEntry[0] + WAL_RECORD_PREFIX_BYTES + lastEntry[1] / 2);
        flipByte(last, batchEnd + WAL_RECORD_PREFIX_BYTES + 3);

        int[] marks = logMarks();
        cluster.restartAll();
        awaitReplicasAgree();
        String since = cluster.log(victim).substring(marks[victim]);
        assertThat(since).as("log of replica %d", victim)
                .contains("could not read its log's last write")
                .contains("resolved the unreadable last write with peers: kept ops")
                .doesNotContain("cutting a torn tail").doesNotContain(DAMAGE);
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, victim, SESSION_TIMEOUT_MS, e -> { })) {
            assertThat(ledger.departures(zk)).as("acknowledged writes read at replica %d", victim).isEmpty();
        }
        int[] again = logMarks();
        cluster.stopAll();
        cluster.restartAll();
        awaitReplicasAgree();
        assertThat(cluster.log(victim).substring(again[victim])).as("log of replica %d restarted again", victim)
                .containsPattern(RESTART_FROM_DISK).doesNotContain("last write").doesNotContain(DAMAGE);
    }

    /** The highest op any replica logged a checkpoint at. */
    private long lastCheckpointOfGroup() {
        Pattern saved = Pattern.compile("checkpoint at op (\\d+) saved");
        long highest = 0;
        for (int id = 1; id <= cluster.size(); id++) {
            java.util.regex.Matcher m = saved.matcher(cluster.log(id));
            while (m.find()) {
                highest = Math.max(highest, Long.parseLong(m.group(1)));
            }
        }
        return highest;
    }

    /** The entry records (offset, length) of the last log segment of replica {@code id} with ops above {@code op}. */
    private List<int[]> entriesAfter(int id, long op) throws IOException {
        List<Path> segments = segments(id);
        if (segments.isEmpty()) {
            return List.of();
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segments.get(segments.size() - 1)));
        List<int[]> entries = new ArrayList<>();
        int position = WAL_HEADER_BYTES;
        while (position + WAL_RECORD_PREFIX_BYTES + 9 <= bytes.limit() && bytes.getInt(position) > 0
                && position + WAL_RECORD_PREFIX_BYTES + bytes.getInt(position) <= bytes.limit()) {
            int length = bytes.getInt(position);
            if (bytes.get(position + WAL_RECORD_PREFIX_BYTES) == WAL_TYPE_ENTRY
                    && bytes.getLong(position + WAL_RECORD_PREFIX_BYTES + 1) > op) {
                entries.add(new int[] {position, length});
            }
            position += WAL_RECORD_PREFIX_BYTES + length;
        }
        return entries;
    }

    @Test
    void shouldRecoverFromPeersWhenReplicaCheckpointIsDamaged() throws Exception {
        startGroup();
        int victim = cluster.awaitLeader(0, TIMEOUT) % cluster.size() + 1;
        List<String> markers = new ArrayList<>();
        try (ZooKeeper zk = ClusterClients.connect(cluster, victim, SESSION_TIMEOUT_MS)) {
            // enough nodes that the checkpoint travels in many blocks, most of them unchanged by what follows
            zk.create("/filler", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int batch = 0; batch < 10; batch++) {
                List<Op> creates = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    creates.add(Op.create("/filler/n" + batch + "-" + i, new byte[16], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT));
                }
                zk.multi(creates);
            }
            for (int i = 0; i < 8; i++) {
                String data = "checkpoint-marker-" + i + "-" + "x".repeat(200);
                String path = PARENT + "/marker-" + i;
                Stat stat = new Stat();
                zk.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT, stat);
                ledger.acknowledged(path, data, stat);
                markers.add(data);
            }
        }
        long afterMarkers = ledger.acknowledgedCount();
        // more ops than one checkpoint interval, so a checkpoint after the markers is saved
        writeUntil(300, () -> ledger.acknowledgedCount() >= afterMarkers + CHECKPOINT_OPS + 50);
        cluster.stopAll();
        Path checkpoint = cluster.dataDir(victim).resolve("checkpoint").resolve("checkpoint.db");
        List<String> flips = new ArrayList<>();
        for (String marker : markers.subList(0, markers.size() / 2)) {
            List<String> at = flipInsideEveryCopy(checkpoint, marker.getBytes(StandardCharsets.UTF_8));
            assertThat(at).as("copies of %s... in %s", marker.substring(0, 20), checkpoint).isNotEmpty();
            flips.addAll(at);
        }

        int[] marks = logMarks();
        cluster.restartAll();
        assertRepairedFromPeers(victim, marks, "checkpoint: ");
        // what it could still read of its checkpoint is not fetched again: only the damaged blocks, and changes
        Matcher held = Pattern.compile("checkpoint at op \\d+ offered by a peer: (\\d+) of its \\d+ bytes held "
                + "here in (\\d+) blocks").matcher(cluster.log(victim).substring(marks[victim]));
        assertThat(held.find()).as("replica %d looked for the blocks it holds", victim).isTrue();
        assertThat(Long.parseLong(held.group(1))).as("bytes held: %s", held.group()).isPositive();
        assertThat(Integer.parseInt(held.group(2))).as("blocks held: %s", held.group()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void shouldRefillReplicaFromPeersWhenItsDirectoryIsWiped() throws Exception {
        startGroup();
        int victim = cluster.awaitLeader(0, TIMEOUT) % cluster.size() + 1;
        // a peer that still holds op 1 in its log would send the whole log instead of its checkpoint
        writeUntil(400, () -> ledger.acknowledgedCount() >= CHECKPOINT_OPS + 100 && peersReleasedFirstOp(victim));
        cluster.stopAll();
        deleteContents(cluster.dataDir(victim));

        int[] marks = logMarks();
        cluster.restartAll();
        awaitReplicasAgree();
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, victim, SESSION_TIMEOUT_MS, e -> { })) {
            assertThat(ledger.departures(zk)).as("acknowledged writes read at the wiped replica %d", victim)
                    .isEmpty();
        }
        assertThat(cluster.dataDir(victim).resolve("wal")).as("log of the refilled replica").isNotEmptyDirectory();
        // the first start of the group may have installed the empty state at op 0: only this restart counts
        Matcher installed = Pattern.compile("installed checkpoint at op (\\d+)")
                .matcher(cluster.log(victim).substring(marks[victim]));
        assertThat(installed.find()).as("the wiped replica %d installed a checkpoint", victim).isTrue();
        String sent = "checkpoint at op " + installed.group(1) + " read for transfer: (\\d+) bytes";
        long bytes = -1;
        for (int id = 1; id <= cluster.size(); id++) {
            Matcher read = Pattern.compile(sent).matcher(cluster.log(id).substring(marks[id]));
            if (id != victim && read.find()) {
                bytes = Long.parseLong(read.group(1));
            }
        }
        assertThat(bytes).as("bytes of the checkpoint sent, in chunks of %d", CHUNK_BYTES)
                .isGreaterThan(10L * CHUNK_BYTES);
    }

    /**
     * The wiped replica cannot tell an empty directory of a new group from a lost one. The ops acknowledged while
     * a third replica was stopped are held by the replica that stays down and by the wiped one alone: the wiped
     * one and the lagging one must not form a view without them. Either they wait for the third replica, or they
     * serve every acknowledged write.
     */
    @Test
    void shouldKeepAcknowledgedWritesWhenWipedReplicaRestartsBesideLaggingOne() throws Exception {
        startGroup();
        int holder = cluster.awaitLeader(0, TIMEOUT);
        int wiped = holder % cluster.size() + 1;
        int lagging = wiped % cluster.size() + 1;
        cluster.pause(lagging);
        writeUntil(100, holder, () -> ledger.acknowledgedCount() >= 50);
        cluster.kill9All();
        deleteContents(cluster.dataDir(wiped));

        cluster.restart(lagging);
        cluster.restart(wiped);
        try {
            int leader = await("a leader among the wiped and the lagging replica").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(cluster::leader, Optional::isPresent).orElseThrow();
            try (ZooKeeper zk = ClusterClients.connectOnly(cluster, leader, SESSION_TIMEOUT_MS, e -> { })) {
                assertThat(ledger.departures(zk)).as("acknowledged writes served by replica %d while replica %d,"
                        + " which holds them with the wiped replica %d, is down", leader, holder, wiped).isEmpty();
            }
        } catch (ConditionTimeoutException e) {
            // no view without the replica that holds the ops: waiting for it is right
        }
        cluster.restart(holder);
        awaitReplicasAgree();
        for (int id = 1; id <= cluster.size(); id++) {
            try (ZooKeeper zk = ClusterClients.connectOnly(cluster, id, SESSION_TIMEOUT_MS, e -> { })) {
                assertThat(ledger.departures(zk)).as("acknowledged writes read at replica %d", id).isEmpty();
            }
        }
    }

    // ---- the group ----

    private void startGroup() throws Exception {
        Settings settings = Settings.of(3).withConfig("fsync", "always").withConfig("admin.enableServer", "false")
                .withConfig("checkpoint.ops", Integer.toString(CHECKPOINT_OPS))
                .withConfig("wal.segmentBytes", Integer.toString(SEGMENT_BYTES))
                .withConfig("checkpoint.chunkBytes", Integer.toString(CHUNK_BYTES));
        cluster = ClusterProcesses.start(settings, dir);
        int primary = cluster.awaitLeader(0, TIMEOUT);
        try (ZooKeeper zk = ClusterClients.connect(cluster, primary, SESSION_TIMEOUT_MS)) {
            zk.create(PARENT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/eph", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private List<String> createEphemerals(ZooKeeper zk, String name, int count) throws Exception {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            paths.add(zk.create("/eph/" + name + "-" + i, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.EPHEMERAL));
        }
        return paths;
    }

    /** Writers with data of about {@code dataBytes} bytes write until {@code done} holds, then stop. */
    private void writeUntil(int dataBytes, Callable<Boolean> done) throws Exception {
        writeUntil(dataBytes, 0, done);
    }

    /** The same, with every writer on replica {@code replica} (0: spread over the replicas). */
    private void writeUntil(int dataBytes, int replica, Callable<Boolean> done) throws Exception {
        try (ZnodeWriters writers = new ZnodeWriters(cluster, ledger, PARENT, SESSION_TIMEOUT_MS, dataBytes,
                dataBytes + 100, ledger.acknowledgedCount())) {
            writers.start(3, replica);
            await("writes until the disk holds what the test needs").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(50)).until(() -> !writers.stops().isEmpty() || done.call());
            writers.stop();
            assertThat(writers.stops()).as("writers that failed").isEmpty();
        }
    }

    /** Whether every replica but {@code victim} has deleted the log segment that starts at op 1. */
    private boolean peersReleasedFirstOp(int victim) throws IOException {
        for (int id = 1; id <= cluster.size(); id++) {
            List<Path> segments = segments(id);
            if (id != victim && (segments.isEmpty() || firstOp(segments.get(0)) <= 1)) {
                return false;
            }
        }
        return true;
    }

    private static long firstOp(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".wal".length()));
    }

    private int[] logMarks() {
        int[] marks = new int[cluster.size() + 1];
        for (int id = 1; id <= cluster.size(); id++) {
            marks[id] = cluster.log(id).length();
        }
        return marks;
    }

    private boolean allReplicasLogged(String regex) {
        Pattern pattern = Pattern.compile(regex);
        for (int id = 1; id <= cluster.size(); id++) {
            if (!pattern.matcher(cluster.log(id)).find()) {
                return false;
            }
        }
        return true;
    }

    /** The open session's ephemerals, no ephemeral of the closed one, and every acknowledged write. */
    private void assertEveryReplicaHolds(List<String> kept, long ownerSession, List<String> dropped)
            throws Exception {
        for (int id = 1; id <= cluster.size(); id++) {
            try (ZooKeeper zk = ClusterClients.connectOnly(cluster, id, SESSION_TIMEOUT_MS, e -> { })) {
                for (String path : kept) {
                    Stat stat = zk.exists(path, false);
                    assertThat(stat).as("%s at replica %d", path, id).isNotNull();
                    assertThat(stat.getEphemeralOwner()).as("owner of %s at replica %d", path, id)
                            .isEqualTo(ownerSession);
                }
                for (String path : dropped) {
                    assertThat(zk.exists(path, false)).as("%s of the closed session at replica %d", path, id)
                            .isNull();
                }
                assertThat(ledger.departures(zk)).as("acknowledged writes read at replica %d", id).isEmpty();
            }
        }
    }

    /** Every replica restarted from its disk with a checkpoint, and the log after the checkpoints was replayed. */
    private void assertRestartedFromCheckpointAndLog(int[] marks) {
        long replayed = 0;
        for (int id = 1; id <= cluster.size(); id++) {
            Matcher restart = RESTART_FROM_DISK.matcher(cluster.log(id).substring(marks[id]));
            assertThat(restart.find()).as("replica %d restarted from its disk", id).isTrue();
            assertThat(Long.parseLong(restart.group(1))).as("checkpoint op of replica %d", id).isPositive();
            replayed += Long.parseLong(restart.group(2));
        }
        // one replica may have saved a checkpoint at its last op just before the kill, so count the whole group
        assertThat(replayed).as("log entries after the checkpoints, replayed on restart").isPositive();
    }

    /** The damaged replica said so, recovered from its peers, and holds what the others hold. */
    private void assertRepairedFromPeers(int victim, int[] marks, String damageKind) throws Exception {
        await("replica " + victim + " reports the damage").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.log(victim).substring(marks[victim]).contains(DAMAGE));
        String since = cluster.log(victim).substring(marks[victim]);
        assertThat(since.lines().filter(l -> l.contains(DAMAGE)).findFirst().orElseThrow())
                .as("damage report of replica %d", victim).contains("ERROR").contains(damageKind);
        for (int id = 1; id <= cluster.size(); id++) {
            if (id != victim) {
                assertThat(cluster.log(id).substring(marks[id])).as("log of intact replica %d", id)
                        .doesNotContain(DAMAGE).containsPattern(RESTART_FROM_DISK);
            }
        }
        awaitReplicasAgree();
        try (ZooKeeper zk = ClusterClients.connectOnly(cluster, victim, SESSION_TIMEOUT_MS, e -> { })) {
            assertThat(ledger.departures(zk)).as("acknowledged writes read at repaired replica %d", victim)
                    .isEmpty();
            zk.create(PARENT + "/after-repair", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        awaitReplicasAgree();
    }

    /** Once idle, every replica is normal in one view, at one commit number, node count and state digest. */
    private void awaitReplicasAgree() {
        await("replicas normal at one commit number, node count and state digest").atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<List<Object>> figures = new ArrayList<>();
                    for (int id = 1; id <= cluster.size(); id++) {
                        int replica = id;
                        cluster.status(id).filter(s -> s.replicaStatus().equals("normal"))
                                .ifPresent(s -> cluster.stateDigest(replica).ifPresent(digest ->
                                        figures.add(List.of(s.view(), s.commit(), s.nodeCount(), digest))));
                    }
                    return figures.size() == cluster.size() && figures.stream().distinct().count() == 1;
                });
    }

    // ---- registers ----

    private void awaitRegisterProgress(RegisterWorkload registers, long opsAtKill) {
        await("register clients complete operations after the restart").atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).until(() -> registers.history().operations().stream()
                        .skip(opsAtKill).filter(op -> !op.isUnknown()).count() >= 30);
    }

    private void checkHistory(RegisterWorkload registers) throws Exception {
        List<Operation> ops = registers.history().operations();
        assertThat(registers.unexpected()).as("unexpected client errors").isEmpty();
        assertThat(RegisterChecks.versionConflicts(ops)).as("data versions with two values").isEmpty();
        LinearizabilityChecker.Verdict verdict = new LinearizabilityChecker(CHECKER_STEPS_MAX)
                .check(ops, registers.initialValues());
        assertThat(verdict.linearizable()).as(verdict.explanation()).isTrue();
        Map<String, Observed> now = new LinkedHashMap<>();
        try (ZooKeeper zk = ClusterClients.connect(cluster, 1, SESSION_TIMEOUT_MS)) {
            for (String key : registers.keys()) {
                Stat stat = new Stat();
                now.put(key, new Observed(RegisterWorkload.decode(zk.getData(key, false, stat)), stat.getVersion()));
            }
        }
        assertThat(RegisterChecks.lostWrites(RegisterChecks.lastAcknowledgedWrites(ops), now))
                .as("acknowledged register writes lost").isEmpty();
        assertThat(RegisterChecks.appliedMoreThanIssued(ops, now)).as("register writes applied twice").isEmpty();
    }

    // ---- damage ----

    private List<Path> segments(int id) throws IOException {
        Path wal = cluster.dataDir(id).resolve("wal");
        if (!Files.isDirectory(wal)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(wal)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
        }
    }

    /**
     * Flips a byte of the length of two entry records of a segment, a third and two thirds of the way through its
     * entries, so complete batches follow each flip: damage after a sync, not a torn tail, and damage the log cannot
     * read past (a record whose length is intact would be a hole, repaired by itself).
     */
    private static List<String> breakEntryLengths(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<int[]> entries = new ArrayList<>();
        int position = WAL_HEADER_BYTES;
        while (position + WAL_RECORD_PREFIX_BYTES <= bytes.limit() && bytes.getInt(position) > 0) {
            int length = bytes.getInt(position);
            if (bytes.get(position + WAL_RECORD_PREFIX_BYTES) == WAL_TYPE_ENTRY) {
                entries.add(new int[] {position, length});
            }
            position += WAL_RECORD_PREFIX_BYTES + length;
        }
        List<String> flipped = new ArrayList<>();
        if (entries.size() < 3) {
            return flipped;
        }
        for (int[] entry : List.of(entries.get(entries.size() / 3), entries.get(entries.size() * 2 / 3))) {
            int offset = entry[0] + 1;
            flipByte(segment, offset);
            flipped.add(segment.getFileName() + "@" + offset);
        }
        return flipped;
    }

    /** Flips a byte in the middle of every copy of {@code content} in {@code file}. */
    private static List<String> flipInsideEveryCopy(Path file, byte[] content) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<String> flipped = new ArrayList<>();
        for (int at = 0; at + content.length <= bytes.length; at++) {
            if (Arrays.equals(bytes, at, at + content.length, content, 0, content.length)) {
                int offset = at + content.length / 2;
                flipByte(file, offset);
                flipped.add(file.getFileName() + "@" + offset);
            }
        }
        return flipped;
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x41));
            channel.write(one.rewind(), offset);
            channel.force(true);
        }
    }

    private static void deleteContents(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(directory)) {
                    Files.delete(p);
                }
            }
        }
    }
}
