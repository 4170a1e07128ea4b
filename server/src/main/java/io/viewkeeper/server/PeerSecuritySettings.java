package io.viewkeeper.server;

import io.viewkeeper.server.peer.PeerSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How replicas authenticate each other, from zoo.cfg: ZooKeeper's {@code sslQuorum} (dial peers over mutual TLS)
 * and {@code portUnification} (the peer port takes TLS and plain connections both, for a rolling switch), with the
 * {@code ssl.quorum.*} keys ZooKeeper's {@code QuorumX509Util} reads (the stores, protocols, cipher suites, client
 * auth, hostname verification); and a shared secret, {@code peer.auth.secretFile}, whose proof every dial must
 * give unless {@code peer.auth.required=false} (a rolling switch to the secret).
 */
public record PeerSecuritySettings(boolean sslQuorum, boolean portUnification, Map<String, String> quorumSsl,
        Path secretFile, boolean secretRequired) {
    private static final Logger log = LoggerFactory.getLogger(PeerSecuritySettings.class);

    public PeerSecuritySettings {
        quorumSsl = Map.copyOf(quorumSsl);
        if (sslQuorum || portUnification) {
            String setting = sslQuorum ? "sslQuorum=true" : "portUnification=true";
            if (blank(quorumSsl.get("ssl.quorum.keyStore.location"))) {
                throw new ConfigException("ssl.quorum.keyStore.location", "is required with " + setting
                        + ": this replica's certificate and key, shown to its peers");
            }
            if (blank(quorumSsl.get("ssl.quorum.trustStore.location"))) {
                throw new ConfigException("ssl.quorum.trustStore.location", "is required with " + setting
                        + ": peers' certificates are checked against it");
            }
        }
        if (secretRequired && secretFile == null) {
            throw new ConfigException("peer.auth.required", "is true but peer.auth.secretFile names no file");
        }
    }

    public static PeerSecuritySettings none() {
        return new PeerSecuritySettings(false, false, Map.of(), null, false);
    }

    /** Whether peer connections may use TLS at all (dialed or accepted). */
    public boolean tls() {
        return sslQuorum || portUnification;
    }

    /**
     * The secret's bytes (the file's content without surrounding white space), or null without a file; a file
     * that is missing, unreadable or shorter than 16 bytes is a config error. A file others can read is logged.
     */
    public byte[] readSecret() {
        if (secretFile == null) {
            return null;
        }
        byte[] secret;
        try {
            secret = Files.readString(secretFile, StandardCharsets.ISO_8859_1).strip()
                    .getBytes(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ConfigException("peer.auth.secretFile", "cannot be read: " + e);
        }
        if (secret.length < PeerSecurity.SECRET_BYTES_MIN) {
            throw new ConfigException("peer.auth.secretFile", secretFile + " holds " + secret.length
                    + " bytes; the secret needs at least " + PeerSecurity.SECRET_BYTES_MIN
                    + " (for example: openssl rand -base64 32)");
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(secretFile);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)
                    || permissions.contains(PosixFilePermission.GROUP_READ)) {
                log.warn("peer.auth.secretFile {} can be read by other users; chmod 600 it", secretFile);
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot read the permissions of {}: {}", secretFile, e.toString());
        }
        return secret;
    }

    static PeerSecuritySettings parse(Map<String, String> p) {
        String file = p.get("peer.auth.secretFile");
        boolean required = bool(p, "peer.auth.required", !blank(file));
        return new PeerSecuritySettings(bool(p, "sslQuorum", false), bool(p, "portUnification", false),
                quorumSsl(p), blank(file) ? null : ConfigException.path("peer.auth.secretFile", file.trim()), required);
    }

    /**
     * The {@code ssl.quorum.*} keys: as with ZooKeeper, {@code -Dzookeeper.ssl.quorum.*} JVM flags count too, zoo.cfg
     * winning where both say. The admin endpoint's HTTPS uses the same stores, as ZooKeeper's AdminServer does.
     */
    static Map<String, String> quorumSsl(Map<String, String> p) {
        Map<String, String> ssl = new TreeMap<>();
        for (String property : System.getProperties().stringPropertyNames()) {
            if (property.startsWith("zookeeper." + ClientTlsSettings.QUORUM_PREFIX)) {
                ssl.put(property.substring("zookeeper.".length()), System.getProperty(property));
            }
        }
        p.forEach((key, value) -> {
            if (key.startsWith(ClientTlsSettings.QUORUM_PREFIX)) {
                ssl.put(key, value);
            }
        });
        return ssl;
    }

    private static boolean bool(Map<String, String> p, String key, boolean fallback) {
        String value = p.get(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, "must be true or false, got '" + value + "'");
        };
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
