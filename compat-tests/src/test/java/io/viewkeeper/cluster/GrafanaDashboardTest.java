package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard the archive ships (conf/grafana-dashboard.json) queries series a node really exports: every
 * metric name in every panel's query is one that /metrics serves once the node has answered a write.
 */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("../distribution/src/main/conf/grafana-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:viewkeeper|jvm)_[a-z_]+)");

    @TempDir
    Path dir;

    @Test
    void shouldQueryOnlySeriesTheNodeExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).contains("viewkeeper_requests_seconds_bucket", "viewkeeper_view",
                "viewkeeper_commit_number", "viewkeeper_fsync_seconds_bucket").hasSizeGreaterThan(20);

        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dir));
             ZooKeeper zk = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> zk.getState().isConnected());
            zk.create("/dashboard", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            URI metrics = URI.create("http://" + node.adminAddress().getHostString() + ":"
                    + node.adminAddress().getPort() + "/metrics");
            try (HttpClient http = HttpClient.newHttpClient()) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    // JVM GC pause series exist from the first collection on, which a serving node soon has
                    System.gc();
                    String scraped = http.send(HttpRequest.newBuilder(metrics).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    Set<String> exported = scraped.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                            .map(l -> l.replaceAll("[{ ].*", "")).collect(Collectors.toSet());
                    assertThat(exported).containsAll(queried);
                });
            }
        }
    }
}
