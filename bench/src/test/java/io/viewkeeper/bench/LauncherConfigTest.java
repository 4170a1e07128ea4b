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

    /**
     * A node runs with every jar of the server's runtime class path (server/target/lib, which the build writes before
     * this module's tests) but ZooKeeper's own, which only import and export use; a jar the server gains is not left
     * out by the list of the other system's jars.
     */
    @Test
    void shouldRunViewkeeperWithEveryServerRuntimeJar() throws java.io.IOException {
        Path serverLib = Path.of("..", "server", "target", "lib");
        assertThat(serverLib).as("the server module's runtime class path").isDirectory();
        ViewkeeperGroup group = (ViewkeeperGroup) BenchSystem.VK_LINEARIZABLE.group(settings(BenchSystem.VK_LINEARIZABLE));
        List<String> onlyImportAndExport = List.of("zookeeper-3", "commons-cli-", "metrics-core-", "snappy-java-");
        try (java.util.stream.Stream<Path> jars = java.nio.file.Files.list(serverLib)) {
            List<Path> needed = jars.filter(jar -> onlyImportAndExport.stream()
                    .noneMatch(jar.getFileName().toString()::startsWith)).toList();
            assertThat(needed).isNotEmpty().allMatch(group::onClasspath);
        }
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
