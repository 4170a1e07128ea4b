package io.viewkeeper.server.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web console's files, bundled in the server jar and served by the admin endpoint under {@link #PATH}: one
 * page, its script and its style sheet, nothing fetched from elsewhere (the content security policy forbids it).
 * The page reads the admin commands of the node that served it ({@code group}, which gathers every member's
 * {@code member}, {@code sessions} and {@code znode}) and sends the admin token, when the operator gives one, only with the commands that need it.
 */
final class ConsoleAssets {
    static final String PATH = "/console/";
    /** Scripts, styles and data from this origin only; no frames, no forms posted elsewhere. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String RESOURCE_DIR = "/io/viewkeeper/server/console/";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    private final Map<String, byte[]> files;

    ConsoleAssets() {
        this.files = Map.of("index.html", read("index.html"), "console.js", read("console.js"),
                "console.css", read("console.css"));
    }

    /** A bundled file: present in the jar, or the build is broken (a programmer error that stops the node). */
    private static byte[] read(String name) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + name + " is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + name, e);
        }
    }

    /** The file for a request path under {@link #PATH} ({@code /console/} is the page), or null. */
    byte[] file(String path) {
        String name = path.equals(PATH) ? "index.html" : path.substring(PATH.length());
        return files.get(name);
    }

    String type(String path) {
        String name = path.equals(PATH) ? "index.html" : path.substring(PATH.length());
        return TYPES.get(name);
    }
}
