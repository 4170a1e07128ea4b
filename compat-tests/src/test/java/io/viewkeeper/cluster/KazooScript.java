package io.viewkeeper.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Python script driving kazoo (Debian's python3-kazoo, under the system's /usr/bin/python3), run as a child
 * process that reports its steps as lines on stdout and waits for the test's lines on stdin. The process is
 * stopped by its own handle on close.
 */
final class KazooScript implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final String MISSING = "kazoo tests skipped: " + PYTHON + " cannot import kazoo (install Debian's "
            + "python3-kazoo; .ci/run does)";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> output = new CopyOnWriteArrayList<>();

    private KazooScript(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                output.add("(output closed: " + e + ")");
            }
        }, "kazoo-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether the system Python can import kazoo. */
    static boolean available() {
        try {
            Process probe = new ProcessBuilder(PYTHON, "-c", "import kazoo.client").redirectErrorStream(true)
                    .start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Copies the script from the test resources into {@code dir} and starts it with {@code args}. */
    static KazooScript start(String script, Path dir, String... args) throws IOException {
        Path copy = dir.resolve(script);
        try (InputStream in = KazooScript.class.getResourceAsStream("/kazoo/" + script)) {
            if (in == null) {
                throw new IOException("no test resource kazoo/" + script);
            }
            Files.copy(in, copy);
        }
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, "-u", copy.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        return new KazooScript(process);
    }

    /** Waits for {@code expected} on the script's output; a FAIL line or the end of the process fails the test. */
    void awaitLine(String expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!process.isAlive() && lines.isEmpty()) {
                    throw new AssertionError("kazoo script ended before " + expected + ":\n" + transcript());
                }
                continue;
            }
            if (line.equals(expected)) {
                return;
            }
            if (line.startsWith("FAIL")) {
                throw new AssertionError("kazoo script failed:\n" + transcript());
            }
        }
        throw new AssertionError("kazoo script did not print " + expected + " within " + timeout + ":\n"
                + transcript());
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private String transcript() {
        return String.join("\n", output);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
