package io.viewkeeper.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica group of separate JVMs on loopback, replica N on 127.0.0.N, each with its config, data directory and
 * output file under one directory. It knows every process it started and kills all of them on close (and from a
 * shutdown hook if the test JVM dies first); it never signals a process it did not start.
 *
 * <p>With peer proxies, the server.N lines name hosts ({@code vk-N}) that each replica resolves through its own
 * hosts file: replica I reaches replica J through a {@link FaultProxy} on 127.0.(10+I).J, which dials J from
 * 127.0.(10+J).I, the address J's hosts file gives I. Every replica reads the same server.N lines (the cluster id
 * is derived from them) while each directed link has its own proxy.
 */
public final class ClusterProcesses implements ServerGroup, AutoCloseable {
    /**
     * How the group is set up; {@code extraConfig} holds further config keys written for every replica. The last
     * {@code observers} of the {@code size} replicas are observers ({@code :observer}, {@code peerType=observer});
     * the last {@code joining} of those are new servers the group does not list: only their own file names them, as
     * observers, until a reconfiguration adds them.
     */
    public record Settings(int size, boolean peerProxies, int tickTimeMs, String reads,
                           Map<String, String> extraConfig, int observers, int joining) {
        public Settings {
            extraConfig = Collections.unmodifiableMap(new LinkedHashMap<>(extraConfig));
        }

        public Settings(int size, boolean peerProxies, int tickTimeMs, String reads, Map<String, String> extraConfig,
                        int observers) {
            this(size, peerProxies, tickTimeMs, reads, extraConfig, observers, 0);
        }

        public Settings(int size, boolean peerProxies, int tickTimeMs, String reads, Map<String, String> extraConfig) {
            this(size, peerProxies, tickTimeMs, reads, extraConfig, 0);
        }

        /** {@code count} more servers, each started empty to join the group (see the class comment). */
        public Settings withJoining(int count) {
            return new Settings(size + count, peerProxies, tickTimeMs, reads, extraConfig, observers + count,
                    joining + count);
        }

        boolean joins(int id) {
            return id > size - joining;
        }

        public static Settings of(int size) {
            return new Settings(size, false, 500, "linearizable", Map.of());
        }

        public Settings withPeerProxies() {
            return new Settings(size, true, tickTimeMs, reads, extraConfig, observers, joining);
        }

        /** {@code linearizable} or {@code sequential}, as the reads key takes it. */
        public Settings withReads(String mode) {
            return new Settings(size, peerProxies, tickTimeMs, mode, extraConfig, observers, joining);
        }

        /** One more config key for every replica, such as {@code checkpoint.ops}. */
        public Settings withConfig(String key, String value) {
            Map<String, String> more = new LinkedHashMap<>(extraConfig);
            more.put(key, value);
            return new Settings(size, peerProxies, tickTimeMs, reads, more, observers, joining);
        }

        /** {@code count} more replicas, after the voters, each an observer. */
        public Settings withObservers(int count) {
            return new Settings(size + count, peerProxies, tickTimeMs, reads, extraConfig, observers + count,
                    joining);
        }

        boolean observer(int id) {
            return id > size - observers;
        }
    }

    /** What {@code srvr} says about a replica. */
    public record Status(int id, String mode, String replicaStatus, long view, long commit, long nodeCount) {
        boolean isNormalLeader() {
            return mode.equals("leader") && replicaStatus.equals("normal");
        }
    }

    private static final Pattern MODE = Pattern.compile("Mode: (\\S+)");
    private static final Pattern REPLICA = Pattern.compile("Replica: (\\S+) view (\\d+) op (\\d+) commit (\\d+)");
    private static final Pattern NODES = Pattern.compile("Node count: (\\d+)");
    private static final int FOUR_LETTER_TIMEOUT_MS = 1000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Settings settings;
    private final Path dir;
    private final int[] peerPorts;
    private final int[] clientPorts;
    private final int[] adminPorts;
    private final Process[] processes;
    private final boolean[] paused;
    private final int[] starts;
    private final FaultProxy[][] links;
    private final Thread killer = new Thread(this::killAll, "cluster-processes-killer");
    private boolean closed;

