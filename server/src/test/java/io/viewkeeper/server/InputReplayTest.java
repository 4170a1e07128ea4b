package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.replay.InputReplay;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code debug.inputLog}: every replica of a group writes the inputs its consensus core consumed, and
 * {@code viewkeeper replay-inputs} runs each file through a fresh core offline, committing every op where the
 * replica did with the same state digest, first from empty directories and then after a restart from disk. A
 * recording whose digest was altered is reported as a divergence.
 */
class InputReplayTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(ViewkeeperNode::close);
    }

    @Test
    void shouldReplayEveryReplicasInputsToTheSameDigestsFromEmptyAndAfterARestart() throws Exception {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        long digest = runGroup(members, "first", 0);
        for (NodeConfig.Member m : members) {
            InputReplay.Result replayed = InputReplay.replay(log(m, "first"));
            assertThat(replayed.complete()).as("replica %d's log ends cleanly", m.id()).isTrue();
            assertThat(replayed.commits()).as("the session, 40 writes and a multi").isGreaterThanOrEqualTo(42);
            assertThat(replayed.digest()).as("replica %d ends at the group's state", m.id()).isEqualTo(digest);
        }

        long restarted = runGroup(members, "second", 40);
        assertThat(restarted).isNotEqualTo(digest);
        for (NodeConfig.Member m : members) {
            InputReplay.Result replayed = InputReplay.replay(log(m, "second"));
            assertThat(replayed.commits()).as("replica %d after its restart from disk", m.id())
                    .isGreaterThanOrEqualTo(41);
            assertThat(replayed.digest()).isEqualTo(restarted);
        }
    }

    @Test
    void shouldReportADivergenceWhenARecordedDigestDiffersAndRefuseAFileThatIsNotALog() throws Exception {
        Path logFile = dir.resolve("one.inputs");
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("one")));
        ViewkeeperNode node = ViewkeeperNode.start(base.withDisk(base.disk().withInputLog(logFile)));
        nodes.add(node);
        ZooKeeper client = connect(node);
        client.create("/a", "x".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
        client.close();
        node.close();
        InputReplay.Result clean = InputReplay.replay(logFile);
        assertThat(clean.commits()).isGreaterThanOrEqualTo(3);
        assertThat(run("replay-inputs", logFile.toString())).isZero();

        // the last commit's end record: its type, its op, then the digest after it; alter one bit of that digest
        byte[] bytes = Files.readAllBytes(logFile);
        byte[] end = ByteBuffer.allocate(17).put((byte) 15).putLong(clean.lastCommittedOp()).putLong(clean.digest())
                .array();
        int at = lastIndexOf(bytes, end);
        assertThat(at).as("the last commit's end record is in the file").isPositive();
        bytes[at + 16] ^= 1;
        Path altered = dir.resolve("altered.inputs");
        Files.write(altered, bytes);
        assertThatThrownBy(() -> InputReplay.replay(altered)).isInstanceOf(InputReplay.Divergence.class)
                .hasMessageContaining("after op " + clean.lastCommittedOp());
        assertThat(run("replay-inputs", altered.toString())).isEqualTo(1);

        byte[] unknown = Files.readAllBytes(logFile);
        unknown[at] = 99;
        Path unknownType = Files.write(dir.resolve("unknown.inputs"), unknown);
        assertThatThrownBy(() -> InputReplay.replay(unknownType)).isInstanceOf(InputReplay.MalformedLog.class)
                .hasMessageContaining("unknown type 99");
        byte[] whole = Files.readAllBytes(logFile);
        Path cut = Files.write(dir.resolve("cut.inputs"), java.util.Arrays.copyOf(whole, at + 12));
        InputReplay.Result cutShort = InputReplay.replay(cut);
        assertThat(cutShort.complete()).as("a recording cut inside a commit's records").isFalse();
        assertThat(cutShort.commits()).isEqualTo(clean.commits());

        long firstRun = Files.size(logFile);
        ViewkeeperNode again = ViewkeeperNode.start(base.withDisk(base.disk().withInputLog(logFile)));
        nodes.add(again);
        again.close();
        assertThat(dir.resolve("one.inputs.previous")).as("a start keeps the run before's log").hasSize(firstRun);
        assertThat(InputReplay.replay(logFile).lastCommittedOp()).as("the restart's own log, from its disk")
                .isEqualTo(clean.lastCommittedOp());

        Path notALog = Files.writeString(dir.resolve("zoo.cfg"), "tickTime=2000\n");
        assertThatThrownBy(() -> InputReplay.replay(notALog)).isInstanceOf(InputReplay.MalformedLog.class)
                .hasMessageContaining("not an input log");
        assertThat(run("replay-inputs", notALog.toString())).isEqualTo(2);
    }

    /** Runs the group on its directories with an input log per replica, writes, and returns the final digest. */
    private long runGroup(List<NodeConfig.Member> members, String name, int firstKey) throws Exception {
        nodes.clear();
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            NodeConfig config = base.withMembers(members, m.id()).withAdmin(base.admin().withAddress(m.host()))
                    .withDisk(base.disk().withInputLog(log(m, name)).withCheckpointOps(10));
            nodes.add(ViewkeeperNode.start(config));
        }
        ZooKeeper client = connect(nodes.get(1));
        for (int i = firstKey; i < firstKey + 40; i++) {
            client.create("/k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    i % 3 == 0 ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT);
            client.getData("/k" + i, false, null);
        }
        client.multi(List.of(Op.setData("/k" + (firstKey + 1), new byte[3], -1),
                Op.delete("/k" + (firstKey + 2), -1)));
        long sessionDigest = digestOf(nodes.get(1));
        client.close(); // its ephemerals go: one more op
        await().atMost(TIMEOUT).until(() -> {
            long first = digestOf(nodes.get(0));
            return first != sessionDigest && first == digestOf(nodes.get(1)) && first == digestOf(nodes.get(2));
        });
        long digest = digestOf(nodes.get(0));
        for (ViewkeeperNode node : nodes) {
            node.close();
        }
        nodes.clear();
        return digest;
    }

    private Path log(NodeConfig.Member m, String name) {
        return dir.resolve(name + "-" + m.id() + ".inputs");
    }

    private static ZooKeeper connect(ViewkeeperNode node) throws Exception {
        ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        return client;
    }

    /** The state digest, read on the node's replica thread. */
    private static long digestOf(ViewkeeperNode node) throws Exception {
        CompletableFuture<Long> digest = new CompletableFuture<>();
        node.executeOnReplicaThread(() -> digest.complete(node.stateDigest()));
        return digest.get(10, TimeUnit.SECONDS);
    }

    private static int run(String... args) {
        CommandLine line = Main.commandLine();
        line.setOut(new PrintWriter(new ByteArrayOutputStream(), true));
        line.setErr(new PrintWriter(new ByteArrayOutputStream(), true));
        return line.execute(args);
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            boolean match = true;
            for (int j = 0; j < needle.length && match; j++) {
                match = haystack[i + j] == needle[j];
            }
            if (match) {
                return i;
            }
        }
        return -1;
    }
}
