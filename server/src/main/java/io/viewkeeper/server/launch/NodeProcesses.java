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
        String text;
        try {
            text = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!text.matches("[0-9]{1,10}")) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(text)).filter(NodeProcesses::isNode);
    }

    /** Alive and running the node's main class (its command line names it). */
    public static boolean isNode(ProcessHandle process) {
        return process.isAlive() && commandLine(process).contains(MAIN_CLASS);
    }

    /**
     * The whole command line of a process, words separated by spaces, or "" when it cannot be told. On Linux it is
     * read from {@code /proc/PID/cmdline}, as the JDK's own view of it stops at a few kilobytes and a node's class
     * path is often longer; elsewhere it is the JDK's.
     */
    public static String commandLine(ProcessHandle process) {
        Path proc = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        if (Files.isReadable(proc)) {
            try {
                return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ').trim();
            } catch (IOException e) {
                return "";
            }
        }
        Optional<String> line = process.info().commandLine();
        if (line.isPresent()) {
            return line.get();
        }
        return process.info().arguments().map(args -> String.join(" ", args)).orElse("");
    }

    /** coreutils' nohup, where there is one: a process started under it outlives its terminal (SIGHUP ignored). */
    static Optional<String> nohup() {
        for (String dir : List.of("/usr/bin", "/bin")) {
            Path candidate = Path.of(dir, "nohup");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
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
