package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricsProcessor;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.types.MetricType;
import org.hawkular.agent.prometheus.walkers.CollectorPrometheusMetricsWalker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped over HTTP and parsed by a real Prometheus text-format parser (Hawkular's): per-op
 * request histograms, the state gauges, and the JVM's figures, with values that match what a client did.
 */
class MetricsScrapeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    @Test
    void shouldExposeRequestHistogramsStateGaugesAndJvmWhenScrapedAfterClientTraffic()
            throws IOException, KeeperException, InterruptedException {
        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dataDir))) {
            ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> { });
            try {
                await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
                for (int i = 0; i < 5; i++) {
                    client.create("/m" + i, new byte[10], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    client.getData("/m" + i, true, null);
                }
                client.exists("/missing", false);
                AdminHttp admin = new AdminHttp(node.adminAddress());

                List<MetricFamily> families = parse(admin.text("/metrics"));

                Histogram creates = histogram(families, "viewkeeper_requests_seconds", "create", "ok");
                assertThat(creates.getSampleCount()).isEqualTo(5);
                assertThat(creates.getBuckets()).hasSizeGreaterThan(5);
                assertThat(histogram(families, "viewkeeper_requests_seconds", "getData", "ok").getSampleCount())
                        .isEqualTo(5);
                assertThat(histogram(families, "viewkeeper_requests_seconds", "exists", "error").getSampleCount())
                        .isEqualTo(1);
                long znodes = admin.get("/commands/mntr").body().path("znode_count").asLong();
                assertThat(gauge(families, "viewkeeper_znodes")).isEqualTo(znodes).isGreaterThan(5);
                assertThat(gauge(families, "viewkeeper_sessions")).isEqualTo(1);
                assertThat(gauge(families, "viewkeeper_watches")).isEqualTo(5);
                assertThat(gauge(families, "viewkeeper_connections")).isEqualTo(1);
                assertThat(gauge(families, "viewkeeper_data_bytes")).isPositive();
                assertThat(gauge(families, "viewkeeper_commit_number")).isGreaterThanOrEqualTo(6);
                assertThat(gauge(families, "viewkeeper_primary")).isEqualTo(1);
                assertThat(gauge(families, "viewkeeper_requests_inflight")).isZero();
                assertThat(family(families, "viewkeeper_quorum_standing").getMetrics().stream()
                        .filter(m -> ((Gauge) m).getValue() == 1).map(m -> m.getLabels().get("standing")).toList())
                        .as("a lone node is serving").containsExactly("serving");
                assertThat(family(families, "viewkeeper_vr_ignored").getMetrics()).as("one series per reason")
                        .hasSize(io.viewkeeper.consensus.Ignored.values().length);
                Map<String, Double> inputs = new java.util.HashMap<>();
                for (Metric m : family(families, "viewkeeper_replica_inputs_total").getMetrics()) {
                    inputs.put(m.getLabels().get("kind"), ((Counter) m).getValue());
                }
                assertThat(inputs.get("client_request")).as("the handshake, 5 creates, 5 getData, 1 exists")
                        .isGreaterThanOrEqualTo(12);
                assertThat(inputs.get("client_connection_opened")).isEqualTo(1);
                assertThat(inputs.get("log_synced")).isPositive();
                assertThat(inputs.get("peer_message")).as("a lone node hears no peer").isZero();
                assertThat(admin.get("/commands/replica").body().path("input_queue").path("consumed")
                        .path("client_request").asLong()).isGreaterThanOrEqualTo(12);
                assertThat(gauge(families, "viewkeeper_replica_input_queue_high_water")).isPositive();
                assertThat(gauge(families, "viewkeeper_read_only")).isZero();
                assertThat(family(families, "viewkeeper_view_changes_total").getType()).isEqualTo(MetricType.COUNTER);
                assertThat(family(families, "jvm_memory_used_bytes").getMetrics()).isNotEmpty();
                assertThat(family(families, "process_uptime_seconds").getMetrics()).isNotEmpty();
                MetricFamily fsync = family(families, "viewkeeper_fsync_seconds");
                assertThat(fsync.getType()).isEqualTo(MetricType.HISTOGRAM);
                assertThat(((Histogram) fsync.getMetrics().get(0)).getSampleCount()).as("log syncs").isPositive();
                assertThat(((Histogram) family(families, "viewkeeper_fsync_entries").getMetrics().get(0)).getSampleSum())
                        .as("entries made durable: the session and five creates").isGreaterThanOrEqualTo(6);
                for (MetricFamily f : families) {
                    for (Metric m : f.getMetrics()) {
                        assertThat(m.getLabels()).as("labels of %s", f.getName()).containsEntry("server_id", "1");
                    }
                }
            } finally {
                client.close();
            }
        }
    }

    static List<MetricFamily> parse(String text) throws IOException {
        CollectorPrometheusMetricsWalker collector = new CollectorPrometheusMetricsWalker();
        new TextPrometheusMetricsProcessor(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), collector)
                .walk();
        assertThat(collector.getAllMetricFamilies()).as("parsed families").isNotEmpty();
        return collector.getAllMetricFamilies();
    }

    static MetricFamily family(List<MetricFamily> families, String name) {
        Optional<MetricFamily> found = families.stream().filter(f -> f.getName().equals(name)).findFirst();
        assertThat(found).as("metric family %s", name).isPresent();
        return found.get();
    }

    static double gauge(List<MetricFamily> families, String name) {
        Metric metric = family(families, name).getMetrics().get(0);
        return metric instanceof Gauge g ? g.getValue() : ((Counter) metric).getValue();
    }

    static Histogram histogram(List<MetricFamily> families, String name, String op, String outcome) {
        for (Metric metric : family(families, name).getMetrics()) {
            Map<String, String> labels = metric.getLabels();
            if (op.equals(labels.get("op")) && outcome.equals(labels.get("outcome"))) {
                return (Histogram) metric;
            }
        }
        throw new AssertionError("no " + name + " series for op " + op + " outcome " + outcome);
    }
}
