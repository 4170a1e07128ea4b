package io.viewkeeper.server.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.stream.Stream;

/**
 * Starts and stops the local replica group of {@code ./viewkeeper start} and {@code stop}: each replica its own JVM
 * running {@code viewkeeper node --config replica-I.cfg}. Detached, a replica's output goes to its log file and its
 * PID to its PID file, and {@link #start} returns once every client port answers (or stops what it started and
 * shows the log of the replica that failed). In the foreground the replicas' output is copied with an
 * {@code [rI]} prefix until they end; SIGINT or SIGTERM to the launcher stops exactly them. Every refusal is one
 * line on {@code err} and exit status 1; nothing is signalled that is not a Viewkeeper node.
 */
public final class GroupLauncher {
    public static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    public static final Duration STOP_WAIT = Duration.ofSeconds(30);
    static final int LOG_TAIL_LINES = 20;
    private static final long POLL_MS = 200;
    private static final int TOKEN_BYTES = 24;

    private final GroupLayout layout;
    private final List<String> javaCommand;
    private final PrintWriter out;
    private final PrintWriter err;
    /** Foreground replicas by index, and whether a stop was asked for (SIGINT or SIGTERM); guarded by itself. */
    private final Map<Integer, Process> foreground = new LinkedHashMap<>();
    private boolean stopRequested;

    /**
     * {@code javaCommand}: the java binary, its options and the class path, up to (not including) the main class:
     * every replica runs {@code javaCommand + MAIN_CLASS node --config FILE}.
     */
    public GroupLauncher(GroupLayout layout, List<String> javaCommand, PrintWriter out, PrintWriter err) {
        this.layout = layout;
        this.javaCommand = List.copyOf(javaCommand);
        this.out = out;
        this.err = err;
    }

