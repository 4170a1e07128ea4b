package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.server.Main;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Import and export on ZooKeeper data directories written by a real ZooKeeper server in this JVM, run three times
 * on the same directories: three snapshots (one per start) and three transaction logs. Damaged input is refused and
 * leaves no target behind.
 */
class ZooKeeperImportTest {
    @TempDir
    Path dir;
    private Path zkData;
    private Path zkLogs;
    /** A session left open when ZooKeeper stops, with an ephemeral: it must come across. */
    private ZooKeeper lingering;
    /** The running ZooKeeper server's address, while {@link #runZooKeeper} runs. */
    private String connectString;

    @org.junit.jupiter.api.AfterEach
    void closeLingering() throws InterruptedException {
        if (lingering != null) {
            lingering.close(100);
        }
    }

    @BeforeEach
    void writeZooKeeperData() throws Exception {
        zkData = dir.resolve("zk/data");
        zkLogs = dir.resolve("zk/logs");
        for (int round = 0; round < 3; round++) {
            int r = round;
            runZooKeeper(zk -> {
                if (r == 2) {
                    lingering = new ZooKeeper(connectString, 30_000, event -> { });
                    org.awaitility.Awaitility.await().until(() -> lingering.getState().isConnected());
                    lingering.create("/round-2-owner", null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
                }
                zk.create("/round-" + r, ("data " + r).getBytes(StandardCharsets.UTF_8), Ids.OPEN_ACL_UNSAFE,
                        CreateMode.PERSISTENT);
                for (int i = 0; i < 20; i++) {
                    zk.create("/round-" + r + "/n-", new byte[i], Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT_SEQUENTIAL);
                }
                zk.setData("/round-" + r, null, -1);
            });
        }
        assertThat(files(zkData, "snapshot.")).hasSize(3);
        assertThat(files(zkLogs, "log.")).hasSize(3);
    }

    @Test
    void shouldWriteReplicaDirectoriesThatAReplicaAdoptsOnItsFirstStart() throws Exception {
        Path target = dir.resolve("vk");
        String output = run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir",
                zkLogs.toString(), "--data-dir", target.toString(), "--replicas", "3");
        assertThat(output).contains("imported 68 znodes and 1 sessions (1 ephemerals)");
        ZooKeeperDataDir.Loaded source = ZooKeeperDataDir.read(zkData, zkLogs);
        for (int i = 1; i <= 3; i++) {
            Path replica = target.resolve("replica-" + i);
            assertThat(replica.resolve(ReplicaDisk.IMPORT_MARKER)).exists();
            ReplicaDisk.Identity identity = new ReplicaDisk.Identity(7, i, "members");
            try (ReplicaDisk disk = ReplicaDisk.open(replica, identity, WriteAheadLog.Options.defaults())) {
                assertThat(disk.start().kind()).isEqualTo(ReplicaDisk.Kind.INTACT);
                assertThat(disk.start().durable().checkpoint().op()).isEqualTo(source.lastZxid());
                assertThat(disk.start().image().tree().get("/round-2").data()).isNull();
                assertThat(disk.start().image().tree().digest()).as("the streamed records rebuild the tree a "
                        + "conversion to a tree gives").isEqualTo(ZooKeeperImport.toImage(source).tree().digest());
            }
            assertThat(replica.resolve(ReplicaDisk.IMPORT_MARKER)).doesNotExist();
            try (ReplicaDisk disk = ReplicaDisk.open(replica, identity, WriteAheadLog.Options.defaults())) {
                assertThat(disk.start().kind()).as("adopted once, then its own").isEqualTo(ReplicaDisk.Kind.INTACT);
            }
        }
        assertThat(dir.resolve("zk")).as("nothing written into ZooKeeper's directories")
                .isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
    }

