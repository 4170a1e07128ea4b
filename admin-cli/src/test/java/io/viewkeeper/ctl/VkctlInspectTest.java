package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VkctlInspectTest {

    @TempDir
    Path root;

    @Test
    void shouldPassStoppedNodesDirectoryAndFlagDamagedMetadata() throws IOException {
        Path dataDir = Files.createDirectories(root.resolve("node"));
        ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dataDir).withAdmin(AdminSettings.disabled()));
        node.close();

        VkctlRun intact = VkctlRun.run("inspect", "--data-dir", dataDir.toString());
        assertThat(intact.exitCode()).as(intact.toString()).isEqualTo(ExitCodes.OK);
        assertThat(intact.out()).contains("metadata: replica 1", "every check passed");

        for (String copy : new String[] {"metadata.0", "metadata.1"}) {
            byte[] bytes = Files.readAllBytes(dataDir.resolve(copy));
            bytes[bytes.length / 2] ^= 0x7f;
            Files.write(dataDir.resolve(copy), bytes);
        }
        VkctlRun damaged = VkctlRun.run("inspect", "--data-dir", dataDir.toString());
        assertThat(damaged.exitCode()).as(damaged.toString()).isEqualTo(ExitCodes.DEGRADED);
        assertThat(damaged.out()).contains("PROBLEM metadata");
    }

    @Test
    void shouldRefuseDirectoryThatDoesNotExist() {
        VkctlRun run = VkctlRun.run("inspect", "--data-dir", root.resolve("missing").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("is not a directory");
    }
}
