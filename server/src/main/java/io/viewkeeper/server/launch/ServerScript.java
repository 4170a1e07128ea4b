package io.viewkeeper.server.launch;

import io.viewkeeper.server.ConfigException;
import io.viewkeeper.server.NodeConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verbs of {@code bin/vkServer.sh} (ZooKeeper's {@code zkServer.sh}: start, stop, restart, status, print-cmd,
 * and the command start-foreground execs) for one replica described by a zoo.cfg, with zkServer.sh's output lines
 * and exit codes, so scripts written for it work. The PID file ({@code ZOOPIDFILE}, default
 * {@code dataDir/viewkeeper_server.pid}) and the output file ({@code ZOO_LOG_DIR}, default dataDir) never go into
 * the installation. The node runs as {@code java <JvmFlags.quiet()> -XX:+ExitOnOutOfMemoryError [logback config]
 * $SERVER_JVMFLAGS $JVMFLAGS <class data sharing: dataDir/viewkeeper.jsa> -cp <lib> Main node --config zoo.cfg}; it
 * is found again by {@link NodeProcesses}'
 * rule, and start waits until its client port answers.
 */
public final class ServerScript {
    static final Duration START_WAIT_DEFAULT = Duration.ofSeconds(60);
    static final Duration STOP_WAIT_DEFAULT = Duration.ofSeconds(60);
    private static final int OUT_TAIL_LINES = 5;
    private static final int SRVR_TIMEOUT_MS = 5_000;
    private static final long POLL_MS = 100;

    private final Path config;
    private final Path confDir;
    private final String classpath;
    private final Map<String, String> env;
    private final PrintWriter out;
    private final PrintWriter err;

    public ServerScript(Path config, Path confDir, String classpath, Map<String, String> env, PrintWriter out,
            PrintWriter err) {
        this.config = config;
        this.confDir = confDir;
        this.classpath = classpath;
        this.env = env;
        this.out = out;
        this.err = err;
    }

    /** What the config says, or null after printing why it cannot be used. */
    private NodeConfig readConfig() {
        try {
            return NodeConfig.read(config);
        } catch (IOException e) {
            err.println("Error: cannot read config " + config + " (" + e.getMessage() + ")");
        } catch (ConfigException e) {
            err.println("Error: " + config + ": " + e.getMessage());
        }
        err.flush();
        return null;
    }

    private Path pidFile(NodeConfig node) {
        String given = env.get("ZOOPIDFILE");
        return given == null || given.isBlank() ? node.dataDir().resolve("viewkeeper_server.pid") : Path.of(given);
    }

    private Path outFile(NodeConfig node) {
        String given = env.get("ZOO_LOG_DIR");
        Path dir = given == null || given.isBlank() ? node.dataDir() : Path.of(given);
        String user = env.getOrDefault("USER", System.getProperty("user.name"));
        String host = env.getOrDefault("HOSTNAME", "localhost");
        return dir.resolve("viewkeeper-" + user + "-server-" + host + ".out");
    }

