package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.frontend.RestoreListener;
import io.viewkeeper.server.admin.NodeAccess;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica takes no checkpoint while a restore's parts are staged: one restarted between the parts replays them
 * from its log, so the last part replaces its state exactly as it does everywhere else. Driven part by part on the
 * replica thread, so the restart falls between the parts every time.
 */
class RestoreStagingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<NodeConfig> configs = new ArrayList<>();
    private final ViewkeeperNode[] nodes = new ViewkeeperNode[3];

    @AfterEach
    void stop() {
        for (ViewkeeperNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }

    /** Runs {@code task} on the node's replica thread and returns what it answers. */
    private static <T> T onReplicaThread(ViewkeeperNode node, java.util.function.Function<NodeAccess, T> task)
            throws Exception {
        CompletableFuture<T> answer = new CompletableFuture<>();
        NodeAccess access = node.access();
        assertThat(access.offer(() -> answer.complete(task.apply(access)))).isTrue();
        return answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Submits one restore op through the node and waits until it applied there; returns its result. */
    private static Result submit(ViewkeeperNode node, Operation op) throws Exception {
        CompletableFuture<Result> applied = new CompletableFuture<>();
        RestoreListener listener = (zxid, result) -> applied.complete(result);
        assertThat(node.access().offer(() -> node.access().submitRestore(op, listener))).isTrue();
        return applied.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static long digest(ViewkeeperNode node) throws Exception {
        return onReplicaThread(node, access -> access.stateMachine().tree().digest());
    }

    @Test
    void shouldTakeNoCheckpointWhilePartsAreStagedAndReplayThemAfterARestart() throws Exception {
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            configs.add(base.withMembers(members, m.id()).withAdmin(base.admin().withAddress(m.host()))
                    .withDisk(base.disk().withCheckpointOps(1)));
        }
        for (int i = 0; i < 3; i++) {
            nodes[i] = ViewkeeperNode.start(configs.get(i));
        }
        byte[] image = image();
        List<Operation.RestorePart> parts = List.of(
                new Operation.RestorePart(77, 0, false, Operation.RestoreState.Mode.RAISE,
                        Arrays.copyOfRange(image, 0, image.length / 2)),
                new Operation.RestorePart(77, 1, true, Operation.RestoreState.Mode.RAISE,
                        Arrays.copyOfRange(image, image.length / 2, image.length)));
        await().atMost(TIMEOUT).ignoreExceptions().until(() -> submit(nodes[1], parts.get(0)) instanceof Result.Done);
        for (ViewkeeperNode node : nodes) {
            await().atMost(TIMEOUT).until(() -> onReplicaThread(node, access -> access.stateMachine().restoreStaged()));
            boolean taken = onReplicaThread(node, NodeAccess::requestCheckpoint);
            assertThat(taken).as("no checkpoint while staged").isFalse();
        }

        nodes[2].close();
        nodes[2] = ViewkeeperNode.start(configs.get(2));
        await().atMost(TIMEOUT).until(() -> onReplicaThread(nodes[2],
                access -> access.stateMachine().restoreStaged()));

        assertThat(submit(nodes[1], parts.get(1))).isInstanceOf(Result.Done.class);
        long expected = TreeSnapshot.read(image).tree().digest();
        for (ViewkeeperNode node : nodes) {
            await().atMost(TIMEOUT).untilAsserted(() -> assertThat(digest(node)).isEqualTo(expected));
            boolean staged = onReplicaThread(node, access -> access.stateMachine().restoreStaged());
            assertThat(staged).isFalse();
        }
    }

    /** A state of a few znodes, as a restore carries it. */
    private static byte[] image() throws IOException {
        ZnodeStateMachine machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), true, false);
        for (int i = 1; i <= 20; i++) {
            machine.apply(i, new Txn(0, i, 1_700_000_000_000L + i, List.of(),
                    new Operation.Create(1, "/restored" + i, ("value " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), Acl.OPEN, 0, -1)));
        }
        return TreeSnapshot.write(machine);
    }
}