    /** The java command of a child like this JVM: its java, the quiet flags, extra options and the class path. */
    public static List<String> javaCommandLikeThisJvm(List<String> extraOptions, String classpath) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.quiet());
        command.addAll(extraOptions);
        command.add("-cp");
        command.add(classpath);
        return command;
    }

    /** Replicas this start runs: one ({@code only > 0}) or all of them. */
    private List<Integer> starting(int only) throws IOException {
        if (only > 0) {
            return List.of(only);
        }
        List<Integer> changed = only == 0 ? changedMembers() : null;
        if (changed != null) {
            return changed;
        }
        List<Integer> replicas = new ArrayList<>();
        for (int i = 1; i <= layout.members(); i++) {
            replicas.add(i);
        }
        return replicas;
    }

    /**
     * The members of the group once it changed them (a reconfiguration added or removed servers): those of the
     * latest epoch any replica directory recorded ({@code members.cfg}); null while the group never changed. A
     * removed server is not started again, and one that joined is.
     */
    private List<Integer> changedMembers() throws IOException {
        long epoch = -1;
        List<Integer> ids = null;
        if (!Files.isDirectory(layout.dataDir())) {
            return null;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.dataDir(), "replica-*")) {
            for (Path dir : dirs) {
                Path file = dir.resolve("members.cfg");
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                String text = Files.readString(file, StandardCharsets.UTF_8);
                String first = text.lines().findFirst().orElse("");
                try {
                    long at = Long.parseLong(first.substring(first.indexOf('=') + 1).trim());
                    if (first.startsWith("epoch=") && at > epoch) {
                        epoch = at;
                        ids = io.viewkeeper.server.GroupMembers.parse(text.substring(first.length())).stream()
                                .map(io.viewkeeper.server.NodeConfig.Member::id).sorted().toList();
                    }
                } catch (RuntimeException e) {
                    throw new IOException(file + " does not hold the group's members: " + e.getMessage(), e);
                }
            }
        }
        return ids;
    }

    /**
     * Starts replica {@code replica}, beyond the group's members, as a new server of the running group: an empty
     * data directory and a config naming the group's servers and itself as an observer. It catches up once the group
     * adds it ({@code vkctl add-learner}), which this prints.
     */
    public int join(int replica, boolean detach) throws IOException, InterruptedException {
        String running = alreadyRunning(replica);
        if (running != null) {
            return fail(running);
        }
        if (NodeProcesses.accepts(GroupLayout.host(replica), layout.clientPort())) {
            return fail("port " + layout.clientPort() + " on " + GroupLayout.host(replica) + " is already in use.");
        }
        prepare(List.of(replica), replica);
        out.println("replica " + replica + " starts as a new server; add it to the group with:");
        out.println("  ./viewkeeper ctl add-learner --id " + replica + " --address "
                + layout.joiningAddress(replica));
        out.flush();
        return detach ? startDetached(List.of(replica)) : startForeground(List.of(replica));
    }

    /** The whole group's connect string, or, once it changed its members, theirs. */
    private String connectString(List<Integer> started) {
        List<Integer> changed;
        try {
            changed = changedMembers();
        } catch (IOException e) {
            changed = null; // the start read them already: say the layout's
        }
        if (changed == null) {
            return layout.connectString();
        }
        StringJoiner joined = new StringJoiner(",");
        changed.forEach(i -> joined.add(GroupLayout.host(i) + ":" + layout.clientPort()));
        return joined.toString();
    }

    /** Starts replica {@code only} of the group (0: every replica); returns the exit status. */
    public int start(int only, boolean detach, boolean fresh) throws IOException, InterruptedException {
        // a new group is the layout's; servers that joined an earlier one go with its directories
        List<Integer> replicas = fresh ? starting(-1) : starting(only);
        String running = alreadyRunning(only);
        if (running != null) {
            return fail(running);
        }
        for (int i : replicas) {
            if (NodeProcesses.accepts(GroupLayout.host(i), layout.clientPort())) {
                return fail("port " + layout.clientPort() + " on " + GroupLayout.host(i) + " is already in use.");
            }
            if (layout.tls() != null && NodeProcesses.accepts(GroupLayout.host(i), layout.securePort())) {
                return fail("TLS port " + layout.securePort() + " on " + GroupLayout.host(i) + " is already in use.");
            }
        }
        if (fresh) {
            List<Integer> clear = new ArrayList<>();
            for (int i = 1; i <= Math.max(layout.members(), GroupLayout.JOINING_MAX); i++) {
                clear.add(i);
            }
            String refused = clearReplicaDirs(clear);
            if (refused != null) {
                return fail(refused);
            }
        }
        prepare(replicas, only);
        return detach ? startDetached(replicas) : startForeground(replicas);
    }

    /** Why this start may not run because replicas it would start already run, or null; stale PID files go. */
    private String alreadyRunning(int only) throws IOException {
        for (Map.Entry<String, Path> entry : pidFiles().entrySet()) {
            String name = entry.getKey();
            if (only > 0 && !name.equals("replica-" + only)) {
                continue;
            }
            Optional<ProcessHandle> process = NodeProcesses.fromPidFile(entry.getValue());
            if (process.isPresent()) {
                return name.replace('-', ' ') + " is already running (PID " + process.get().pid() + "); run "
                        + "'./viewkeeper stop' first.";
            }
            Files.deleteIfExists(entry.getValue());
        }
        return null;
    }

    /** The PID files in the state directory by name (replica-I, and node for an older launcher's single node). */
    private Map<String, Path> pidFiles() throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        if (Files.isDirectory(layout.stateDir())) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(layout.stateDir(), "replica-*.pid")) {
                List<Path> sorted = new ArrayList<>();
                found.forEach(sorted::add);
                sorted.sort(null);
                for (Path file : sorted) {
                    String name = file.getFileName().toString();
                    files.put(name.substring(0, name.length() - ".pid".length()), file);
                }
            }
        }
        Path legacy = layout.stateDir().resolve(GroupLayout.LEGACY_PID_FILE);
        if (Files.isRegularFile(legacy)) {
            files.put("node", legacy);
        }
        return files;
    }

    /** Deletes the replica directories of a new group, or says which one it refuses (not created by start). */
    private String clearReplicaDirs(List<Integer> replicas) throws IOException {
        List<Path> clear = new ArrayList<>();
        for (int i : replicas) {
            Path dir = layout.replicaDir(i);
            if (!Files.exists(dir)) {
                continue;
            }
            if (Files.isDirectory(dir) && (Files.isRegularFile(dir.resolve(GroupLayout.REPLICA_DIR_MARKER))
                    || isEmptyDirectory(dir))) {
                clear.add(dir);
            } else {
                return dir + " exists but was not created by './viewkeeper start' (no "
                        + GroupLayout.REPLICA_DIR_MARKER + " in it); move it away or choose another --data-dir.";
            }
        }
        List<String> cleared = new ArrayList<>();
        for (Path dir : clear) {
            deleteTree(dir);
            cleared.add(dir.toString());
        }
        if (!cleared.isEmpty()) {
            err.println("viewkeeper: a new group starts empty; cleared " + String.join(" ", cleared));
            err.flush();
        }
        return null;
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The state directory, the token, each replica's directory (marked) and config. */
    private void prepare(List<Integer> replicas, int only) throws IOException {
        Files.createDirectories(layout.stateDir());
        if (only <= 0) {
            // configs of an earlier group (of 5 replicas, say) would only mislead
            try (DirectoryStream<Path> old = Files.newDirectoryStream(layout.stateDir(), "replica-*.cfg")) {
                for (Path file : old) {
                    Files.delete(file);
                }
            }
        }
        ensureToken();
        for (int i : replicas) {
            Path dir = Files.createDirectories(layout.replicaDir(i));
            Path marker = dir.resolve(GroupLayout.REPLICA_DIR_MARKER);
            if (!Files.exists(marker)) {
                Files.writeString(marker, "Created by ./viewkeeper start; deleted with this directory by 'start "
                        + "--fresh'.\n", StandardCharsets.UTF_8);
            }
            layout.writeConfig(i);
        }
    }

    /** A random token, written once and readable by its owner only, for the replicas' admin.tokenFile and vkctl. */
    private void ensureToken() throws IOException {
        Path file = layout.tokenFile();
        if (Files.isRegularFile(file) && Files.size(file) > 0) {
            return;
        }
        byte[] random = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(random);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, HexFormat.of().formatHex(random), StandardCharsets.UTF_8);
    }

    private List<String> replicaCommand(int replica) {
        List<String> command = new ArrayList<>(javaCommand);
        int classpath = javaCommand.indexOf("-cp") + 1;
        if (classpath > 0 && classpath < javaCommand.size()) {
            command.addAll(JvmFlags.classDataSharing(layout.stateDir().resolve("replica-" + replica + ".jsa"),
                    javaCommand.get(classpath)));
        }
        command.add(NodeProcesses.MAIN_CLASS);
        command.add("node");
        command.add("--config");
        command.add(layout.configFile(replica).toString());
        return command;
    }

    private String describeStarted(List<Integer> replicas) {
        if (replicas.size() == 1 && layout.nodes() > 1) {
            return (replicas.get(0) > layout.nodes() ? "observer " : "replica ") + replicas.get(0) + " of "
                    + layout.members();
        }
        return layout.nodes() == 1 ? "1 node" : layout.nodes() + " replicas" + (layout.observers() == 0 ? ""
                : " and " + layout.observers() + " observer" + (layout.observers() == 1 ? "" : "s"));
    }

    private boolean allAccept(List<Integer> replicas) {
        for (int i : replicas) {
            if (!NodeProcesses.accepts(GroupLayout.host(i), layout.clientPort())) {
                return false;
            }
        }
        return true;
    }

    // ---- detached -------------------------------------------------------------------------------------------

    private int startDetached(List<Integer> replicas) throws IOException, InterruptedException {
        Map<Integer, Process> started = new LinkedHashMap<>();
        try {
            for (int i : replicas) {
                // a replica outlives the terminal and the launcher that started it, as a daemon should
                List<String> command = new ArrayList<>(NodeProcesses.detachPrefix());
                command.addAll(replicaCommand(i));
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(layout.logFile(i).toFile()).start();
                process.getOutputStream().close();
                started.put(i, process);
                Files.writeString(layout.pidFile(i), Long.toString(process.pid()), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            stopStarted(started);
            return fail("cannot start a replica (" + e.getMessage() + "); stopped the replicas it had started.");
        }
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        int failed = -1;
        String why = null;
        while (failed < 0) {
            for (Map.Entry<Integer, Process> e : started.entrySet()) {
                if (!e.getValue().isAlive()) {
                    failed = e.getKey();
                    why = "replica " + failed + " exited during startup; the end of " + layout.logFile(failed) + ":";
                    break;
                }
            }
            if (failed >= 0) {
                break;
            }
            if (allAccept(replicas)) {
                out.println("Viewkeeper: " + describeStarted(replicas) + " listening (" + pids(started) + ")");
                out.println("connect string: " + connectString(replicas));
                describeTls();
                out.flush();
                return 0;
            }
            if (System.nanoTime() >= deadline) {
                failed = replicas.get(0);
                for (int i : replicas) {
                    if (!NodeProcesses.accepts(GroupLayout.host(i), layout.clientPort())) {
                        failed = i;
                        break;
                    }
                }
                why = "replica " + failed + " did not accept connections on " + GroupLayout.host(failed) + ":"
                        + layout.clientPort() + " within " + STARTUP_WAIT.toSeconds() + "s; the end of "
                        + layout.logFile(failed) + ":";
                break;
            }
            Thread.sleep(POLL_MS);
        }
        err.println("viewkeeper: " + why);
        for (String line : tail(layout.logFile(failed), LOG_TAIL_LINES)) {
            err.println(line);
        }
        stopStarted(started);
        err.println("viewkeeper: stopped the replicas it had started.");
        err.flush();
        return 1;
    }

    /** With --tls: the TLS connect string and what a ZooKeeper Java client sets to use it. */
    private void describeTls() {
        if (layout.tls() == null) {
            return;
        }
        out.println("TLS connect string: " + layout.secureConnectString());
        out.println("  ZooKeeper Java clients (zkCli: CLIENT_JVMFLAGS): " + layout.tls().clientFlags());
    }

    private String pids(Map<Integer, Process> started) {
        if (started.size() == 1) {
            Map.Entry<Integer, Process> only = started.entrySet().iterator().next();
            return "PID " + only.getValue().pid() + "; log " + layout.logFile(only.getKey());
        }
        StringJoiner joined = new StringJoiner(", ");
        started.forEach((i, p) -> joined.add("r" + i + "=" + p.pid()));
        return "PIDs " + joined + "; logs " + layout.stateDir().resolve("replica-N.log");
    }

    private void stopStarted(Map<Integer, Process> started) throws IOException, InterruptedException {
        List<ProcessHandle> handles = started.values().stream().map(Process::toHandle).toList();
        for (ProcessHandle stubborn : NodeProcesses.terminate(handles, STOP_WAIT)) {
            stubborn.destroyForcibly();
        }
        for (int i : started.keySet()) {
            Files.deleteIfExists(layout.pidFile(i));
        }
    }

    static List<String> tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException | UncheckedIOException e) {
            return List.of("(" + file + " cannot be read: " + e.getMessage() + ")");
        }
    }

    // ---- foreground -----------------------------------------------------------------------------------------

    private int startForeground(List<Integer> replicas) throws IOException, InterruptedException {
        Map<Integer, Process> started = foreground;
        List<Thread> copiers = java.util.Collections.synchronizedList(new ArrayList<>());
        boolean prefixed = layout.nodes() > 1;
        Thread stopper = new Thread(() -> requestStop(copiers), "viewkeeper-launcher-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            try {
                launchForeground(replicas, started, copiers, prefixed);
            } catch (IOException e) {
                stopStarted(started);
                return fail("cannot start a replica (" + e.getMessage() + "); stopped the replicas it had started.");
            }
            return superviseForeground(replicas, started);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the replicas
            }
            for (Thread copier : List.copyOf(copiers)) {
                copier.join(STOP_WAIT.toMillis());
            }
        }
    }

    private void launchForeground(List<Integer> replicas, Map<Integer, Process> started, List<Thread> copiers,
            boolean prefixed) throws IOException {
        for (int i : replicas) {
            ProcessBuilder builder = new ProcessBuilder(replicaCommand(i));
            if (prefixed) {
                builder.redirectErrorStream(true);
            } else {
                builder.redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
            }
            Process process;
            synchronized (started) {
                if (stopRequested) {
                    return; // a signal came while starting: start no more, the stop takes those already running
                }
                process = builder.start();
                started.put(i, process);
            }
            process.getOutputStream().close();
            if (prefixed) {
                Thread copier = Thread.ofPlatform().name("replica-" + i + "-output")
                        .start(() -> copyPrefixed(i, process));
                copiers.add(copier);
            }
        }
    }

    private void copyPrefixed(int replica, Process process) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                synchronized (out) {
                    out.println("[r" + replica + "] " + line);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the replica's output ended with it
        }
    }

    /** Runs until every replica has ended; a replica that fails before the group listens stops the group. */
    private int superviseForeground(List<Integer> replicas, Map<Integer, Process> started)
            throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        boolean listening = false;
        boolean stopping = false;
        int failures = 0;
        Map<Integer, Integer> exited = new LinkedHashMap<>();
        while (true) {
            if (stopRequested()) {
                // asked to stop (a signal): the replicas ending now are no failure, and no one needs telling
                awaitAll(started);
                return 0;
            }
            List<ProcessHandle> alive = new ArrayList<>();
            for (Map.Entry<Integer, Process> e : started.entrySet()) {
                int i = e.getKey();
                Process p = e.getValue();
                if (exited.containsKey(i)) {
                    continue;
                }
                if (p.isAlive()) {
                    alive.add(p.toHandle());
                    continue;
                }
                exited.put(i, p.exitValue());
                if (!stopping) {
                    report("viewkeeper: replica " + i + " (PID " + p.pid() + ") exited with status " + p.exitValue()
                            + ".");
                    failures += p.exitValue() == 0 ? 0 : 1;
                    if (!listening) {
                        report("viewkeeper: stopping the group: a replica failed to start.");
                        stopping = true;
                        failures++;
                    }
                }
            }
            if (alive.isEmpty()) {
                break;
            }
            if (stopping) {
                report("viewkeeper: stopping " + describeStarted(replicas) + "...");
                for (ProcessHandle stubborn : NodeProcesses.terminate(alive, STOP_WAIT)) {
                    report("viewkeeper: PID " + stubborn.pid() + " ignored SIGTERM for " + STOP_WAIT.toSeconds()
                            + "s; killing it.");
                    stubborn.destroyForcibly();
                }
                continue;
            }
            if (!listening) {
                if (allAccept(replicas)) {
                    listening = true;
                    synchronized (out) {
                        out.println("Viewkeeper: " + describeStarted(replicas) + " listening; connect string: "
                                + connectString(replicas));
                        describeTls();
                        out.flush();
                    }
                } else if (System.nanoTime() >= deadline) {
                    report("viewkeeper: the replicas did not all accept connections within "
                            + STARTUP_WAIT.toSeconds() + "s.");
                    stopping = true;
                    failures++;
                    continue;
                }
            }
            Thread.sleep(POLL_MS);
        }
        return failures == 0 ? 0 : 1;
    }

    private boolean stopRequested() {
        synchronized (foreground) {
            return stopRequested;
        }
    }

    private static void awaitAll(Map<Integer, Process> started) throws InterruptedException {
        List<Process> processes;
        synchronized (started) {
            processes = List.copyOf(started.values());
        }
        for (Process p : processes) {
            p.waitFor(STOP_WAIT.toMillis() + 5_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /**
     * What SIGINT or SIGTERM to the launcher does (its shutdown hook): no replica starts after it, exactly the
     * replicas it started are stopped, and their last lines show.
     */
    void requestStop(List<Thread> copiers) {
        List<ProcessHandle> handles;
        synchronized (foreground) {
            stopRequested = true;
            handles = foreground.values().stream().map(Process::toHandle).filter(ProcessHandle::isAlive).toList();
        }
        if (handles.isEmpty()) {
            return;
        }
        report("viewkeeper: stopping " + handles.size() + (handles.size() == 1 ? " replica..." : " replicas..."));
        try {
            for (ProcessHandle stubborn : NodeProcesses.terminate(handles, STOP_WAIT)) {
                stubborn.destroyForcibly();
            }
            for (Thread copier : List.copyOf(copiers)) {
                copier.join(Duration.ofSeconds(5).toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(String line) {
        synchronized (out) {
            out.flush();
            err.println(line);
            err.flush();
        }
    }

    private int fail(String message) {
        err.println("viewkeeper: " + message);
        err.flush();
        return 1;
    }

    // ---- stop -----------------------------------------------------------------------------------------------

    /** Stops every replica the state directory has a live PID file for; returns the exit status. */
    public int stop() throws IOException, InterruptedException {
        Map<String, ProcessHandle> running = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, Path> entry : pidFiles().entrySet()) {
            Optional<ProcessHandle> process = NodeProcesses.fromPidFile(entry.getValue());
            if (process.isPresent()) {
                running.put(entry.getKey(), process.get());
                files.add(entry.getValue());
            } else {
                Files.deleteIfExists(entry.getValue());
                stale.add(entry.getKey());
            }
        }
        if (!stale.isEmpty()) {
            out.println("viewkeeper: not running (gone or not a Viewkeeper node): " + String.join(" ", stale)
                    + "; removed their PID files.");
        }
        if (running.isEmpty()) {
            out.println("viewkeeper: no replica started with 'start --detach' is running.");
            out.flush();
            return 0;
        }
        List<ProcessHandle> left = NodeProcesses.terminate(List.copyOf(running.values()), STOP_WAIT);
        if (!left.isEmpty()) {
            StringJoiner names = new StringJoiner(" ");
            running.forEach((name, p) -> {
                if (left.contains(p)) {
                    names.add(name + " (PID " + p.pid() + ")");
                }
            });
            out.flush();
            return fail("still running " + STOP_WAIT.toSeconds() + "s after SIGTERM: " + names + "; see "
                    + layout.stateDir().resolve("*.log") + ".");
        }
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
        StringJoiner stopped = new StringJoiner(", ");
        running.forEach((name, p) -> stopped.add(name.replace("replica-", "r") + " (PID " + p.pid() + ")"));
        out.println("viewkeeper: stopped " + stopped + ".");
        out.flush();
        return 0;
    }
}
