package io.viewkeeper.server;

/** A configuration value that cannot be used; the message names the key and the problem. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + " " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The file a key names; a value no path can be (a NUL byte, say) is this exception, naming the key. */
    static java.nio.file.Path path(String key, String value) {
        try {
            return java.nio.file.Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException(key, "is not a usable path: " + e.getMessage());
        }
    }
}
