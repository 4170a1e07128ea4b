package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary archive as an operator uses it: unpacked into an empty directory away from the source tree, with no
 * Maven on the PATH, three replicas started with {@code bin/vkServer.sh start <zoo.cfg>} on 127.0.0.1-3, a client
 * against them, {@code status}, {@code stop}, a restart on the same data, and zkServer.sh's exit codes throughout.
 */
class DistributionArchiveTest {
    private static final int REPLICAS = 3;
    private static final long SCRIPT_TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;
    private Path home;
    private final List<Path> configs = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();

    /** Whatever happened, every replica the scripts started is stopped, by the PID its file names. */
    @AfterEach
    void stopEverything() throws Exception {
        for (Path data : dataDirs) {
            Path pidFile = data.resolve("viewkeeper_server.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> {
                        p.destroyForcibly();
                        return p;
                    }).join();
                });
            }
        }
    }

    @Test
    void shouldRunAGroupFromZooCfgFilesWithZkServerShVerbs() throws Exception {
        Path archive = Path.of(System.getProperty("viewkeeper.distribution", "missing"));
        assertThat(archive).as("the archive mvn package builds").isRegularFile();
        Path install = Files.createDirectories(dir.resolve("opt"));
        assertThat(run(List.of("tar", "xzf", archive.toString(), "-C", install.toString())).exit()).isZero();
        try (Stream<Path> unpacked = Files.list(install)) {
            home = unpacked.findFirst().orElseThrow();
        }
        assertThat(home.resolve("bin/vkServer.sh")).isExecutable();
        assertThat(home.resolve("conf/zoo.cfg")).isRegularFile();
        writeConfigs();

        for (int i = 0; i < REPLICAS; i++) {
            Result started = script("start", i);
            assertThat(started.exit()).as(started.output()).isZero();
            assertThat(started.output()).contains("Starting Viewkeeper ... STARTED");
        }
        Result again = script("start", 0);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("already running as process");

        String connect = connectString();
        try (ZooKeeper zk = new ZooKeeper(connect, 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(60)).until(() -> zk.getState().isConnected());
            zk.create("/deployed", "from the archive".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> modes = new ArrayList<>();
            for (int i = 0; i < REPLICAS; i++) {
                Result status = script("status", i);
                assertThat(status.exit()).as(status.output()).isZero();
                modes.add(status.output().lines().filter(l -> l.startsWith("Mode: ")).findFirst().orElse(""));
            }
            assertThat(modes).containsExactlyInAnyOrder("Mode: leader", "Mode: follower", "Mode: follower");
        });
        assertThat(script("print-cmd", 0).output()).contains("io.viewkeeper.server.Main node --config")
                .contains("-XX:SharedArchiveFile=" + dataDirs.get(0).toAbsolutePath().resolve("viewkeeper.jsa"));
        Result restarted = run(List.of(home.resolve("bin/vkServer.sh").toString(), "--config",
                configs.get(0).getParent().toString() + "/", "restart"));
        assertThat(restarted.exit()).as(restarted.output()).isZero();
        assertThat(restarted.output()).contains("Using config: " + configs.get(0)).contains("STOPPED")
                .contains("STARTED");

        stopAll();
        Result down = script("status", 0);
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.output()).contains("Error contacting service. It is probably not running.");

        for (int i = 0; i < REPLICAS; i++) {
            assertThat(script("start", i).exit()).isZero();
        }
        try (ZooKeeper zk = new ZooKeeper(connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(60)).until(() -> zk.getState().isConnected());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(new String(zk.getData("/deployed", false, null), StandardCharsets.UTF_8))
                            .isEqualTo("from the archive"));
        }
        // a config edited into something invalid while its node runs: start refuses it, stop still stops the node
        String good = Files.readString(configs.get(0));
        Files.writeString(configs.get(0), good + "clientPort=not-a-port\n");
        Result refused = script("start", 0);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains("clientPort").contains("not-a-port");
        Result stoppedAnyway = script("stop", 0);
        assertThat(stoppedAnyway.exit()).as(stoppedAnyway.output()).isZero();
        assertThat(stoppedAnyway.output()).contains("Stopping Viewkeeper ... STOPPED");
        Files.writeString(configs.get(0), good);
        assertThat(script("start", 0).exit()).isZero();
        stopAll();
        Result nothing = script("stop", 0);
        assertThat(nothing.exit()).as("zkServer.sh stop exits 0 with nothing to stop").isZero();
        assertThat(nothing.output()).contains("no Viewkeeper to stop");
        for (Path data : dataDirs) {
            try (Stream<Path> files = Files.list(data)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .anyMatch(name -> name.startsWith("viewkeeper-") && name.endsWith(".out"));
            }
            assertThat(data.resolve("viewkeeper.jsa")).as("the node's classes, kept at its clean exit").isNotEmptyFile();
        }
        try (Stream<Path> top = Files.list(home)) {
            assertThat(top.map(p -> p.getFileName().toString()))
                    .as("logs, PID files and data stay out of the installation")
                    .containsExactlyInAnyOrder("bin", "conf", "lib", "LICENSE", "NOTICE");
        }
    }

    private void stopAll() throws Exception {
        for (int i = 0; i < REPLICAS; i++) {
            Result stopped = script("stop", i);
            assertThat(stopped.exit()).as(stopped.output()).isZero();
            assertThat(stopped.output()).contains("Stopping Viewkeeper ... STOPPED");
        }
    }

    private void writeConfigs() throws IOException {
        StringBuilder members = new StringBuilder();
        int[] clientPorts = new int[REPLICAS];
        for (int i = 0; i < REPLICAS; i++) {
            String host = host(i);
            clientPorts[i] = freePort(host);
            members.append("server.").append(i + 1).append('=').append(host).append(':').append(freePort(host))
                    .append(";").append(host).append(':').append(clientPorts[i]).append('\n');
        }
        for (int i = 0; i < REPLICAS; i++) {
            Path data = dir.resolve("data-" + (i + 1));
            dataDirs.add(data);
            Path config = Files.createDirectories(dir.resolve("etc-" + (i + 1))).resolve("zoo.cfg");
            Files.writeString(config, "tickTime=500\ndataDir=" + data + "\nserverId=" + (i + 1)
                    + "\n4lw.commands.whitelist=*\nadmin.serverAddress=" + host(i) + "\nadmin.serverPort="
                    + freePort(host(i)) + "\n" + members, StandardCharsets.UTF_8);
            configs.add(config);
        }
    }

    private String connectString() throws IOException {
        StringBuilder connect = new StringBuilder();
        for (Path config : configs) {
            String line = Files.readAllLines(config).stream()
                    .filter(l -> l.startsWith("server." + (configs.indexOf(config) + 1) + "=")).findFirst()
                    .orElseThrow();
            connect.append(connect.isEmpty() ? "" : ",").append(line.substring(line.indexOf(';') + 1));
        }
        return connect.toString();
    }

    private static String host(int index) {
        return "127.0.0." + (index + 1);
    }

    private static int freePort(String host) throws IOException {
        return io.viewkeeper.server.TestPorts.free(host);
    }

    record Result(int exit, String output) {
    }

    private Result script(String verb, int replica) throws Exception {
        return run(List.of(home.resolve("bin/vkServer.sh").toString(), verb, configs.get(replica).toString()));
    }

    /** Runs a command with a JDK's JAVA_HOME and a PATH without Maven, from the test's directory. */
    private Result run(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("ZOO") || key.startsWith("MAVEN") || key.equals("JVMFLAGS")
                || key.equals("SERVER_JVMFLAGS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        Path output = Files.createTempFile(dir, "script-", ".out");
        Process process = builder.redirectOutput(output.toFile()).start();
        if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish within " + SCRIPT_TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