    /** The node's command line. */
    List<String> command(NodeConfig node) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.quiet());
        // a replica out of memory exits (a supervisor restarts it on its data) rather than limp on
        command.add("-XX:+ExitOnOutOfMemoryError");
        Path logback = confDir.resolve("logback.xml");
        if (Files.isRegularFile(logback)) {
            command.add("-Dlogback.configurationFile=" + logback);
        }
        for (String variable : List.of("SERVER_JVMFLAGS", "JVMFLAGS")) {
            String flags = env.get(variable);
            if (flags != null && !flags.isBlank()) {
                command.addAll(List.of(flags.trim().split("\\s+")));
            }
        }
        // the classes it loads are kept beside its data when it exits cleanly, so later starts take half the time
        command.addAll(JvmFlags.classDataSharing(node.dataDir().resolve("viewkeeper.jsa"), classpath));
        command.add("-cp");
        command.add(classpath);
        command.add(NodeProcesses.MAIN_CLASS);
        command.add("node");
        command.add("--config");
        command.add(config.toString());
        return command;
    }

    private static String clientHost(NodeConfig node) {
        String host = node.listenHost();
        return host.equals("0.0.0.0") ? "localhost" : host;
    }

    private Duration wait(String variable, Duration fallback) {
        String text = env.get(variable);
        if (text != null && text.matches("[0-9]{1,6}")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        return fallback;
    }

    public int start() throws IOException, InterruptedException {
        NodeConfig node = readConfig();
        if (node == null) {
            return 1;
        }
        out.print("Starting Viewkeeper ... ");
        out.flush();
        Path pidFile = pidFile(node);
        Optional<ProcessHandle> running = NodeProcesses.fromPidFile(pidFile);
        if (running.isPresent()) {
            return say("already running as process " + running.get().pid() + ".", 1);
        }
        String host = clientHost(node);
        int port = node.listenPort();
        if (NodeProcesses.accepts(host, port)) {
            return say("FAILED TO START: something already listens on " + host + ":" + port, 1);
        }
        Path outFile = outFile(node);
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        Files.createDirectories(pidFile.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(NodeProcesses.detachPrefix());
        command.addAll(command(node));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outFile.toFile())
                .start();
        process.getOutputStream().close();
        try {
            Files.writeString(pidFile, Long.toString(process.pid()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // nothing could find it again: a node no one can stop by its PID file is not left running
            process.destroyForcibly();
            return say("FAILED TO WRITE PID", 1);
        }
        long deadline = System.nanoTime() + wait("VK_START_WAIT_SECONDS", START_WAIT_DEFAULT).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                say("FAILED TO START", 1);
                for (String line : GroupLauncher.tail(outFile, OUT_TAIL_LINES)) {
                    err.println(line);
                }
                err.flush();
                Files.deleteIfExists(pidFile);
                return 1;
            }
            if (NodeProcesses.accepts(host, port)) {
                return say("STARTED", 0);
            }
            Thread.sleep(POLL_MS);
        }
        return say("STARTED (process " + process.pid() + "; port " + port + " not answering yet, see " + outFile
                + ")", 0);
    }

    /**
     * Stops the node its PID file names. Only {@code dataDir} is read from the config (or nothing, with {@code
     * ZOOPIDFILE}), as zkServer.sh does: a config edited into something invalid while the node runs does not keep
     * the node from being stopped.
     */
    public int stop() throws IOException, InterruptedException {
        Path pidFile = stopPidFile();
        if (pidFile == null) {
            return 1;
        }
        out.print("Stopping Viewkeeper ... ");
        out.flush();
        if (!Files.exists(pidFile)) {
            return say("no Viewkeeper to stop (could not find file " + pidFile + ")", 0);
        }
        Optional<ProcessHandle> running = NodeProcesses.fromPidFile(pidFile);
        if (running.isEmpty()) {
            Optional<ProcessHandle> other = pidOf(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
            if (other.isPresent()) {
                return say("process " + other.get().pid() + " named in " + pidFile + " is not a Viewkeeper node "
                        + "(or cannot be told to be); PID file kept", 1);
            }
        } else {
            Duration grace = wait("VK_STOP_WAIT_SECONDS", STOP_WAIT_DEFAULT);
            if (!NodeProcesses.terminate(List.of(running.get()), grace).isEmpty()) {
                return say("process " + running.get().pid() + " did not stop within " + grace.toSeconds()
                        + " s; PID file " + pidFile + " kept", 1);
            }
        }
        Files.deleteIfExists(pidFile);
        return say("STOPPED", 0);
    }

    private Path stopPidFile() {
        String given = env.get("ZOOPIDFILE");
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        java.util.Properties properties = new java.util.Properties();
        try (java.io.Reader reader = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            err.println("Error: cannot read config " + config + " (" + e.getMessage() + ")");
            err.flush();
            return null;
        }
        String dataDir = properties.getProperty("dataDir", "").trim();
        if (dataDir.isEmpty()) {
            err.println("Error: " + config + " has no dataDir");
            err.flush();
            return null;
        }
        return Path.of(dataDir).resolve("viewkeeper_server.pid");
    }

    private static Optional<Long> pidOf(Path pidFile) {
        return NodeProcesses.pid(pidFile);
    }

    /** zkServer.sh's restart: stop, then start whatever stop said. */
    public int restart() throws IOException, InterruptedException {
        stop();
        return start();
    }

    /** zkServer.sh's status: the client address, then the Mode line of srvr, or that the service does not answer. */
    public int status() {
        NodeConfig node = readConfig();
        if (node == null) {
            return 1;
        }
        String host = clientHost(node);
        int port = node.listenPort();
        out.println("Client port found: " + port + ". Client address: " + host + ". Client SSL: false.");
        Optional<String> mode = srvrMode(host, port);
        if (mode.isEmpty()) {
            return say("Error contacting service. It is probably not running.", 1);
        }
        return say(mode.get(), 0);
    }

    private static Optional<String> srvrMode(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), SRVR_TIMEOUT_MS);
            socket.setSoTimeout(SRVR_TIMEOUT_MS);
            OutputStream request = socket.getOutputStream();
            request.write("srvr".getBytes(StandardCharsets.US_ASCII));
            request.flush();
            BufferedReader answer = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = answer.readLine()) != null) {
                if (line.startsWith("Mode:")) {
                    return Optional.of(line);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** print-cmd: the command start runs, shell-quoted, with its redirections. */
    public int printCommand() {
        NodeConfig node = readConfig();
        if (node == null) {
            return 1;
        }
        List<String> quoted = new ArrayList<>();
        for (String word : command(node)) {
            quoted.add(shellQuote(word));
        }
        return say(String.join(" ", quoted) + " > " + shellQuote(outFile(node).toString()) + " 2>&1 < /dev/null", 0);
    }

    /** The command start-foreground execs, one NUL-terminated word each, for the script to read. */
    public int foregroundCommand() {
        NodeConfig node = readConfig();
        if (node == null) {
            return 1;
        }
        for (String word : command(node)) {
            out.print(word);
            out.print('\0');
        }
        out.flush();
        return 0;
    }

    static String shellQuote(String word) {
        if (word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private int say(String line, int status) {
        out.println(line);
        out.flush();
        return status;
    }
}
