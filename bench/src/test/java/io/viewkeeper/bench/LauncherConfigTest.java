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
        assertThat(new ViewkeeperGroup(settings(BenchSystem.VK_SEQUENTIAL), "sequential", false).config(1, Path.of("d"))
                .lines()).contains("reads=sequential");
    }

    /**
     * A node runs with every jar of the server's runtime class path (server/target/lib, which the build writes before
     * this module's tests), ZooKeeper's own included (TLS and SASL use its classes), but the runtime dependencies of
     * ZooKeeper's server that only import and export touch; a jar the server gains is not left out by the list of the
     * other system's jars.
     */
    @Test
    void shouldRunViewkeeperWithEveryServerRuntimeJar() throws java.io.IOException {
        Path serverLib = Path.of("..", "server", "target", "lib");
        assertThat(serverLib).as("the server module's runtime class path").isDirectory();
        ViewkeeperGroup group = (ViewkeeperGroup) BenchSystem.VK_LINEARIZABLE.group(settings(BenchSystem.VK_LINEARIZABLE));
        List<String> onlyImportAndExport = List.of("commons-cli-", "metrics-core-", "snappy-java-");
        try (java.util.stream.Stream<Path> jars = java.nio.file.Files.list(serverLib)) {
            List<Path> needed = jars.filter(jar -> onlyImportAndExport.stream()
                    .noneMatch(jar.getFileName().toString()::startsWith)).toList();
            assertThat(needed).isNotEmpty().allMatch(group::onClasspath);
        }
    }

    /** The TLS pair gets the same zoo.cfg TLS lines (clients on the secure port, sslQuorum between servers). */
    @Test
    void shouldWriteTheSameTlsLinesForBothSystemsWhenTlsSystemsConfigured(@org.junit.jupiter.api.io.TempDir Path work)
            throws Exception {
        ServerGroup.Settings zkSettings = new ServerGroup.Settings("zk-tls", 3, 24181, work, Path.of("java"),
                List.of(), List.of());
        ServerGroup zk = BenchSystem.ZK_TLS.group(zkSettings);
        zk.makeCertificates();
        List<String> zkLines = zk.config(1, Path.of("d")).lines().toList();
        ServerGroup.Settings vkSettings = new ServerGroup.Settings("vk-tls", 3, 24181, work, Path.of("java"),
                List.of(), List.of());
        ServerGroup vk = BenchSystem.VK_TLS.group(vkSettings);
        vk.makeCertificates();
        List<String> vkLines = vk.config(1, Path.of("d")).lines().toList();
        assertThat(zkLines).contains("secureClientPort=24184", "sslQuorum=true", "secureClientPortAddress=127.0.0.1",
                "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory");
        assertThat(vkLines).contains("secureClientPort=24184", "sslQuorum=true", "reads=linearizable");
        assertThat(zkLines.stream().filter(line -> line.startsWith("ssl")).count()).isEqualTo(
                vkLines.stream().filter(line -> line.startsWith("ssl")).count()).isGreaterThan(5);
        assertThat(vk.clientAddresses()).containsExactly("127.0.0.1:24184", "127.0.0.2:24184", "127.0.0.3:24184");
        assertThat(vk.clientConfig().getProperty("zookeeper.client.secure")).isEqualTo("true");
        assertThat(BenchSystem.ZK.group(zkSettings).clientConfig().getProperty("zookeeper.client.secure")).isNull();
    }

    /** Observers are the last servers, named so on every server's lines, and peerType=observer on ZooKeeper's own. */
    @Test
    void shouldMarkTheLastServersObserversWhenAGroupHasObservers() {
        ServerGroup.Settings five = new ServerGroup.Settings("vk-lin", 5, 24181, Path.of("work"), Path.of("java"),
                List.of(), List.of());
        ServerGroup vk = BenchSystem.VK_LINEARIZABLE.group(five).withObservers(2);
        assertThat(vk.config(1, Path.of("d")).lines()).contains("server.3=127.0.0.3:24182;127.0.0.3:24181",
                "server.4=127.0.0.4:24182:observer;127.0.0.4:24181", "server.5=127.0.0.5:24182:observer;127.0.0.5:24181");
        ServerGroup zk = BenchSystem.ZK.group(new ServerGroup.Settings("zk", 5, 24181, Path.of("work"),
                Path.of("java"), List.of(), List.of())).withObservers(2);
        assertThat(zk.config(4, Path.of("d")).lines()).contains("peerType=observer",
                "server.4=127.0.0.4:24182:24183:observer;127.0.0.4:24181");
        assertThat(zk.config(3, Path.of("d")).lines()).doesNotContain("peerType=observer");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchSystem.ZK.group(settings(BenchSystem.ZK))
                .withObservers(1)).hasMessageContaining("fewer than 3 voters");
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
