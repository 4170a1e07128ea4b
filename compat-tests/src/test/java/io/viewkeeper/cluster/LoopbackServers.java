package io.viewkeeper.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three servers (or one) of one system, Apache ZooKeeper 3.9 (QuorumPeerMain) or Viewkeeper (its node command), as
 * separate JVMs with server N on 127.0.0.N. Each zoo.cfg is one block of keys shared by both systems plus the
 * server's own lines (data directory, addresses, membership in the system's own syntax), and every JVM gets the same
 * extra flags, so the two systems run from the same settings. Each process is stopped by its own handle, on close
 * and at JVM exit.
 */
final class LoopbackServers implements ServerGroup, AutoCloseable {
    /** Which server the JVMs run. */
    enum Kind { ZOOKEEPER, VIEWKEEPER }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Kind kind;
    private final int size;
    private final Path dir;
    private final Map<String, String> block;
    private final List<String> jvmFlags;
    private final Process[] processes;
    private final Thread killer = new Thread(this::close, "loopback-servers-killer");
    private int clientPort;
    private int peerPort;
    private int electionPort;

    private LoopbackServers(Kind kind, int size, Path dir, Map<String, String> block, List<String> jvmFlags) {
        if (size != 1 && size != 3) {
            throw new IllegalArgumentException("three servers or one, not " + size);
        }
        this.kind = kind;
        this.size = size;
        this.processes = new Process[size + 1];
        this.dir = dir;
        this.block = Collections.unmodifiableMap(new LinkedHashMap<>(block)); // written in the given order
        this.jvmFlags = List.copyOf(jvmFlags);
    }

    /** Starts the servers and waits until each says it leads, follows or stands alone. */
    static LoopbackServers start(Kind kind, int size, Path dir, Map<String, String> block, List<String> jvmFlags)
            throws IOException {
        LoopbackServers servers = new LoopbackServers(kind, size, Files.createDirectories(dir), block, jvmFlags);
        Runtime.getRuntime().addShutdownHook(servers.killer);
        try {
            servers.clientPort = portFreeOnEveryHost();
            servers.peerPort = portFreeOnEveryHost();
            servers.electionPort = portFreeOnEveryHost();
            for (int id = 1; id <= size; id++) {
                servers.writeConfig(id);
                servers.launch(id);
            }
            for (int id = 1; id <= size; id++) {
                servers.awaitInQuorum(id);
            }
            return servers;
        } catch (IOException | RuntimeException | Error e) {
            servers.close();
            throw e;
        }
    }

    static String host(int id) {
        return "127.0.0." + id;
    }

    /** A port nobody listens on at any of the three addresses, probed now and bound later by the servers. */
    static int portFreeOnEveryHost() throws IOException {
        return io.viewkeeper.server.TestPorts.freeOnMembers(3);
    }

    @Override
    public String connectString(int id) {
        return host(id) + ":" + clientPort;
    }

    @Override
    public String connectString() {
        List<String> all = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            all.add(connectString(id));
        }
        return String.join(",", all);
    }

    @Override
    public void kill9(int id) {
        stop(processes[id]);
    }

    @Override
    public void restart(int id) throws IOException {
        launch(id);
        awaitInQuorum(id);
    }

    @Override
    public String fourLetterWord(int id, String word) throws IOException {
        return ClusterProcesses.fourLetterWord(new InetSocketAddress(host(id), clientPort), word);
    }

    String log(int id) {
        try {
            return Files.readString(dir.resolve("server-" + id + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    private void writeConfig(int id) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data-" + id));
        StringBuilder cfg = new StringBuilder("tickTime=500\n")
                .append("dataDir=").append(data).append('\n')
                .append("clientPortAddress=").append(host(id)).append('\n')
                .append("4lw.commands.whitelist=*\nadmin.enableServer=false\n");
        if (block.containsKey("secureClientPort")) {
            // ZooKeeper binds the secure port on every address unless told which: three servers on one machine
            cfg.append("secureClientPortAddress=").append(host(id)).append('\n');
        }
        block.forEach((key, value) -> cfg.append(key).append('=').append(value).append('\n'));
        for (int member = 1; member <= size && size > 1; member++) {
            cfg.append("server.").append(member).append('=').append(host(member)).append(':').append(peerPort);
            if (kind == Kind.ZOOKEEPER) {
                cfg.append(':').append(electionPort).append('\n');
            } else {
                cfg.append(';').append(host(member)).append(':').append(clientPort).append('\n');
            }
        }
        if (kind == Kind.ZOOKEEPER) {
            Files.writeString(data.resolve("myid"), Integer.toString(id));
            cfg.append("initLimit=10\nsyncLimit=4\n");
        } else {
            cfg.append("serverId=").append(id).append('\n');
        }
        if (kind == Kind.ZOOKEEPER || size == 1) {
            cfg.append("clientPort=").append(clientPort).append('\n'); // a member line says it for a replica
        }
        Files.writeString(dir.resolve("server-" + id + ".cfg"), cfg.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="io.netty" level="WARN"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """, StandardCharsets.UTF_8);
    }

    private void launch(int id) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml"));
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(ServerClasspath.get());
        String config = dir.resolve("server-" + id + ".cfg").toString();
        if (kind == Kind.ZOOKEEPER) {
            command.addAll(List.of("org.apache.zookeeper.server.quorum.QuorumPeerMain", config));
        } else {
            command.addAll(List.of("io.viewkeeper.server.Main", "node", "--config", config));
        }
        processes[id] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server-" + id + ".log").toFile()))
                .start();
    }

    private void awaitInQuorum(int id) {
        await(kind + " server " + id + " serving").atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    if (!processes[id].isAlive()) {
                        throw new IllegalStateException(kind + " server " + id + " exited:\n" + log(id));
                    }
                    try {
                        String srvr = fourLetterWord(id, "srvr");
                        return srvr.contains("Mode: leader") || srvr.contains("Mode: follower")
                                || srvr.contains("Mode: standalone");
                    } catch (IOException e) {
                        return false; // not listening yet
                    }
                });
    }

    private static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + p.pid() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        for (Process p : processes) {
            stop(p);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is exiting: this is the hook
        }
    }
}
