package io.viewkeeper.server.launch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Processes the launchers start, found again by their PID files: a PID counts only while its process is alive and
 * its command line runs the node's main class, so a PID file left by a crash or a reboot never gets another
 * process signalled. Signals are SIGTERM ({@link ProcessHandle#destroy}), then SIGKILL after a bound.
 */
public final class NodeProcesses {
    public static final String MAIN_CLASS = "io.viewkeeper.server.Main";
    private static final int CONNECT_TIMEOUT_MS = 500;
    private static final long POLL_MS = 100;

    private NodeProcesses() {
    }

    /** The process a PID file names, if that file holds a number and the process is a live Viewkeeper node. */
    public static Optional<ProcessHandle> fromPidFile(Path pidFile) {
        return pid(pidFile).flatMap(ProcessHandle::of)
                .filter(pidFile.getFileName().toString().equals(GroupLayout.LEGACY_PID_FILE)
                        ? NodeProcesses::isLegacyNode : NodeProcesses::isNode);
    }

    /** The number a PID file holds, if it holds one. */
    static Optional<Long> pid(Path pidFile) {
        String text;
        try {
            text = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return Optional.empty();
        }
        return text.matches("[0-9]{1,10}") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    }

    /** Alive and running a node: the node's main class as a word of its command line, followed by {@code node}. */
    public static boolean isNode(ProcessHandle process) {
        return process.isAlive() && runs(arguments(process), "node");
    }

    /** A single node an older launcher started, as {@code Main start --port P --data-dir D}. */
    static boolean isLegacyNode(ProcessHandle process) {
        List<String> words = arguments(process);
        return process.isAlive() && runs(words, "start") && words.contains("--port")
                && !words.contains("--state-dir");
    }

    private static boolean runs(List<String> words, String command) {
        int main = words.indexOf(MAIN_CLASS);
        return main >= 0 && main + 1 < words.size() && words.get(main + 1).equals(command);
    }

    /**
     * The words of a process's command line, or none when they cannot be told. On Linux they are read from {@code
     * /proc/PID/cmdline}, as the JDK's own view stops at a few kilobytes and a node's class path is often longer;
     * elsewhere they are the JDK's.
     */
    static List<String> arguments(ProcessHandle process) {
        Path proc = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        if (Files.isReadable(proc)) {
            try {
                String raw = new String(Files.readAllBytes(proc), StandardCharsets.UTF_8);
                return List.of(raw.split("\0"));
            } catch (IOException e) {
                return List.of();
            }
        }
        List<String> words = new ArrayList<>();
        process.info().command().ifPresent(words::add);
        process.info().arguments().ifPresent(args -> words.addAll(List.of(args)));
        return words;
    }

    /** The whole command line of a process, its words separated by spaces ("" when it cannot be told). */
    public static String commandLine(ProcessHandle process) {
        return String.join(" ", arguments(process)).trim();
    }

    /**
     * What a background node is started under, so that it outlives the terminal and the script that started it:
     * util-linux's {@code setsid} (a session of its own: no SIGHUP when the terminal goes, no SIGINT or SIGQUIT
     * from a Ctrl-C meant for the caller; it execs the node in place, the PID stays the node's), else coreutils'
     * {@code nohup} (SIGHUP ignored), else nothing.
     */
    static List<String> detachPrefix() {
        for (String tool : List.of("setsid", "nohup")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                Path candidate = Path.of(dir, tool);
                if (Files.isExecutable(candidate)) {
                    return List.of(candidate.toString());
                }
            }
        }
        return List.of();
    }

    /** Whether something accepts TCP connections at host:port now. */
    public static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends SIGTERM to each process and waits up to {@code grace} for all of them to end; those still alive then are
     * returned (the caller decides whether to kill them).
     */
    public static List<ProcessHandle> terminate(List<ProcessHandle> processes, Duration grace)
            throws InterruptedException {
        processes.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        List<ProcessHandle> alive = new ArrayList<>(processes);
        while (true) {
            alive.removeIf(p -> !p.isAlive());
            if (alive.isEmpty() || System.nanoTime() >= deadline) {
                return alive;
            }
            Thread.sleep(POLL_MS);
        }
    }
}