    private ClusterProcesses(Settings settings, Path dir) {
        this.settings = settings;
        this.dir = dir;
        int n = settings.size();
        this.peerPorts = new int[n + 1];
        this.clientPorts = new int[n + 1];
        this.adminPorts = new int[n + 1];
        this.processes = new Process[n + 1];
        this.paused = new boolean[n + 1];
        this.starts = new int[n + 1];
        this.links = new FaultProxy[n + 1][n + 1];
    }

    /**
     * Writes the configs, starts every replica and waits until each answers srvr. Ports are probed free and bound
     * a moment later by the replicas; when another socket took one meanwhile (a replica exits saying a port is
     * already in use) the whole group starts again on new ports in a fresh directory, up to three times.
     */
    public static ClusterProcesses start(Settings settings, Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Path attemptDir = attempt == 1 ? dir : dir.resolve("port-retry-" + attempt);
            ClusterProcesses cluster = new ClusterProcesses(settings, attemptDir);
            Runtime.getRuntime().addShutdownHook(cluster.killer);
            try {
                cluster.choosePorts();
                cluster.writeConfigs();
                for (int id = 1; id <= settings.size(); id++) {
                    cluster.launch(id);
                }
                for (int id = 1; id <= settings.size(); id++) {
                    cluster.awaitServing(id);
                }
                return cluster;
            } catch (IllegalStateException e) {
                cluster.close();
                if (attempt >= 3 || e.getMessage() == null || !e.getMessage().contains("is already in use")) {
                    throw e;
                }
                System.out.println("a port was taken between probe and bind; starting the group again: "
                        + e.getMessage().lines().filter(l -> l.contains("already in use")).findFirst().orElse(""));
            } catch (IOException | RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    /**
     * Chooses the ports and writes the configs without starting anything, so that a client can be pointed at a
     * group before any of its servers runs; {@link #startAll()} starts them.
     */
    public static ClusterProcesses prepare(Settings settings, Path dir) throws IOException {
        ClusterProcesses cluster = new ClusterProcesses(settings, dir);
        Runtime.getRuntime().addShutdownHook(cluster.killer);
        try {
            cluster.choosePorts();
            cluster.writeConfigs();
            return cluster;
        } catch (IOException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts every replica of a prepared group at once and waits until each answers srvr. */
    public void startAll() throws IOException {
        for (int id = 1; id <= settings.size(); id++) {
            launch(id);
        }
        for (int id = 1; id <= settings.size(); id++) {
            awaitServing(id);
        }
    }

    public int size() {
        return settings.size();
    }

    public static String host(int id) {
        return "127.0.0." + id;
    }

    public InetSocketAddress clientAddress(int id) {
        return new InetSocketAddress(host(id), clientPorts[id]);
    }

    public List<InetSocketAddress> clientAddresses() {
        List<InetSocketAddress> all = new ArrayList<>();
        for (int id = 1; id <= size(); id++) {
            all.add(clientAddress(id));
        }
        return all;
    }

    /** Every replica, in id order. */
    @Override
    public String connectString() {
        StringBuilder s = new StringBuilder();
        for (int id = 1; id <= size(); id++) {
            s.append(id > 1 ? "," : "").append(host(id)).append(':').append(clientPorts[id]);
        }
        return s.toString();
    }

    @Override
    public String connectString(int id) {
        return host(id) + ":" + clientPorts[id];
    }

    public long pid(int id) {
        return processes[id].pid();
    }

    public boolean isRunning(int id) {
        return processes[id] != null && processes[id].isAlive();
    }

    /** The replica's admin endpoint (HOST:PORT), each on its own address. */
    public String adminAddress(int id) {
        return host(id) + ":" + adminPorts[id];
    }

    /** The replica's data directory: the same one across restarts. */
    public Path dataDir(int id) {
        return dir.resolve("data-" + id);
    }

    public Path logFile(int id) {
        return dir.resolve("replica-" + id + ".log");
    }

    public String log(int id) {
        try {
            return Files.readString(logFile(id), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    /** The tail of every replica's output, for failure messages. */
    public String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (int id = 1; id <= size(); id++) {
            List<String> all = log(id).lines().toList();
            out.append("---- replica ").append(id).append(" (").append(logFile(id)).append(")\n");
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    /** SIGKILL, and waits for the process to be gone. */
    @Override
    public void kill9(int id) {
        Process p = processes[id];
        p.destroyForcibly();
        waitGone(p);
        paused[id] = false;
        note(id, "killed with SIGKILL");
    }

    /** SIGTERM, then SIGKILL if it does not exit in time. */
    public void stop(int id) {
        Process p = processes[id];
        if (paused[id]) {
            resume(id);
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        waitGone(p);
        note(id, "stopped with SIGTERM");
    }

    /** SIGKILL to every running replica at once (no replica outlives another by more than the signals' gap). */
    public void kill9All() {
        List<Integer> killed = new ArrayList<>();
        for (int id = 1; id <= size(); id++) {
            if (isRunning(id)) {
                processes[id].destroyForcibly();
                killed.add(id);
            }
        }
        for (int id : killed) {
            waitGone(processes[id]);
            paused[id] = false;
            note(id, "killed with SIGKILL with the whole group");
        }
    }

    /** SIGTERM to every running replica, so the whole group is down. */
    public void stopAll() {
        for (int id = 1; id <= size(); id++) {
            if (isRunning(id)) {
                stop(id);
            }
        }
    }

    /** Starts every replica that is down, on the same data directories and ports, and waits until each serves. */
    public void restartAll() throws IOException {
        List<Integer> started = new ArrayList<>();
        for (int id = 1; id <= size(); id++) {
            if (!isRunning(id)) {
                launch(id);
                started.add(id);
            }
        }
        for (int id : started) {
            awaitServing(id);
        }
    }

    /** Starts a replica that was killed or stopped; its data directory says it joined, so it recovers. */
    @Override
    public void restart(int id) throws IOException {
        if (isRunning(id)) {
            throw new IllegalStateException("replica " + id + " is still running");
        }
        launch(id);
        awaitServing(id);
    }

    /** SIGSTOP: the process stays, its sockets stay open, nothing runs. */
    public void pause(int id) {
        signal(id, "-STOP");
        paused[id] = true;
        note(id, "paused with SIGSTOP");
    }

    public void resume(int id) {
        signal(id, "-CONT");
        paused[id] = false;
        note(id, "resumed with SIGCONT");
    }

    /** The replica whose srvr says leader in a normal status, in the highest view; empty while there is none. */
    public Optional<Integer> leader() {
        Status best = null;
        for (int id = 1; id <= size(); id++) {
            Optional<Status> s = status(id);
            if (s.isPresent() && s.get().isNormalLeader() && (best == null || s.get().view() > best.view())) {
                best = s.get();
            }
        }
        return Optional.ofNullable(best).map(Status::id);
    }

    /** Waits for a leader that is not {@code excluded} (0 for any), and returns it. */
    public int awaitLeader(int excluded, Duration timeout) {
        return await("a leader other than replica " + excluded).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(this::leader, l -> l.isPresent() && l.get() != excluded).orElseThrow();
    }

    /** srvr of one replica; empty when it is down, paused or does not answer within a second. */
    public Optional<Status> status(int id) {
        if (!isRunning(id) || paused[id]) {
            return Optional.empty();
        }
        String text;
        try {
            text = fourLetterWord(id, "srvr");
        } catch (IOException e) {
            return Optional.empty();
        }
        Matcher mode = MODE.matcher(text);
        Matcher replica = REPLICA.matcher(text);
        Matcher nodes = NODES.matcher(text);
        if (!mode.find() || !replica.find() || !nodes.find()) {
            return Optional.empty();
        }
        return Optional.of(new Status(id, mode.group(1), replica.group(1), Long.parseLong(replica.group(2)),
                Long.parseLong(replica.group(4)), Long.parseLong(nodes.group(1))));
    }

    /** The state digest a replica reports with {@code hash} ("0x<zxid>: <digest>"); empty when it cannot answer. */
    public Optional<String> stateDigest(int id) {
        if (!isRunning(id) || paused[id]) {
            return Optional.empty();
        }
        try {
            String text = fourLetterWord(id, "hash").trim();
            return text.matches("0x[0-9a-f]+: [0-9]+") ? Optional.of(text) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String fourLetterWord(int id, String word) throws IOException {
        return fourLetterWord(clientAddress(id), word);
    }

    /** A four-letter word's answer from any server's client port, ZooKeeper's or ours. */
    static String fourLetterWord(InetSocketAddress address, String word) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, FOUR_LETTER_TIMEOUT_MS);
            s.setSoTimeout(FOUR_LETTER_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The proxy on the link from replica {@code from} to replica {@code to}; only with peer proxies. */
    public FaultProxy link(int from, int to) {
        if (!settings.peerProxies()) {
            throw new IllegalStateException("the group runs without peer proxies");
        }
        return links[from][to];
    }

    /** Symmetric partition: replica {@code id} neither reaches nor is reached by any other replica. */
    public void isolate(int id) {
        for (int other = 1; other <= size(); other++) {
            if (other != id) {
                link(id, other).blackhole(FaultProxy.Direction.FORWARD);
                link(other, id).blackhole(FaultProxy.Direction.FORWARD);
            }
        }
        note(id, "isolated from its peers");
    }

    /** Asymmetric partition: what {@code from} sends to {@code to} is lost, the other way still flows. */
    public void cutOneWay(int from, int to) {
        link(from, to).blackhole(FaultProxy.Direction.FORWARD);
        note(from, "messages to replica " + to + " are dropped");
    }

    /** Every link flows again. */
    public void heal() {
        for (int from = 1; from <= size(); from++) {
            for (int to = 1; to <= size(); to++) {
                if (links[from][to] != null) {
                    links[from][to].heal();
                }
            }
        }
        for (int id = 1; id <= size(); id++) {
            note(id, "partitions healed");
        }
    }

    /** Kills every replica this object started and closes the proxies; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and runs the hook itself
        }
    }

    private void killAll() {
        for (int id = 1; id <= size(); id++) {
            Process p = processes[id];
            if (p != null && p.isAlive()) {
                p.destroyForcibly(); // SIGKILL also ends a stopped process
            }
        }
        for (int id = 1; id <= size(); id++) {
            if (processes[id] != null) {
                waitGone(processes[id]);
            }
        }
        for (FaultProxy[] row : links) {
            for (FaultProxy proxy : row) {
                if (proxy != null) {
                    proxy.close();
                }
            }
        }
    }

    private void choosePorts() throws IOException {
        for (int id = 1; id <= size(); id++) {
            clientPorts[id] = freePort(host(id));
            adminPorts[id] = freePort(host(id));
            peerPorts[id] = freePeerPort(id);
        }
        if (settings.peerProxies()) {
            for (int from = 1; from <= size(); from++) {
                for (int to = 1; to <= size(); to++) {
                    if (from != to) {
                        links[from][to] = new FaultProxy(from + "->" + to,
                                new InetSocketAddress(proxyHost(from, to), peerPorts[to]),
                                new InetSocketAddress(host(to), peerPorts[to]),
                                InetAddress.getByName(proxyHost(to, from)));
                    }
                }
            }
        }
    }

    /** A port free on the replica's address and, with proxies, on every proxy address that stands for it. */
    private int freePeerPort(int id) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = freePort(host(id));
            if (!settings.peerProxies() || freeOnProxyHosts(id, port)) {
                return port;
            }
        }
        throw new IOException("no peer port free on every address of replica " + id);
    }

    private boolean freeOnProxyHosts(int id, int port) {
        for (int from = 1; from <= size(); from++) {
            if (from == id) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(proxyHost(from, id), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static int freePort(String host) throws IOException {
        return io.viewkeeper.server.TestPorts.free(host);
    }

    /** Where replica {@code from} reaches replica {@code to} through the proxy of that link. */
    static String proxyHost(int from, int to) {
        return "127.0." + (10 + from) + "." + to;
    }

    static String peerHostName(int id) {
        return "vk-" + id;
    }

    private Path config(int id) {
        return dir.resolve("replica-" + id + ".cfg");
    }

    private Path hostsFile(int id) {
        return dir.resolve("replica-" + id + ".hosts");
    }

    private Path logbackConfig() {
        return dir.resolve("logback-replica.xml");
    }

    private void writeConfigs() throws IOException {
        Files.createDirectories(dir);
        StringBuilder members = new StringBuilder();
        for (int id = 1; id <= size(); id++) {
            if (!settings.joins(id)) {
                members.append(serverLine(id));
            }
        }
        for (int id = 1; id <= size(); id++) {
            String cfg = "tickTime=" + settings.tickTimeMs() + "\n"
                    + "dataDir=" + dataDir(id) + "\n"
                    + "serverId=" + id + "\n"
                    + "clientPortAddress=" + host(id) + "\n"
                    + "4lw.commands.whitelist=*\n"
                    + "reads=" + settings.reads() + "\n"
                    + "admin.serverAddress=" + host(id) + "\n"
                    + "admin.serverPort=" + adminPorts[id] + "\n"
                    + (settings.observer(id) ? "peerType=observer\n" : "")
                    + extraConfigLines()
                    + members + (settings.joins(id) ? serverLine(id) : "");
            Files.writeString(config(id), cfg, StandardCharsets.UTF_8);
            if (settings.peerProxies()) {
                Files.writeString(hostsFile(id), hosts(id), StandardCharsets.UTF_8);
            }
        }
        Files.writeString(logbackConfig(), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="io.netty" level="WARN"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """, StandardCharsets.UTF_8);
    }

    /** Replica {@code id}'s server line in ZooKeeper's form. */
    public String serverLine(int id) {
        String peerHost = settings.peerProxies() ? peerHostName(id) : host(id);
        return "server." + id + "=" + peerHost + ":" + peerPorts[id] + (settings.observer(id) ? ":observer" : "")
                + ";" + host(id) + ":" + clientPorts[id] + "\n";
    }

    private String extraConfigLines() {
        StringBuilder lines = new StringBuilder();
        settings.extraConfig().forEach((key, value) -> lines.append(key).append('=').append(value).append('\n'));
        return lines.toString();
    }

    private String hosts(int self) {
        StringBuilder out = new StringBuilder("127.0.0.1 localhost\n");
        for (int id = 1; id <= size(); id++) {
            String address = id == self ? host(id) : proxyHost(self, id);
            out.append(address).append(' ').append(peerHostName(id)).append('\n');
        }
        return out.toString();
    }

    private void launch(int id) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dlogback.configurationFile=" + logbackConfig());
        if (settings.peerProxies()) {
            command.add("-Djdk.net.hosts.file=" + hostsFile(id));
        }
        command.add("-cp");
        command.add(ServerClasspath.get());
        command.add("io.viewkeeper.server.Main");
        command.add("node");
        command.add("--config");
        command.add(config(id).toString());
        starts[id]++;
        note(id, "start " + starts[id]);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()));
        processes[id] = builder.start();
        paused[id] = false;
    }

    private void awaitServing(int id) {
        await("replica " + id + " serving").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!processes[id].isAlive()) {
                        throw new IllegalStateException("replica " + id + " exited with "
                                + processes[id].exitValue() + ":\n" + log(id));
                    }
                    // the admin endpoint opens just after the client port: tests use both
                    return status(id).isPresent() && (!adminEnabled() || accepts(host(id), adminPorts[id]));
                });
    }

    private boolean adminEnabled() {
        return !"false".equalsIgnoreCase(settings.extraConfig().getOrDefault("admin.enableServer", "true"));
    }

    private static boolean accepts(String host, int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(int id, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid(id))).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid(id) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling replica " + id, e);
        }
    }

    /** A line in the replica's output file, so its log shows where the test acted on it. */
    private void note(int id, String what) {
        String line = "==== cluster test: replica " + id + " " + what + " at " + java.time.LocalTime.now() + "\n";
        try {
            Files.writeString(logFile(id), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void waitGone(Process p) {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + p.pid() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
