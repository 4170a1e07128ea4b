package io.viewkeeper.cluster;

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
import java.util.zip.ZipFile;

/**
 * A private copy of this JVM's test classpath for launching replicas, taken once: a jar rebuilt in the local
 * repository while a replica runs would otherwise pull classes out from under it (NoClassDefFoundError in the
 * middle of a view change). The copy is deleted when the JVM exits.
 */
final class ServerClasspath {
    private static final int COPY_ATTEMPTS = 5;
    private static String snapshot;

    private ServerClasspath() {
    }

    static synchronized String get() {
        if (snapshot == null) {
            try {
                snapshot = copy();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the server classpath", e);
            }
        }
        return snapshot;
    }

    private static String copy() throws IOException {
        String source = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path dir = Files.createTempDirectory("viewkeeper-cluster-classpath");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir), "classpath-cleanup"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : source.split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (entry.isBlank() || !Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve(n++ + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                copyTree(from, to);
            } else {
                copyJar(from, to);
            }
            entries.add(to.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Retries until the copy opens as a zip: the original may be mid-rewrite by a concurrent build. */
    private static void copyJar(Path from, Path to) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            try (ZipFile zip = new ZipFile(to.toFile())) {
                if (zip.size() >= 0) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IOException("jar " + from + " could not be copied whole", last);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }
}