    @Test
    void shouldExportWhatZooKeeperLoadsBackNodeForNode() throws Exception {
        Path target = dir.resolve("vk");
        run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir", zkLogs.toString(),
                "--data-dir", target.toString());
        Path back = Files.createDirectories(dir.resolve("back/version-2"));
        ZooKeeperDataDir.Loaded source = ZooKeeperDataDir.read(zkData, zkLogs);
        Path file = back.resolve("snapshot." + Long.toHexString(source.lastZxid()));
        String output = run("export", "--zookeeper-snapshot", file.toString(), "--data-dir", target.toString());
        assertThat(output).contains("exported 68 znodes and 1 sessions");
        assertThat(target.resolve(ReplicaDisk.IMPORT_MARKER)).as("the stopped directory is not changed").exists();
        ZooKeeperDataDir.Loaded reloaded = ZooKeeperDataDir.read(dir.resolve("back"), dir.resolve("back"));
        assertThat(reloaded.lastZxid()).isEqualTo(source.lastZxid());
        assertThat(reloaded.tree().getNodeCount()).isEqualTo(source.tree().getNodeCount());
        for (String path : paths(source.tree())) {
            DataNode a = source.tree().getNode(path);
            DataNode b = reloaded.tree().getNode(path);
            assertThat(b).as(path).isNotNull();
            if (path.equals("/zookeeper/config")) {
                continue;
            }
            assertThat(b.getData()).as(path).isEqualTo(a.getData());
            assertThat(statOf(b)).as(path).isEqualTo(statOf(a));
            assertThat(reloaded.tree().getACL(b)).as(path).isEqualTo(source.tree().getACL(a));
        }
        assertThat(reloaded.sessions()).isEqualTo(source.sessions()).hasSize(1);
        assertThat(run("export", "--zookeeper-snapshot", back.resolve("snapshot.1.gz").toString(), "--data-dir",
                target.toString())).contains("uncompressed");

