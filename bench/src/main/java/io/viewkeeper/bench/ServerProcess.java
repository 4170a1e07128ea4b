package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server JVM the bench started, known by its Process handle: it is stopped through that handle only, never by
 * name, so nothing the bench did not start is touched.
 */
public final class ServerProcess {
    static final long STOP_TIMEOUT_MS = 30_000;

    private final String name;
    private final String host;
    private final int clientPort;
    private final Process process;

    private ServerProcess(String name, String host, int clientPort, Process process) {
        this.name = name;
        this.host = host;
        this.clientPort = clientPort;
        this.process = process;
    }

    /** Starts {@code java <jvmOptions> -cp <classpath> <mainClass> <arguments>}, output to the log file. */
    static ServerProcess start(ServerSpec spec, List<String> arguments, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(spec.javaExecutable().toString());
        command.addAll(spec.jvmOptions());
        command.add("-cp");
        command.add(spec.classpath());
        command.add(spec.mainClass());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ServerProcess(spec.name(), spec.host(), spec.clientPort(), builder.start());
    }

    /** How to run one server; jvmOptions carry the heap size, which is the same for every system. */
    record ServerSpec(String name, String host, int clientPort, Path javaExecutable, List<String> jvmOptions,
            String classpath, String mainClass) {
    }

    public String name() {
        return name;
    }

    public String address() {
        return host + ":" + clientPort;
    }

    public String host() {
        return host;
    }

    public int clientPort() {
        return clientPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL (kill -9), as a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** SIGKILL to every process first, so none outlives the others by more than the signals take; then waits. */
    static void killAll(List<ServerProcess> processes) throws InterruptedException {
        for (ServerProcess server : processes) {
            server.process.destroyForcibly();
        }
        for (ServerProcess server : processes) {
            if (!server.process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(server.name + " (pid " + server.pid() + ") survived SIGKILL");
            }
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited in time. */
    public void stop() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            kill();
        }
    }
}
