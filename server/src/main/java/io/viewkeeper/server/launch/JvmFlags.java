package io.viewkeeper.server.launch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the node's libraries need from the JVM, said to it rather than left to print warnings: lz4 loads a native
 * library (native access), and Netty reads direct-buffer internals through {@code sun.misc.Unsafe}, which Java 23 and
 * later warn about unless allowed. Every JVM a launcher starts for a node gets these flags.
 */
public final class JvmFlags {
    private JvmFlags() {
    }

    /** The flags for a JVM of this feature release (21, 25, ...). */
    public static List<String> quiet(int feature) {
        List<String> flags = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        if (feature >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }

    /** The flags for a JVM like the running one. */
    public static List<String> quiet() {
        return quiet(Runtime.version().feature());
    }

    /**
     * Class data sharing for a node's JVM: the classes it loaded are kept in {@code archive} when it exits cleanly,
     * and the next start maps them instead of loading and verifying them again (an empty node starts in about half
     * the time). The JVM writes the archive itself; a node killed before its first clean exit simply has none yet.
     * An archive older than a jar of the class path or the JDK's modules is deleted first: the JVM would refuse it
     * on every start and not write it again (new jars after an upgrade). CDS's own log lines are off: with native
     * access enabled, every start would print an error-level notice that the JDK's base archive runs without its
     * module optimisation. One archive per node, never shared between JVMs that run at once. None when the class path
     * holds a directory (a build's classes, in tests): the JVM archives classes from jars only.
     */
    public static List<String> classDataSharing(Path archive, String classpath) {
        long newest = modified(Path.of(System.getProperty("java.home"), "lib", "modules"));
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.endsWith("*")) {
                newest = Math.max(newest, newestJar(Path.of(entry.substring(0, entry.length() - 1))));
            } else if (Files.isDirectory(Path.of(entry))) {
                return List.of();
            } else {
                newest = Math.max(newest, modified(Path.of(entry)));
            }
        }
        if (Files.exists(archive) && modified(archive) < newest) {
            try {
                Files.delete(archive);
            } catch (IOException e) {
                // the JVM then runs without it, as with any archive it cannot use
            }
        }
        return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive.toAbsolutePath(),
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    private static long newestJar(Path directory) {
        long newest = 0;
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(directory, "*.jar")) {
            for (Path jar : jars) {
                newest = Math.max(newest, modified(jar));
            }
        } catch (IOException e) {
            // no such directory: nothing of it is archived
        }
        return newest;
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
