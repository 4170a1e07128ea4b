package io.viewkeeper.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a bench invocation keeps its output and server directories, the JVM and heap every server runs with, and a
 * private copy of the jars the servers load, so a rebuild elsewhere cannot change them mid-run. Group slot k takes
 * client port basePort + 10k on 127.0.0.1..n.
 */
public final class BenchEnvironment {
    static final int PORTS_PER_SLOT = 10;

    private final Path out;
    private final Path javaExecutable;
    private final List<String> jvmOptions;
    private final List<Path> classpath;
    private final int basePort;

    private BenchEnvironment(Path out, Path javaExecutable, List<String> jvmOptions, List<Path> classpath,
            int basePort) {
        this.out = out;
        this.javaExecutable = javaExecutable;
        this.jvmOptions = jvmOptions;
        this.classpath = classpath;
        this.basePort = basePort;
    }

    /** @param heap a -Xmx value such as 2g, given to every server of every system */
    public static BenchEnvironment create(Path out, String heap, int basePort) throws IOException {
        Files.createDirectories(out);
        Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> jvmOptions = List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC");
        return new BenchEnvironment(out, javaExecutable, jvmOptions, privateClasspath(out.resolve("jars")), basePort);
    }

    /** Copies the jars of this JVM's class path (unless they already are copies under jarDir); keeps directories. */
    static List<Path> privateClasspath(Path jarDir) throws IOException {
        Files.createDirectories(jarDir);
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath();
            if (Files.isDirectory(path) || path.startsWith(jarDir.toAbsolutePath())) {
                entries.add(path);
            } else if (Files.isRegularFile(path)) {
                Path copy = jarDir.resolve(path.getFileName());
                Files.copy(path, copy, StandardCopyOption.REPLACE_EXISTING);
                entries.add(copy.toAbsolutePath());
            }
        }
        return List.copyOf(entries);
    }

    public Path out() {
        return out;
    }

    public Path javaExecutable() {
        return javaExecutable;
    }

    /** The class path every server JVM runs with. */
    public List<Path> classpath() {
        return classpath;
    }

    /** The first client port the bench uses. */
    public int basePort() {
        return basePort;
    }

    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /** Settings for a group of the system in the given slot; its directory (phase/system) starts empty. */
    public ServerGroup.Settings settings(BenchSystem system, int slot, String phase) {
        Path workDir = out.resolve("servers").resolve(phase);
        deleteRecursively(workDir.resolve(system.id()));
        return new ServerGroup.Settings(system.id(), 3, basePort + PORTS_PER_SLOT * slot, workDir, javaExecutable,
                jvmOptions, classpath);
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + root, e);
        }
    }
}
