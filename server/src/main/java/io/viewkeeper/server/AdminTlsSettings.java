package io.viewkeeper.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.zookeeper.common.X509Util;

/**
 * HTTPS on the admin endpoint with ZooKeeper 3.9's AdminServer keys: {@code admin.forceHttps} (HTTPS only),
 * {@code admin.portUnification} (HTTP and HTTPS on one port, told apart by the first byte),
 * {@code admin.needClientAuth}, and the key and trust stores of the {@code ssl.quorum.*} keys (location,
 * password, passwordPath, type), which ZooKeeper's AdminServer uses too, read with ZooKeeper's own
 * {@code X509Util.loadKeyStore}. The admin token rules are unchanged.
 */
public record AdminTlsSettings(boolean forceHttps, boolean portUnification, boolean needClientAuth,
        Map<String, String> quorumSsl) {

    public AdminTlsSettings {
        quorumSsl = Map.copyOf(quorumSsl);
        if ((forceHttps || portUnification) && blank(quorumSsl.get("ssl.quorum.keyStore.location"))) {
            throw new ConfigException("ssl.quorum.keyStore.location", "is required with "
                    + (forceHttps ? "admin.forceHttps" : "admin.portUnification")
                    + ": the admin endpoint's certificate and key, as ZooKeeper's AdminServer takes them");
        }
        if (needClientAuth && blank(quorumSsl.get("ssl.quorum.trustStore.location"))) {
            throw new ConfigException("ssl.quorum.trustStore.location", "is required with admin.needClientAuth");
        }
    }

    public static AdminTlsSettings none() {
        return new AdminTlsSettings(false, false, false, Map.of());
    }

    public boolean enabled() {
        return forceHttps || portUnification;
    }

    /** The URL scheme a member's endpoint is reached by. */
    public String scheme() {
        return forceHttps ? "https" : "http";
    }

    static AdminTlsSettings parse(Map<String, String> p) {
        return new AdminTlsSettings(bool(p, "admin.forceHttps"), bool(p, "admin.portUnification"),
                bool(p, "admin.needClientAuth"), PeerSecuritySettings.quorumSsl(p));
    }

    private static boolean bool(Map<String, String> p, String key) {
        String value = p.getOrDefault(key, "false").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, "must be true or false, got '" + p.get(key) + "'");
        };
    }

    /** The server's TLS context; a store that cannot be read or used is a config error naming the key. */
    public SslContext serverContext() {
        try {
            KeyStore keys = X509Util.loadKeyStore(get("keyStore.location"), password("keyStore"),
                    get("keyStore.type"));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            String password = password("keyStore");
            keyManagers.init(keys, password == null ? new char[0] : password.toCharArray());
            SslContextBuilder builder = SslContextBuilder.forServer(keyManagers);
            TrustManagerFactory trust = trustManagers();
            if (trust != null) {
                builder.trustManager(trust);
            }
            return builder.clientAuth(needClientAuth ? ClientAuth.REQUIRE : ClientAuth.NONE).build();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new ConfigException("ssl.quorum.keyStore.location", "and the other ssl.quorum.* keys do not give "
                    + "the admin endpoint a usable TLS context: " + e.getMessage());
        }
    }

    /** What the trust store says, for the endpoint's own calls to its peers; null without one. */
    public TrustManagerFactory trustManagers() throws IOException, GeneralSecurityException {
        if (blank(get("trustStore.location"))) {
            return null;
        }
        KeyStore trusted = X509Util.loadTrustStore(get("trustStore.location"), password("trustStore"),
                get("trustStore.type"));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        return factory;
    }

    private String get(String key) {
        String value = quorumSsl.get(ClientTlsSettings.QUORUM_PREFIX + key);
        return value == null ? null : value.trim();
    }

    /** A store's password, from its key or from the file its passwordPath key names, as ZooKeeper reads them. */
    private String password(String store) throws IOException {
        String path = get(store + ".passwordPath");
        if (!blank(path)) {
            return java.nio.file.Files.readString(java.nio.file.Path.of(path)).strip();
        }
        return get(store + ".password");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
