package io.viewkeeper.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The admin HTTP endpoint's settings, under ZooKeeper's key names where it has them ({@code admin.enableServer},
 * {@code admin.serverAddress}, {@code admin.serverPort}) and ours for the token that mutating commands need
 * ({@code admin.token}, or {@code admin.tokenFile} holding it). Unlike ZooKeeper it binds loopback by default.
 * Without a token the mutating commands are refused; the read-only ones stay open, as ZooKeeper's are.
 */
public record AdminSettings(boolean enabled, String serverAddress, int serverPort, String token,
        AdminTlsSettings tls) {

    /** ZooKeeper's default admin port. */
    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** A token shorter than this is refused: it guards commands that move the primary. */
    public static final int TOKEN_CHARS_MIN = 16;
    private static final long TOKEN_FILE_BYTES_MAX = 4096;

    public AdminSettings {
        if (serverPort < 0 || serverPort > 65535) {
            throw new ConfigException("admin.serverPort", "must be between 0 and 65535, got " + serverPort);
        }
        if (serverAddress == null || serverAddress.isBlank()) {
            throw new ConfigException("admin.serverAddress", "must name an address");
        }
        if (token != null && (token.length() < TOKEN_CHARS_MIN || token.chars().anyMatch(Character::isWhitespace))) {
            throw new ConfigException("admin.token", "must be at least " + TOKEN_CHARS_MIN
                    + " characters without spaces");
        }
    }

    /** Plain HTTP. */
    public AdminSettings(boolean enabled, String serverAddress, int serverPort, String token) {
        this(enabled, serverAddress, serverPort, token, AdminTlsSettings.none());
    }

    /** Enabled on loopback port 8080, no token: read-only commands only. */
    public static AdminSettings defaults() {
        return new AdminSettings(true, DEFAULT_ADDRESS, DEFAULT_PORT, null);
    }

    /** No admin endpoint at all. */
    public static AdminSettings disabled() {
        return new AdminSettings(false, DEFAULT_ADDRESS, DEFAULT_PORT, null);
    }

    public AdminSettings withPort(int port) {
        return new AdminSettings(enabled, serverAddress, port, token, tls);
    }

    public AdminSettings withAddress(String address) {
        return new AdminSettings(enabled, address, serverPort, token, tls);
    }

    public AdminSettings withToken(String newToken) {
        return new AdminSettings(enabled, serverAddress, serverPort, newToken, tls);
    }

    public AdminSettings withTls(AdminTlsSettings settings) {
        return new AdminSettings(enabled, serverAddress, serverPort, token, settings);
    }

    public boolean mutatingAllowed() {
        return token != null;
    }

    /** Reads the admin.* keys; {@code admin.token} and {@code admin.tokenFile} together are ambiguous and refused. */
    static AdminSettings parse(Map<String, String> p) {
        boolean enabled = switch (p.getOrDefault("admin.enableServer", "true").toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw new ConfigException("admin.enableServer", "is not true or false: '"
                    + p.get("admin.enableServer") + "'");
        };
        String address = p.getOrDefault("admin.serverAddress", DEFAULT_ADDRESS);
        int port;
        try {
            port = Integer.parseInt(p.getOrDefault("admin.serverPort", Integer.toString(DEFAULT_PORT)));
        } catch (NumberFormatException e) {
            throw new ConfigException("admin.serverPort", "is not a number: '" + p.get("admin.serverPort") + "'");
        }
        if (p.containsKey("admin.token") && p.containsKey("admin.tokenFile")) {
            throw new ConfigException("admin.token", "and admin.tokenFile are both set; keep one");
        }
        String token = p.containsKey("admin.tokenFile") ? readTokenFile(
                ConfigException.path("admin.tokenFile", p.get("admin.tokenFile")))
                : p.get("admin.token");
        return new AdminSettings(enabled, address, port, token, AdminTlsSettings.parse(p));
    }

    private static String readTokenFile(Path file) {
        try {
            if (Files.size(file) > TOKEN_FILE_BYTES_MAX) {
                throw new ConfigException("admin.tokenFile", file + " is larger than " + TOKEN_FILE_BYTES_MAX
                        + " bytes");
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.length() < TOKEN_CHARS_MIN || token.chars().anyMatch(Character::isWhitespace)) {
                throw new ConfigException("admin.tokenFile", file + " must hold one token of at least "
                        + TOKEN_CHARS_MIN + " characters without spaces");
            }
            return token;
        } catch (IOException e) {
            throw new ConfigException("admin.tokenFile", file + " cannot be read (" + e.getClass().getSimpleName()
                    + ")");
        }
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "AdminSettings[enabled=" + enabled + ", address=" + serverAddress + ", port=" + serverPort
                + ", token=" + (token == null ? "none" : "set") + "]";
    }
}
