package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vkctl snapshot and restore against a live group: a backup taken, the group changed, the backup put back. */
class VkctlBackupTest {
    @TempDir
    Path dir;

    @Test
    void shouldPutBackTheStateOfABackupOnTheWholeGroup() throws Exception {
        try (LiveGroup group = LiveGroup.start(dir);
             ZooKeeper client = new ZooKeeper(group.connectString(), 30_000, event -> { })) {
            await().atMost(LiveGroup.TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.create("/settings", "before".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            Path backup = dir.resolve("group.snapshot");

            VkctlRun snapshot = group.vkctl("snapshot", backup.toString());
            assertThat(snapshot.exitCode()).as("%s", snapshot).isZero();
            assertThat(snapshot.out()).containsPattern("r\\d: snapshot at zxid 0x[0-9a-f]+ \\(\\d+ bytes\\)");
            assertThat(Files.size(backup)).isPositive();

            client.setData("/settings", "after".getBytes(StandardCharsets.UTF_8), -1);
            VkctlRun unconfirmed = group.vkctl("restore", backup.toString());
            assertThat(unconfirmed.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(unconfirmed.err()).contains("--yes");
            VkctlRun noToken = VkctlRun.run("--servers", group.servers(), "restore", backup.toString(), "--yes");
            assertThat(noToken.exitCode()).isEqualTo(ExitCodes.AUTH);

            VkctlRun restored = group.vkctl("restore", backup.toString(), "--yes");
            assertThat(restored.exitCode()).as("%s", restored).isZero();
            assertThat(restored.out()).containsPattern("r\\d: restored .* at zxid 0x[0-9a-f]+");
            await().atMost(LiveGroup.TIMEOUT).ignoreExceptions().untilAsserted(() ->
                    assertThat(new String(client.getData("/settings", false, null), StandardCharsets.UTF_8))
                            .isEqualTo("before"));
        }
    }
}
