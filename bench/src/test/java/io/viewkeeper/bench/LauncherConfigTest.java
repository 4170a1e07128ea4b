package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LauncherConfigTest {
    private static ServerGroup.Settings settings(BenchSystem system) {
        return new ServerGroup.Settings(system.id(), 3, 24181, Path.of("work"), Path.of("java"), List.of("-Xmx1g"),
                List.of());
    }

    @Test
    void shouldWriteFsyncAlwaysWhenViewkeeperGroupConfigured() {
        for (BenchSystem system : List.of(BenchSystem.VK_LINEARIZABLE, BenchSystem.VK_SEQUENTIAL)) {
            String config = ((ViewkeeperGroup) system.group(settings(system))).config(2, Path.of("data-2"));
            assertThat(config.lines()).contains("fsync=always", "admin.enableServer=false", "dataDir=data-2", "serverId=2")
                    .noneMatch(line -> line.startsWith("checkpoint."));
            assertThat(system.description()).contains("fsync=always");
        }
        assertThat(new ViewkeeperGroup(settings(BenchSystem.VK_SEQUENTIAL), "sequential").config(1, Path.of("d"))
                .lines()).contains("reads=sequential");
    }

    @Test
    void shouldKeepZooKeeperDefaultsForFsyncAndSnapshotsWhenReference() {
        String config = ((ZooKeeperEnsemble) BenchSystem.ZK.group(settings(BenchSystem.ZK))).config(1, Path.of("d"));
        assertThat(config.lines()).contains("tickTime=2000", "initLimit=10", "syncLimit=5")
                .noneMatch(line -> line.startsWith("forceSync") || line.startsWith("snapCount")
                        || line.startsWith("autopurge"));
        String noFsync = ((ZooKeeperEnsemble) BenchSystem.ZK_NOFSYNC.group(settings(BenchSystem.ZK_NOFSYNC)))
                .config(1, Path.of("d"));
        assertThat(noFsync.lines()).contains("forceSync=no");
    }
}
