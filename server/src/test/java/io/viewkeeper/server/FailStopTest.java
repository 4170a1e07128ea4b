package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica thread that throws stops its node at once (fail-stop): the node hands the failure to its {@link FailStop}
 * with the exit code Main exits with, stops serving clients, and the rest of the group carries on without it.
 */
class FailStopTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(ViewkeeperNode::close);
    }

    @Test
    void shouldStopNodeAndKeepGroupServingWhenReplicaThreadThrows() throws Exception {
        AtomicInteger exitCode = new AtomicInteger(-1);
        AtomicReference<Throwable> cause = new AtomicReference<>();
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            NodeConfig config = base.withMembers(members, m.id()).withAdmin(base.admin().withAddress(m.host()));
            nodes.add(m.id() == 1 ? ViewkeeperNode.start(config, (code, failure) -> {
                exitCode.set(code);
                cause.set(failure);
            }) : ViewkeeperNode.start(config));
        }
        ZooKeeper client = new ZooKeeper(nodes.get(1).connectString(), 30_000, event -> { });
        try {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.create("/before", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

            nodes.get(0).executeOnReplicaThread(() -> {
                throw new IllegalStateException("invariant violated: planted");
            });
            await("the node stops").atMost(TIMEOUT).until(() -> exitCode.get() >= 0);
            assertThat(exitCode.get()).isEqualTo(FailStop.EXIT_BROKEN_INVARIANT);
            assertThat(cause.get()).hasMessageContaining("planted");
            assertThat(nodes.get(0).stoppedBy()).isSameAs(cause.get());

            client.create("/after", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(client.exists("/before", false)).isNotNull();
            assertThat(client.exists("/after", false)).as("the other two replicas carry on").isNotNull();
        } finally {
            client.close();
        }
        nodes.get(0).close();
        InetSocketAddress stopped = new InetSocketAddress(members.get(0).host(), nodes.get(0).clientPort());
        assertThat(refuses(stopped)).as("the stopped node serves no client").isTrue();
    }

    @Test
    void shouldCloseItselfWhenStartedWithoutAFailStopHandler() throws Exception {
        ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(Files.createDirectories(dir.resolve("one"))));
        nodes.add(node);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), node.clientPort());
        node.executeOnReplicaThread(() -> {
            throw new AssertionError("planted error");
        });
        await("the node closes itself").atMost(TIMEOUT).until(() -> refuses(address));
        assertThat(node.stoppedBy()).hasMessage("planted error");
    }

    private static boolean refuses(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 1000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

}
