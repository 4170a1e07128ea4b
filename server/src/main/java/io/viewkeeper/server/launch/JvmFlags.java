package io.viewkeeper.server.launch;

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
     * the time). The JVM writes the archive itself and writes it again when the JDK or the class path changed, so
     * it needs no step of its own; a node killed before its first clean exit simply has none yet. One archive per
     * node, never shared between JVMs that run at once. None when the class path holds a directory (a build's
     * classes, in tests): the JVM archives classes from jars only and would print an error at exit.
     */
    public static List<String> classDataSharing(Path archive, String classpath) {
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (!entry.endsWith("*") && java.nio.file.Files.isDirectory(Path.of(entry))) {
                return List.of();
            }
        }
        return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive.toAbsolutePath());
    }
}
