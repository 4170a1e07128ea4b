package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses;
import io.viewkeeper.cluster.ViewkeeperCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.StatsTrack;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.cli.SetQuotaCommand;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way in and back out, against a real ZooKeeper 3.9: a populated ZooKeeper (every node kind, ACLs of every
 * scheme, a quota, a 1,000,000-byte value, live sessions with ephemerals, a transaction log tail after its
 * snapshot) is stopped under its clients, imported into a three-replica group, and every znode compared through the
 * client (data, Stat, ACL); the clients carry on with their sessions on the group; then the group's snapshot is
 * exported and loaded by a fresh ZooKeeper 3.9, and compared again.
 */
class MigrationRoundTripTest {
    private static final int LIVE_TIMEOUT_MS = 40_000;
    private static final int EXPIRING_TIMEOUT_MS = 12_000;
    /** Describes the membership, which is the group's own after an import. */
    private static final String CONFIG_NODE = "/zookeeper/config";

    @TempDir
    Path dir;

    /** One znode as a client sees it. */
    record Seen(byte[] data, Stat stat, List<ACL> acl) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Seen s && Arrays.equals(data, s.data) && stat.equals(s.stat) && acl.equals(s.acl);
        }

        @Override
        public int hashCode() {
            return stat.hashCode();
        }

        @Override
        public String toString() {
            return "data " + (data == null ? "null" : data.length + " bytes") + ", stat " + stat + ", acl " + acl;
        }
    }

    @Test
    void shouldCarryEveryZnodeAndLiveSessionIntoTheGroupAndBackIntoZooKeeper() throws Exception {
        ServerSettings settings = ServerSettings.defaults();
        ReferenceZooKeeper zookeeper = ReferenceZooKeeper.start(settings, dir.resolve("zookeeper"));
        ZooKeeper live1;
        ZooKeeper live2;
        ZooKeeper expiring;
        Map<String, Seen> before;
        try {
            live1 = connect(zookeeper.connectString(), LIVE_TIMEOUT_MS);
            live2 = connect(zookeeper.connectString(), LIVE_TIMEOUT_MS);
            expiring = connect(zookeeper.connectString(), EXPIRING_TIMEOUT_MS);
            populate(zookeeper.connectString(), live1, live2, expiring);
            before = readTree(zookeeper.connectString());
        } finally {
            zookeeper.close();
        }
        assertThat(before).containsKeys("/app/big", "/live/one", "/live/two", "/live/expiring", "/container/child",
                "/ttl", "/zookeeper/quota/app/zookeeper_limits");

        Path data1 = dir.resolve("group/data-1");
        String output = ViewkeeperCommand.run("import", "--zookeeper-data-dir", zookeeper.snapDir().toString(),
                "--zookeeper-log-dir", zookeeper.logDir().toString(), "--data-dir", data1.toString());
        Matcher replayed = Pattern.compile("and (\\d+) logged transactions after it").matcher(output);
        assertThat(replayed.find()).as(output).isTrue();
        assertThat(Long.parseLong(replayed.group(1))).as("a log tail after the snapshot").isGreaterThan(10);
        assertThat(ViewkeeperCommand.run("import", "--zookeeper-data-dir", zookeeper.snapDir().toString(),
                "--zookeeper-log-dir", zookeeper.logDir().toString(), "--data-dir", data1.toString()))
                .as("a second import into the same directory").contains("is not empty");

        ClusterProcesses.Settings groupSettings = ClusterProcesses.Settings.of(3)
                .withConfig("superDigest", ServerSettings.SUPER_DIGEST).withConfig("extendedTypesEnabled", "true");
        try (ClusterProcesses group = ClusterProcesses.prepare(groupSettings, dir.resolve("group"))) {
            for (int id = 2; id <= 3; id++) {
                copyTree(data1, group.dataDir(id));
            }
            group.startAll();
            Map<String, Seen> imported = readTree(group.connectString());
            assertSameTrees(imported, before);
            java.util.Set<String> digests = new java.util.HashSet<>();
            for (int id = 1; id <= 3; id++) {
                digests.add(hashDigest(group.adminAddress(id)));
            }
            assertThat(digests).as("the digest hash prints is the same on every replica").hasSize(1);

            long sessionBefore = live1.getSessionId();
            live1.updateServerList(group.connectString());
            live2.updateServerList(group.connectString());
            await().atMost(Duration.ofSeconds(30)).until(() -> live1.getState().isConnected()
                    && live2.getState().isConnected());
            assertThat(live1.getSessionId()).isEqualTo(sessionBefore);
            assertThat(live1.exists("/live/one", false).getEphemeralOwner()).isEqualTo(live1.getSessionId());
            Stat written = live1.setData("/app", "after the move".getBytes(StandardCharsets.UTF_8), -1);
            assertThat(written.getMzxid()).as("zxids go on above ZooKeeper's")
                    .isGreaterThan(before.get("/app").stat().getMzxid());
            live2.close();
            assertThat(live1.exists("/live/two", false)).as("closing a moved session removes its ephemerals")
                    .isNull();
            assertThat(wrongPasswordRefused(group.connectString(), live1.getSessionId())).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> live1.exists("/live/expiring", false) == null);
            expiring.close(100);

            Path restoredData = dir.resolve("restored/snap");
            Path version2 = Files.createDirectories(restoredData.resolve("version-2"));
            Path fetched = dir.resolve("exported");
            String exported = ViewkeeperCommand.run("export", "--zookeeper-snapshot", fetched.toString(), "--admin",
                    group.adminAddress(1), "--auth", "digest super:" + ServerSettings.SUPER_PASSWORD);
            Matcher zxid = Pattern.compile("at zxid 0x([0-9a-f]+)").matcher(exported);
            assertThat(zxid.find()).as(exported).isTrue();
            Files.move(fetched, version2.resolve("snapshot." + zxid.group(1)));
            Map<String, Seen> inGroup = readTree(group.connectString());
            long movedSession = live1.getSessionId();
            byte[] movedPassword = live1.getSessionPasswd();
            group.close();
            live1.close(100);

            ReferenceZooKeeper restored = ReferenceZooKeeper.startOn(settings, restoredData,
                    dir.resolve("restored/log"));
            try {
                assertSameTrees(readTree(restored.connectString()), inGroup);
                CountDownLatch resumed = new CountDownLatch(1);
                try (ZooKeeper back = new ZooKeeper(restored.connectString(), LIVE_TIMEOUT_MS, event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        resumed.countDown();
                    }
                }, movedSession, movedPassword)) {
                    assertThat(resumed.await(30, TimeUnit.SECONDS)).as("the session resumes on ZooKeeper").isTrue();
                    assertThat(back.getSessionId()).isEqualTo(movedSession);
                    assertThat(back.exists("/live/one", false).getEphemeralOwner()).isEqualTo(movedSession);
                }
            } finally {
                restored.close();
            }
        }
    }

    private static void populate(String connectString, ZooKeeper live1, ZooKeeper live2, ZooKeeper expiring)
            throws Exception {
        try (ZooKeeper zk = connect(connectString, LIVE_TIMEOUT_MS)) {
            zk.addAuthInfo("digest", "alice:secret".getBytes(StandardCharsets.UTF_8));
            zk.create("/app", "v0".getBytes(StandardCharsets.UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int i = 0; i < 3; i++) {
                zk.setData("/app", ("v" + (i + 1)).getBytes(StandardCharsets.UTF_8), -1);
                zk.create("/app/seq-", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
            }
            zk.delete("/app/seq-0000000001", -1);
            byte[] big = new byte[1_000_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            zk.create("/app/big", big, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/app/empty", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/acl", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/acl/digest", "d".getBytes(StandardCharsets.UTF_8), Arrays.asList(new ACL(Perms.ALL,
                    new Id("digest", DigestAuthenticationProvider.generateDigest("bob:pw")))), CreateMode.PERSISTENT);
            zk.create("/acl/ip", "i".getBytes(StandardCharsets.UTF_8), Arrays.asList(new ACL(Perms.ALL,
                    new Id("ip", "127.0.0.0/8"))), CreateMode.PERSISTENT);
            zk.create("/acl/auth", "a".getBytes(StandardCharsets.UTF_8), Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
            zk.setACL("/acl/ip", Arrays.asList(new ACL(Perms.ALL, new Id("ip", "127.0.0.1")),
                    new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE)), -1);
            zk.setACL("/acl", Ids.READ_ACL_UNSAFE, -1);
            zk.create("/container", null, Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
            zk.create("/container/child", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/ttl", "t".getBytes(StandardCharsets.UTF_8), Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT_WITH_TTL, null, 3_600_000);
            zk.create("/ttl/seq-", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, null,
                    3_600_000);
            SetQuotaCommand.createQuota(zk, "/app", new StatsTrack("count=20,bytes=-1"));
            zk.create("/app/counted", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/live", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            live1.create("/live/one", "1".getBytes(StandardCharsets.UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            live1.create("/live/one-seq-", null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
            live2.create("/live/two", "2".getBytes(StandardCharsets.UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            expiring.create("/live/expiring", null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            try (ZooKeeper closed = connect(connectString, LIVE_TIMEOUT_MS)) {
                closed.create("/live/closed", null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            }
        }
    }

    /** Every znode a super client can see, by path. */
    private static Map<String, Seen> readTree(String connectString) throws Exception {
        Map<String, Seen> tree = new TreeMap<>();
        try (ZooKeeper zk = connect(connectString, LIVE_TIMEOUT_MS)) {
            zk.addAuthInfo("digest", ("super:" + ServerSettings.SUPER_PASSWORD).getBytes(StandardCharsets.UTF_8));
            Deque<String> pending = new ArrayDeque<>(List.of("/"));
            while (!pending.isEmpty()) {
                String path = pending.poll();
                Stat stat = new Stat();
                byte[] data = zk.getData(path, false, stat);
                List<ACL> acl = zk.getACL(path, new Stat());
                tree.put(path, new Seen(data, stat, acl));
                for (String child : zk.getChildren(path, false)) {
                    pending.add(path.equals("/") ? "/" + child : path + "/" + child);
                }
            }
        }
        return tree;
    }

    private static void assertSameTrees(Map<String, Seen> actual, Map<String, Seen> expected) {
        Map<String, Seen> a = new TreeMap<>(actual);
        Map<String, Seen> e = new TreeMap<>(expected);
        a.remove(CONFIG_NODE);
        e.remove(CONFIG_NODE);
        assertThat(a.keySet()).containsExactlyElementsOf(e.keySet());
        for (String path : e.keySet()) {
            assertThat(a.get(path)).as(path).isEqualTo(e.get(path));
        }
    }

    /** The tree digest the admin hash command prints. */
    private static String hashDigest(String admin) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            String body = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + admin + "/commands/hash")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            Matcher digest = Pattern.compile("\"digest\"\\s*:\\s*\"(\\d+)\"").matcher(body);
            assertThat(digest.find()).as(body).isTrue();
            return digest.group(1);
        }
    }

    private static boolean wrongPasswordRefused(String connectString, long sessionId) throws Exception {
        CountDownLatch expired = new CountDownLatch(1);
        ZooKeeper impostor = new ZooKeeper(connectString, LIVE_TIMEOUT_MS, event -> {
            if (event.getState() == Watcher.Event.KeeperState.Expired) {
                expired.countDown();
            }
        }, sessionId, new byte[16]);
        try {
            return expired.await(30, TimeUnit.SECONDS);
        } finally {
            impostor.close(100);
        }
    }

    private static ZooKeeper connect(String connectString, int timeoutMs) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, timeoutMs, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            zk.close();
            throw new KeeperException.ConnectionLossException();
        }
        return zk;
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
