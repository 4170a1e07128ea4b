package io.viewkeeper.server.launch;

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
}
