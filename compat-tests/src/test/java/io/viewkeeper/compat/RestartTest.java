package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.DiskSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes stopped and started again on their data directories, one node and a group of three: every acknowledged
 * write is there again with its zxid and stat, sessions and their ephemerals too; a replica whose log was damaged
 * or whose directory was wiped gets the state back from its peers; a damaged single node refuses to start.
 */
class RestartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private final List<ZooKeeper> clients = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ZooKeeper zk : clients) {
            zk.close(1000);
        }
        nodes.forEach(ViewkeeperNode::close);
    }

    private ZooKeeper connect(String connectString, int sessionTimeoutMs) throws IOException {
        ZooKeeper zk = new ZooKeeper(connectString, sessionTimeoutMs, event -> { });
        clients.add(zk);
        await().atMost(WAIT).until(() -> zk.getState().isConnected());
        return zk;
    }

    private static Map<String, Stat> writeTree(ZooKeeper zk, String prefix, int count) throws Exception {
        Map<String, Stat> written = new LinkedHashMap<>();
        zk.create(prefix, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (int i = 0; i < count; i++) {
            String path = prefix + "/n" + i;
            zk.create(path, ("v" + i).getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            if (i % 3 == 0) {
                zk.setData(path, ("w" + i).getBytes(StandardCharsets.UTF_8), -1);
            }
            written.put(path, zk.exists(path, false));
        }
        return written;
    }

    private static void assertTree(ZooKeeper zk, Map<String, Stat> written) throws Exception {
        for (Map.Entry<String, Stat> e : written.entrySet()) {
            Stat stat = new Stat();
            byte[] data = zk.getData(e.getKey(), false, stat);
            assertThat(stat).as(e.getKey()).isEqualTo(e.getValue());
            int i = Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('n') + 1));
            assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo((i % 3 == 0 ? "w" : "v") + i);
        }
    }

    private ViewkeeperNode startSingle(Path dir, int port) throws IOException {
        NodeConfig config = NodeConfig.forTesting(dir).withClientPort(port)
                .withDisk(DiskSettings.defaults().withCheckpointOps(150));
        ViewkeeperNode node = ViewkeeperNode.start(config);
        nodes.add(node);
        return node;
    }

    @Test
    void shouldKeepEveryWriteSessionAndEphemeralWhenOneNodeRestarts() throws Exception {
        Path dir = Files.createDirectories(root.resolve("single"));
        ViewkeeperNode node = startSingle(dir, 0);
        int port = node.clientPort();
        ZooKeeper zk = connect(node.connectString(), 30_000);
        Map<String, Stat> written = writeTree(zk, "/a", 400);
        zk.create("/owned", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        long sessionId = zk.getSessionId();
        Stat lastWrite = zk.setData("/a", new byte[] {1}, -1);
        node.close();
        nodes.remove(node);

        ViewkeeperNode again = startSingle(dir, port);
        await().atMost(WAIT).until(() -> zk.getState().isConnected() && zk.exists("/a", false) != null);
        assertThat(zk.getSessionId()).isEqualTo(sessionId);
        assertTree(zk, written);
        assertThat(zk.exists("/owned", false).getEphemeralOwner()).isEqualTo(sessionId);
        Stat next = zk.setData("/a", new byte[] {2}, -1);
        assertThat(next.getMzxid()).as("zxids continue after the restart").isGreaterThan(lastWrite.getMzxid());
        assertThat(Files.list(dir.resolve("checkpoint")).count()).isPositive();
        again.close();
    }

    @Test
    void shouldRefuseToStartSingleNodeWhoseLogIsDamaged() throws Exception {
        Path dir = Files.createDirectories(root.resolve("damaged-single"));
        ViewkeeperNode node = startSingle(dir, 0);
        ZooKeeper zk = connect(node.connectString(), 30_000);
        writeTree(zk, "/d", 100);
        node.close();
        nodes.remove(node);
        flipByteInEveryLogSegment(dir, 200);
        assertThatThrownBy(() -> startSingle(dir, 0)).isInstanceOf(IOException.class)
                .hasMessageContaining("failed its checks").hasMessageContaining("no peer to repair it from");
    }

    // ---- three replicas ----

    private List<NodeConfig> groupConfigs(Path dir) throws IOException {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            String host = "127.0.0." + id;
            members.add(new NodeConfig.Member(id, host, freePort(host), freePort(host)));
        }
        List<NodeConfig> configs = new ArrayList<>();
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())))
                    .withDisk(DiskSettings.defaults().withCheckpointOps(120)).withMembers(members, m.id());
            configs.add(base);
        }
        return configs;
    }

    private List<ViewkeeperNode> startGroup(List<NodeConfig> configs) throws IOException {
        List<ViewkeeperNode> started = new ArrayList<>();
        for (NodeConfig config : configs) {
            ViewkeeperNode node = ViewkeeperNode.start(config);
            nodes.add(node);
            started.add(node);
        }
        return started;
    }

    private static String connectString(List<ViewkeeperNode> group) {
        return String.join(",", group.stream().map(ViewkeeperNode::connectString).toList());
    }

    private void stopGroup(List<ViewkeeperNode> group) {
        group.forEach(ViewkeeperNode::close);
        nodes.removeAll(group);
    }

    @Test
    void shouldKeepEveryWriteWhenTheWholeGroupRestarts() throws Exception {
        List<NodeConfig> configs = groupConfigs(root.resolve("group"));
        List<ViewkeeperNode> group = startGroup(configs);
        ZooKeeper zk = connect(connectString(group), 30_000);
        Map<String, Stat> written = writeTree(zk, "/g", 300);
        stopGroup(group);

        List<ViewkeeperNode> again = startGroup(configs);
        await().atMost(WAIT).ignoreExceptions().until(() -> zk.getState().isConnected()
                && zk.exists("/g", false) != null);
        assertTree(zk, written);
        zk.create("/g/after", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        awaitSameDigest(again);
    }

    @Test
    void shouldRepairReplicaWhoseLogWasDamagedFromItsPeers() throws Exception {
        List<NodeConfig> configs = groupConfigs(root.resolve("repair"));
        List<ViewkeeperNode> group = startGroup(configs);
        ZooKeeper zk = connect(connectString(group), 30_000);
        Map<String, Stat> written = writeTree(zk, "/r", 200);
        stopGroup(group);
        flipByteInEveryLogSegment(configs.get(1).dataDir(), 150);

        List<ViewkeeperNode> again = startGroup(configs);
        await().atMost(WAIT).ignoreExceptions().until(() -> zk.getState().isConnected()
                && zk.exists("/r", false) != null);
        assertTree(zk, written);
        awaitSameDigest(again);
        ZooKeeper onRepaired = connect(again.get(1).connectString(), 30_000);
        assertTree(onRepaired, written);
    }

    @Test
    void shouldRefillReplicaWhoseDirectoryWasWipedFromItsPeers() throws Exception {
        List<NodeConfig> configs = groupConfigs(root.resolve("wipe"));
        List<ViewkeeperNode> group = startGroup(configs);
        ZooKeeper zk = connect(connectString(group), 30_000);
        Map<String, Stat> written = writeTree(zk, "/w", 200);
        stopGroup(group);
        deleteContents(configs.get(2).dataDir());

        List<ViewkeeperNode> again = startGroup(configs);
        awaitSameDigest(again);
        ZooKeeper onWiped = connect(again.get(2).connectString(), 30_000);
        await().atMost(WAIT).ignoreExceptions().until(() -> onWiped.exists("/w", false) != null);
        assertTree(onWiped, written);
    }

    private static void awaitSameDigest(List<ViewkeeperNode> group) {
        await("every replica has the same tree").atMost(WAIT).ignoreExceptions().until(() -> {
            List<String> digests = new ArrayList<>();
            for (ViewkeeperNode node : group) {
                digests.add(fourLetterWord(node, "hash").trim());
            }
            return digests.stream().distinct().count() == 1 && !digests.get(0).isEmpty();
        });
    }

    static String fourLetterWord(ViewkeeperNode node, String word) throws IOException {
        String[] hostPort = node.connectString().split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Flips one byte {@code offset} bytes into the records of every log segment of a data directory. */
    static void flipByteInEveryLogSegment(Path dataDir, int offset) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(dataDir.resolve("wal"))) {
            segments = files.filter(p -> p.toString().endsWith(".wal")).toList();
        }
        assertThat(segments).isNotEmpty();
        for (Path segment : segments) {
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(1);
                channel.read(one, 64 + offset);
                one.put(0, (byte) (one.get(0) ^ 0x41));
                channel.write(one.rewind(), 64 + offset);
            }
        }
    }

    static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static int freePort(String host) throws IOException {
        return io.viewkeeper.server.TestPorts.free(host);
    }
}
