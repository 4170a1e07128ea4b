package io.viewkeeper.server;

import java.util.Map;
import java.util.TreeMap;

/**
 * TLS for client connections, with ZooKeeper's zoo.cfg keys: {@code secureClientPort} (a port that speaks only
 * TLS), {@code client.portUnification} (the plain client port takes TLS too, told apart by the first bytes), the
 * {@code ssl.*} keys ZooKeeper's {@code ClientX509Util} reads (keyStore/trustStore location, password, passwordPath
 * and type: JKS, PKCS12, PEM; clientAuth need/want/none; protocol, enabledProtocols, ciphersuites,
 * hostnameVerification, crl, ocsp...), handed to it unchanged, and {@code X509AuthenticationProvider.superUser}
 * (the client certificate subject that acts as the super user). {@code ssl.quorum.*} keys are for peers and are
 * not part of this.
 */
public record ClientTlsSettings(int secureClientPort, boolean portUnification, Map<String, String> ssl,
        String x509SuperUser, String secureClientPortAddress) {

    public static final String SSL_PREFIX = "ssl.";
    public static final String QUORUM_PREFIX = "ssl.quorum.";

    public ClientTlsSettings {
        ssl = Map.copyOf(ssl);
        if (secureClientPort < -1 || secureClientPort > 65535) {
            throw new ConfigException("secureClientPort", "must be between 0 and 65535, got " + secureClientPort);
        }
        // the parameters, not the accessors: the fields are set only when this constructor ends
        if ((secureClientPort >= 0 || portUnification) && blank(ssl.get("ssl.keyStore.location"))) {
            throw new ConfigException("ssl.keyStore.location", "is required with "
                    + (secureClientPort >= 0 ? "secureClientPort" : "client.portUnification=true")
                    + ": the server's certificate and key");
        }
        // Client certificates are identities (x509:<subject>): they must be checked against a trust store the
        // operator chose, never the JVM's default certificate authorities.
        String clientAuth = ssl.getOrDefault("ssl.clientAuth", "need").trim();
        if ((secureClientPort >= 0 || portUnification) && !clientAuth.equalsIgnoreCase("none")
                && blank(ssl.get("ssl.trustStore.location"))) {
            throw new ConfigException("ssl.trustStore.location", "is required unless ssl.clientAuth=none: client "
                    + "certificates become x509 identities and are checked against it (ssl.clientAuth is "
                    + clientAuth + ")");
        }
    }

    public ClientTlsSettings(int secureClientPort, boolean portUnification, Map<String, String> ssl,
            String x509SuperUser) {
        this(secureClientPort, portUnification, ssl, x509SuperUser, null);
    }

    public static ClientTlsSettings none() {
        return new ClientTlsSettings(-1, false, Map.of(), null);
    }

    /** Whether any client connection may use TLS. */
    public boolean enabled() {
        return secureClientPort >= 0 || portUnification;
    }

    /** The settings as ZooKeeper's own names them (its system properties): {@code zookeeper.ssl.keyStore.location}. */
    public Map<String, String> zooKeeperProperties() {
        Map<String, String> properties = new TreeMap<>();
        ssl.forEach((key, value) -> properties.put("zookeeper." + key, value));
        return properties;
    }

    /**
     * From zoo.cfg's keys; as with ZooKeeper, {@code -Dzookeeper.ssl.*} and
     * {@code -Dzookeeper.X509AuthenticationProvider.superUser} JVM flags count too, zoo.cfg winning where both say.
     */
    static ClientTlsSettings parse(Map<String, String> p) {
        Map<String, String> ssl = new TreeMap<>();
        for (String property : System.getProperties().stringPropertyNames()) {
            String key = property.startsWith("zookeeper.") ? property.substring("zookeeper.".length()) : "";
            if (key.startsWith(SSL_PREFIX) && !key.startsWith(QUORUM_PREFIX)) {
                ssl.put(key, System.getProperty(property));
            }
        }
        p.forEach((key, value) -> {
            if (key.startsWith(SSL_PREFIX) && !key.startsWith(QUORUM_PREFIX)) {
                ssl.put(key, value);
            }
        });
        int secure = p.containsKey("secureClientPort") ? port(p.get("secureClientPort")) : -1;
        String unification = p.getOrDefault("client.portUnification", "false");
        if (!unification.equalsIgnoreCase("true") && !unification.equalsIgnoreCase("false")) {
            throw new ConfigException("client.portUnification", "must be true or false, got '" + unification + "'");
        }
        String superUser = p.getOrDefault("X509AuthenticationProvider.superUser",
                System.getProperty("zookeeper.X509AuthenticationProvider.superUser"));
        String address = p.get("secureClientPortAddress");
        return new ClientTlsSettings(secure, Boolean.parseBoolean(unification), ssl,
                blank(superUser) ? null : superUser, blank(address) ? null : address.trim());
    }

    private static int port(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("secureClientPort", "is not a number: '" + text + "'");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
