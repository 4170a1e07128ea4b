package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.metrics.PrometheusNodeMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica thread that never runs what it is given, or refuses it: every command that needs it gets a JSON 503
 * within the deadline instead of a hung request, and what does not need it is still served.
 */
class WedgedReplicaTest {
    private static final Duration DEADLINE = Duration.ofMillis(300);

    @TempDir
    Path dataDir;

    /** A node whose replica thread takes tasks (or refuses them) and never runs them. */
    private NodeAccess wedged(boolean accepts, AtomicInteger offered) {
        NodeConfig config = NodeConfig.forTesting(dataDir);
        return new NodeAccess() {
            @Override
            public boolean offer(Runnable task) {
                offered.incrementAndGet();
                return accepts;
            }

            @Override
            public Replica replica() {
                throw new AssertionError("read off the replica thread");
            }

            @Override
            public io.viewkeeper.server.GroupMembers members() {
                return io.viewkeeper.server.GroupMembers.of(config);
            }

            @Override
            public void reconfigure(io.viewkeeper.server.GroupMembers next,
                    java.util.function.Consumer<io.viewkeeper.server.MembersChange.Outcome> done) {
                throw new AssertionError("called off the replica thread");
            }

            @Override
            public FrontendReport frontend() {
                throw new AssertionError("read off the replica thread");
            }

            @Override
            public io.viewkeeper.storage.ZnodeStateMachine stateMachine() {
                throw new AssertionError("read off the replica thread");
            }

            @Override
            public void submitRestore(io.viewkeeper.storage.Operation restore,
                    io.viewkeeper.frontend.RestoreListener listener) {
                throw new AssertionError("called off the replica thread");
            }

            @Override
            public long checkpointSavingOp() {
                throw new AssertionError("called off the replica thread");
            }

            @Override
            public boolean withdrawRestore(io.viewkeeper.frontend.RestoreListener listener) {
                throw new AssertionError("called off the replica thread");
            }

            @Override
            public String zooKeeperRole() {
                throw new AssertionError("read off the replica thread");
            }

            @Override
            public io.viewkeeper.frontend.WritePath.ReplicaFigures figures() {
                throw new AssertionError("read off the replica thread");
            }

            @Override
            public NodeConfig config() {
                return config;
            }

            @Override
            public io.viewkeeper.server.metrics.RecentActivity activity() {
                return new io.viewkeeper.server.metrics.RecentActivity(System::currentTimeMillis);
            }

            @Override
            public boolean peerConnected(int index) {
                return false;
            }

            @Override
            public long peerLastReceivedMs(int index) {
                return 0;
            }

            @Override
            public InputQueue inputQueue() {
                return new InputQueue(1, accepts ? 1 : 0, accepts ? 0 : offered.get(), 0, java.util.Map.of());
            }
        };
    }

    @Test
    void shouldAnswer503WithinDeadlineWhenReplicaThreadNeverRunsTheCommand() throws IOException {
        AtomicInteger offered = new AtomicInteger();
        try (PrometheusNodeMetrics metrics = new PrometheusNodeMetrics(1, List.of(1));
             AdminServer server = AdminServer.start(AdminSettings.defaults().withPort(0), wedged(true, offered),
                     metrics, DEADLINE)) {
            AdminHttp admin = new AdminHttp(server.address());

            long start = System.nanoTime();
            AdminHttp.Reply reply = admin.get("/commands/replica");
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            AdminEndpointTest.assertBad(reply, 503, "did not answer within 300 ms");
            assertThat(tookMs).isLessThan(5_000);
            assertThat(offered.get()).isPositive();
            AdminEndpointTest.assertBad(admin.get("/commands/ruok"), 503, "did not answer");
            assertThat(admin.get("/commands/envi").status()).isEqualTo(200);
            assertThat(admin.text("/metrics")).contains("viewkeeper_replica_timeouts_total");
        }
    }

    @Test
    void shouldAnswer503AtOnceWhenReplicaThreadRefusesTasks() throws IOException {
        try (PrometheusNodeMetrics metrics = new PrometheusNodeMetrics(1, List.of(1));
             AdminServer server = AdminServer.start(AdminSettings.defaults().withPort(0),
                     wedged(false, new AtomicInteger()), metrics, Duration.ofSeconds(30))) {
            AdminHttp admin = new AdminHttp(server.address());

            AdminEndpointTest.assertBad(admin.get("/commands/mntr"), 503, "not taking tasks");
            AdminEndpointTest.assertBad(admin.get("/commands/nope"), 404, "Unknown command");
            AdminEndpointTest.assertBad(admin.get("/commands/log?tail=x"), 400, "'tail' must be a number");
        }
    }

    @Test
    void shouldFailWithAddressWhenAdminPortIsTaken() throws IOException {
        try (PrometheusNodeMetrics metrics = new PrometheusNodeMetrics(1, List.of(1));
             AdminServer first = AdminServer.start(AdminSettings.defaults().withPort(0),
                     wedged(true, new AtomicInteger()), metrics)) {
            AdminSettings taken = AdminSettings.defaults().withPort(first.address().getPort());
            org.assertj.core.api.Assertions.assertThatIOException()
                    .isThrownBy(() -> AdminServer.start(taken, wedged(true, new AtomicInteger()), metrics))
                    .withMessageContaining("cannot bind the admin endpoint to 127.0.0.1:" + taken.serverPort());
        }
    }
}