        Path backup = Files.move(file, dir.resolve("backup.bin"));
        Path restored = dir.resolve("restored");
        assertThat(run("import", "--zookeeper-snapshot", backup.toString(), "--data-dir", restored.toString()))
                .contains("imported 68 znodes and 1 sessions");
        assertThat(ZooKeeperImport.toImage(ZooKeeperDataDir.readSnapshotFile(backup)).tree().digest())
                .as("a backup taken by export and imported again is the same state")
                .isEqualTo(ZooKeeperImport.toImage(source).tree().digest());
    }

    @Test
    void shouldImportIntoARunningEmptyGroupMovingItsZxidsUpAndResumingZooKeepersSessions() throws Exception {
        String token = "import-token-0123456789";
        io.viewkeeper.server.NodeConfig config = io.viewkeeper.server.NodeConfig.forTesting(dir.resolve("node"));
        try (io.viewkeeper.server.ViewkeeperNode node = io.viewkeeper.server.ViewkeeperNode.start(
                config.withAdmin(config.admin().withToken(token)))) {
            ZooKeeperDataDir.Loaded source = ZooKeeperDataDir.read(zkData, zkLogs);
            String admin = node.adminAddress().getHostString() + ":" + node.adminAddress().getPort();
            ZooKeeper before = connect(node.connectString(), 0, null);
            assertThat(before.exists("/round-0", false)).isNull();
            before.close();

            String output = run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir",
                    zkLogs.toString(), "--admin", admin, "--auth", "Bearer " + token);
            assertThat(output).contains("imported 69 znodes and 1 sessions").contains("last_zxid");

            long sessionId = source.sessions().keySet().iterator().next();
            ZooKeeper resumed = connect(node.connectString(), sessionId, ZooKeeperImport.zooKeeperPassword(sessionId));
            assertThat(resumed.getSessionId()).as("ZooKeeper's session resumes with its password").isEqualTo(sessionId);
            org.apache.zookeeper.data.Stat owner = resumed.exists("/round-2-owner", false);
            assertThat(owner.getEphemeralOwner()).isEqualTo(sessionId);
            DataNode round = source.tree().getNode("/round-1");
            org.apache.zookeeper.data.Stat stat = resumed.exists("/round-1", false);
            assertThat(stat.getMzxid()).isEqualTo(round.stat.getMzxid());
            assertThat(stat.getCversion()).isEqualTo(round.stat.getCversion());
            String created = resumed.create("/after-import", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(resumed.exists(created, false).getCzxid()).as("zxids go on above ZooKeeper's")
                    .isGreaterThan(source.lastZxid());
            resumed.close();

            assertThat(run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir",
                    zkLogs.toString(), "--admin", admin, "--auth", "Bearer " + token))
                    .as("the group is no longer empty").contains("409").contains("nothing was changed");
            ZooKeeper after = connect(node.connectString(), 0, null);
            assertThat(after.exists("/after-import", false)).as("the refused import changed nothing").isNotNull();
            after.close();
            assertThat(run("import", "--zookeeper-data-dir", zkData.toString(), "--admin", admin, "--data-dir",
                    dir.resolve("both").toString())).contains("either --data-dir");

            java.net.http.HttpResponse<String> checkpoint = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + admin
                            + "/commands/checkpoint")).header("Authorization", "Bearer " + token)
                            .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(checkpoint.statusCode()).as("a checkpoint above the moved zxids: %s", checkpoint.body())
                    .isEqualTo(200);
        }
        try (io.viewkeeper.server.ViewkeeperNode again = io.viewkeeper.server.ViewkeeperNode.start(
                config.withAdmin(config.admin().withToken(token)))) {
            ZooKeeper client = connect(again.connectString(), 0, null);
            long before = client.exists("/after-import", false).getCzxid();
            String created = client.create("/after-restart", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(client.exists(created, false).getCzxid()).as("a restart from that checkpoint goes on above")
                    .isGreaterThan(before);
            client.close();
        }
    }

    private static ZooKeeper connect(String connectString, long sessionId, byte[] password) throws Exception {
        ZooKeeper client = password == null ? new ZooKeeper(connectString, 30_000, event -> { })
                : new ZooKeeper(connectString, 30_000, event -> { }, sessionId, password);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        return client;
    }

    @Test
    void shouldReplayTheLogsAfterAnOlderSnapshotToTheSameState() throws Exception {
        ZooKeeperDataDir.Loaded newest = ZooKeeperDataDir.read(zkData, zkLogs);
        Files.delete(files(zkData, "snapshot.").get(2));
        ZooKeeperDataDir.Loaded older = ZooKeeperDataDir.read(zkData, zkLogs);
        assertThat(older.transactions()).isGreaterThan(newest.transactions());
        assertThat(ZooKeeperImport.toImage(older).tree().digest())
                .isEqualTo(ZooKeeperImport.toImage(newest).tree().digest());
    }

    @Test
    void shouldReadSnapshotsZooKeeperWroteCompressed() throws Exception {
        long plain = ZooKeeperImport.toImage(ZooKeeperDataDir.read(zkData, zkLogs)).tree().digest();
        Path newest = files(zkData, "snapshot.").get(2);
        byte[] bytes = Files.readAllBytes(newest);
        Path gz = newest.resolveSibling(newest.getFileName() + ".gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(bytes);
        }
        Files.delete(newest);
        assertThat(ZooKeeperImport.toImage(ZooKeeperDataDir.read(zkData, zkLogs)).tree().digest()).isEqualTo(plain);
        Path snappy = newest.resolveSibling(newest.getFileName() + ".snappy");
        try (var out = new org.xerial.snappy.SnappyOutputStream(Files.newOutputStream(snappy))) {
            out.write(bytes);
        }
        Files.delete(gz);
        assertThat(ZooKeeperImport.toImage(ZooKeeperDataDir.read(zkData, zkLogs)).tree().digest()).isEqualTo(plain);
    }

    @Test
    void shouldTakeTheNextCounterOrTheFirstOfALaterEpochAsFollowing() {
        assertThat(ZooKeeperDataDir.follows(0x100000005L, 0x100000006L)).isTrue();
        assertThat(ZooKeeperDataDir.follows(0x100000005L, 0x300000001L)).isTrue();
        assertThat(ZooKeeperDataDir.follows(0x100000005L, 0x100000007L)).isFalse();
        assertThat(ZooKeeperDataDir.follows(0x100000005L, 0x200000002L)).isFalse();
        assertThat(ZooKeeperDataDir.follows(0x200000005L, 0x100000006L)).isFalse();
    }

    @Test
    void shouldRefuseAGapInTheLogs() throws Exception {
        Files.delete(files(zkData, "snapshot.").get(2));
        Files.delete(files(zkLogs, "log.").get(1));
        assertRefused("have a gap");
    }

    @Test
    void shouldRefuseATruncatedSnapshot() throws Exception {
        Path newest = files(zkData, "snapshot.").get(2);
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertRefused("is damaged");
    }

    @Test
    void shouldRefuseASnapshotThatFailsItsChecksum() throws Exception {
        Path newest = files(zkData, "snapshot.").get(2);
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw")) {
            long middle = file.length() / 2;
            file.seek(middle);
            int b = file.read();
            file.seek(middle);
            file.write(b ^ 0x40);
        }
        assertRefused("is damaged");
    }

    @Test
    void shouldRefuseADirectoryThatIsNotZooKeepers() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String output = run("import", "--zookeeper-data-dir", empty.toString(), "--data-dir",
                dir.resolve("vk").toString());
        assertThat(output).contains("is not a ZooKeeper dataDir");
        assertThat(dir.resolve("vk")).doesNotExist();
    }

    @Test
    void shouldRefuseATargetThatIsNotEmpty() throws Exception {
        Path target = Files.createDirectories(dir.resolve("vk"));
        Files.writeString(target.resolve("keep"), "mine");
        String output = run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir",
                zkLogs.toString(), "--data-dir", target.toString());
        assertThat(output).contains("is not empty").contains("nothing was written");
        try (Stream<Path> entries = Files.list(target)) {
            assertThat(entries.toList()).containsExactly(target.resolve("keep"));
        }
        assertThat(Files.readString(target.resolve("keep"))).isEqualTo("mine");
    }

    @Test
    void shouldGiveSessionsThePasswordZooKeeperGaveThem() throws Exception {
        long[] seen = new long[1];
        byte[][] password = new byte[1][];
        runZooKeeper(zk -> {
            seen[0] = zk.getSessionId();
            password[0] = zk.getSessionPasswd();
        });
        assertThat(ZooKeeperImport.zooKeeperPassword(seen[0])).isEqualTo(password[0]);
    }

    private void assertRefused(String reason) throws IOException {
        Path target = dir.resolve("vk");
        String output = run("import", "--zookeeper-data-dir", zkData.toString(), "--zookeeper-log-dir",
                zkLogs.toString(), "--data-dir", target.toString(), "--replicas", "3");
        assertThat(output).contains(reason).contains("nothing was written");
        assertThat(target).doesNotExist();
    }

    private static StatPersisted statOf(DataNode node) {
        return node.stat;
    }

    private static List<String> paths(DataTree tree) {
        List<String> paths = new ArrayList<>();
        List<String> pending = new ArrayList<>(List.of("/"));
        while (!pending.isEmpty()) {
            String path = pending.remove(pending.size() - 1);
            paths.add(path);
            for (String child : tree.getNode(path).getChildren()) {
                pending.add(path.equals("/") ? "/" + child : path + "/" + child);
            }
        }
        return paths;
    }

    /** The files of ZooKeeper's version-2 directory with this prefix, oldest first. */
    private static List<Path> files(Path zkDir, String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(zkDir.resolve("version-2"))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted((a, b) -> Long.compareUnsigned(zxidOf(a), zxidOf(b))).toList();
        }
    }

    private static long zxidOf(Path file) {
        String name = file.getFileName().toString();
        return Long.parseUnsignedLong(name.substring(name.indexOf('.') + 1), 16);
    }

    @FunctionalInterface
    interface Work {
        void run(ZooKeeper zk) throws Exception;
    }

    /** Starts a ZooKeeper server on the test's directories, runs {@code work} with a client, stops it. */
    private void runZooKeeper(Work work) throws Exception {
        // ZooKeeperServer passes its first directory to FileTxnSnapLog as the transaction log directory.
        ZooKeeperServer server = new ZooKeeperServer(zkLogs.toFile(), zkData.toFile(), 2000);
        ServerCnxnFactory factory = ServerCnxnFactory.createFactory(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        factory.startup(server);
        try {
            CountDownLatch connected = new CountDownLatch(1);
            connectString = "127.0.0.1:" + factory.getLocalPort();
            try (ZooKeeper zk = new ZooKeeper(connectString, 10_000, event -> {
                if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            })) {
                assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
                work.run(zk);
            }
        } finally {
            factory.shutdown();
            server.shutdown();
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine line = new CommandLine(new Main());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(out, true));
        line.execute(args);
        return out.toString();
    }
}
