package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup and a restore on a running three-replica group: the snapshot exported from one replica is restored
 * through another (a backup, which forwards the op to the primary), and every replica then holds the same state,
 * with the same digest, and takes writes after it.
 */
class ClusterRestoreTest {
    private static final String TOKEN = "cluster-restore-token-0123";

    @TempDir
    Path dir;

    @Test
    void shouldRestoreABackupOnEveryReplicaThroughTheLog() throws Exception {
        ClusterProcesses.Settings settings = ClusterProcesses.Settings.of(3).withConfig("admin.token", TOKEN);
        try (ClusterProcesses group = ClusterProcesses.start(settings, dir.resolve("group"));
             ZooKeeper zk = new ZooKeeper(group.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> zk.getState().isConnected());
            zk.create("/config", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            Path backup = dir.resolve("backup.snapshot");
            String exported = ViewkeeperCommand.run("export", "--zookeeper-snapshot", backup.toString(), "--admin",
                    group.adminAddress(1), "--auth", "Bearer " + TOKEN);
            assertThat(exported).contains("exported the snapshot");

            zk.setData("/config", "v2".getBytes(StandardCharsets.UTF_8), -1);
            zk.create("/mistake", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(ViewkeeperCommand.run("restore", "--zookeeper-snapshot", backup.toString(), "--admin",
                    group.adminAddress(2), "--auth", "Bearer " + TOKEN)).as("without --yes").contains("--yes");
            String restored = ViewkeeperCommand.run("restore", "--zookeeper-snapshot", backup.toString(), "--admin",
                    group.adminAddress(2), "--auth", "Bearer " + TOKEN, "--yes");
            assertThat(restored).contains("\"last_zxid\"");

            for (int id = 1; id <= 3; id++) {
                try (ZooKeeper replica = new ZooKeeper(group.connectString(id), 30_000, event -> { })) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> replica.getState().isConnected());
                    assertThat(new String(replica.getData("/config", false, null), StandardCharsets.UTF_8))
                            .as("replica %d", id).isEqualTo("v1");
                    assertThat(replica.exists("/mistake", false)).as("replica %d", id).isNull();
                }
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Set<String> digests = new HashSet<>();
                for (int id = 1; id <= 3; id++) {
                    digests.add(digestOf(group.adminAddress(id)));
                }
                assertThat(digests).hasSize(1);
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> zk.getState().isConnected());
            zk.create("/after", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    /** The tree digest the admin hash command reports. */
    private static String digestOf(String admin) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/commands/hash"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher digest = java.util.regex.Pattern.compile("\"digest\"\\s*:\\s*\"(\\d+)\"")
                    .matcher(body);
            assertThat(digest.find()).as(body).isTrue();
            return digest.group(1);
        }
    }
}
