package io.viewkeeper.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache ZooKeeper 3.9 ensemble of three QuorumPeerMain processes on loopback, from this JVM's test classpath,
 * for checking that Viewkeeper's behaviour matches ZooKeeper's in scenarios that need a quorum (read-only mode, a
 * member cut off). Each process is stopped by its own handle; the ensemble is stopped on close and at JVM exit.
 */
final class ZooKeeperEnsemble implements ServerGroup, AutoCloseable {
    private static final int SIZE = 3;
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final Map<String, String> extraConfig;
    private final List<String> jvmFlags;
    private final int[] clientPorts = new int[SIZE + 1];
    private final int[] quorumPorts = new int[SIZE + 1];
    private final int[] electionPorts = new int[SIZE + 1];
    private final Process[] processes = new Process[SIZE + 1];
    private final Thread killer = new Thread(this::close, "zookeeper-ensemble-killer");

    private ZooKeeperEnsemble(Path dir, Map<String, String> extraConfig, List<String> jvmFlags) {
        this.dir = dir;
        this.extraConfig = extraConfig;
        this.jvmFlags = jvmFlags;
    }

    /** Starts three servers with {@code extraConfig} in each zoo.cfg and {@code jvmFlags} on each JVM. */
    static ZooKeeperEnsemble start(Path dir, Map<String, String> extraConfig, List<String> jvmFlags)
            throws IOException {
        ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(dir, extraConfig, jvmFlags);
        Runtime.getRuntime().addShutdownHook(ensemble.killer);
        try {
            for (int id = 1; id <= SIZE; id++) {
                ensemble.clientPorts[id] = freePort();
                ensemble.quorumPorts[id] = freePort();
                ensemble.electionPorts[id] = freePort();
            }
            for (int id = 1; id <= SIZE; id++) {
                ensemble.writeConfig(id);
                ensemble.launch(id);
            }
            for (int id = 1; id <= SIZE; id++) {
                ensemble.awaitAnswering(id);
            }
            return ensemble;
        } catch (IOException | RuntimeException e) {
            ensemble.close();
            throw e;
        }
    }

    @Override
    public String connectString(int id) {
        return HOST + ":" + clientPorts[id];
    }

    @Override
    public String connectString() {
        List<String> all = new ArrayList<>();
        for (int id = 1; id <= SIZE; id++) {
            all.add(connectString(id));
        }
        return String.join(",", all);
    }

    @Override
    public void kill9(int id) {
        processes[id].destroyForcibly();
        try {
            processes[id].waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void restart(int id) throws IOException {
        launch(id);
        awaitAnswering(id);
    }

    @Override
    public String fourLetterWord(int id, String word) throws IOException {
        return ClusterProcesses.fourLetterWord(new InetSocketAddress(HOST, clientPorts[id]), word);
    }

    String log(int id) throws IOException {
        return Files.readString(dir.resolve("zk-" + id + ".log"));
    }

    private void writeConfig(int id) throws IOException {
        Path data = Files.createDirectories(dir.resolve("zk-" + id));
        Files.writeString(data.resolve("myid"), Integer.toString(id));
        StringBuilder cfg = new StringBuilder()
                .append("tickTime=500\ninitLimit=10\nsyncLimit=4\n")
                .append("dataDir=").append(data).append('\n')
                .append("clientPort=").append(clientPorts[id]).append('\n')
                .append("clientPortAddress=").append(HOST).append('\n')
                .append("4lw.commands.whitelist=*\nadmin.enableServer=false\n");
        extraConfig.forEach((key, value) -> cfg.append(key).append('=').append(value).append('\n'));
        for (int member = 1; member <= SIZE; member++) {
            cfg.append("server.").append(member).append('=').append(HOST).append(':').append(quorumPorts[member])
                    .append(':').append(electionPorts[member]).append('\n');
        }
        Files.writeString(dir.resolve("zk-" + id + ".cfg"), cfg.toString());
        Files.writeString(dir.resolve("zk-logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
    }

    private void launch(int id) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dlogback.configurationFile=" + dir.resolve("zk-logback.xml"));
        command.add("-Dzookeeper.admin.enableServer=false");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(ServerClasspath.get());
        command.add("org.apache.zookeeper.server.quorum.QuorumPeerMain");
        command.add(dir.resolve("zk-" + id + ".cfg").toString());
        processes[id] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("zk-" + id + ".log").toFile()))
                .start();
    }

    private void awaitAnswering(int id) {
        await("zookeeper " + id + " answers ruok").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> {
                    if (!processes[id].isAlive()) {
                        throw new IllegalStateException("zookeeper " + id + " exited:\n" + log(id));
                    }
                    return fourLetterWord(id, "ruok").equals("imok");
                });
    }

    private static int freePort() throws IOException {
        return io.viewkeeper.server.TestPorts.free(HOST);
    }

    @Override
    public synchronized void close() {
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is exiting: this is the hook
        }
    }
}
