package io.viewkeeper.server;

import io.viewkeeper.server.peer.PeerSecurity;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.zookeeper.common.QuorumX509Util;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.common.ZKConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSL engines for peer connections, from a context ZooKeeper's own {@code QuorumX509Util} builds from the
 * {@code ssl.quorum.*} keys: its key and trust managers, so store types, passwords from files, CRL, OCSP and host
 * name verification (the peer's certificate must name the address it dials or is dialed from, unless
 * {@code ssl.quorum.hostnameVerification=false}) mean what they mean to ZooKeeper. {@code ssl.quorum.clientAuth}
 * (need by default), {@code ssl.quorum.enabledProtocols} and {@code ssl.quorum.ciphersuites} are applied to each
 * engine. When a store file changes the context is built again for new connections; a rebuild that fails keeps
 * the previous context and is logged.
 */
final class PeerSslEngines implements PeerSecurity.TlsEngines {
    private static final Logger log = LoggerFactory.getLogger(PeerSslEngines.class);

    private final Map<String, String> ssl;
    private final CertificateFiles files;
    private final String clientAuth;
    private final String[] protocols;
    private final String[] cipherSuites;
    private SSLContext context;

    private PeerSslEngines(Map<String, String> ssl, LongSupplier clockMs) {
        this.ssl = Map.copyOf(ssl);
        this.files = new CertificateFiles(ssl, ClientTlsSettings.QUORUM_PREFIX, clockMs);
        this.clientAuth = ssl.getOrDefault("ssl.quorum.clientAuth", "need").trim().toLowerCase(Locale.ROOT);
        if (!clientAuth.equals("need") && !clientAuth.equals("want") && !clientAuth.equals("none")) {
            throw new ConfigException("ssl.quorum.clientAuth", "must be need, want or none, got '" + clientAuth
                    + "'");
        }
        this.protocols = list(ssl.get("ssl.quorum.enabledProtocols"));
        this.cipherSuites = list(ssl.get("ssl.quorum.ciphersuites"));
    }

    /** Builds the first context; stores that cannot be read or used are a config error naming the key. */
    static PeerSslEngines create(PeerSecuritySettings settings, LongSupplier clockMs) {
        PeerSslEngines engines = new PeerSslEngines(settings.quorumSsl(), clockMs);
        try {
            engines.context = build(engines.ssl);
            engines.forDial(new InetSocketAddress("127.0.0.1", 1)); // protocols and cipher suites are known
        } catch (X509Exception | RuntimeException e) {
            throw new ConfigException("ssl.quorum.keyStore.location", "and the other ssl.quorum.* keys do not give "
                    + "a usable TLS context for peers: " + e.getMessage());
        }
        return engines;
    }

    private static SSLContext build(Map<String, String> ssl) throws X509Exception {
        ZKConfig config = new ZKConfig();
        ssl.forEach((key, value) -> config.setProperty("zookeeper." + key, value));
        try (QuorumX509Util util = new QuorumX509Util()) {
            return util.createSSLContextAndOptions(config).getSSLContext();
        }
    }

    private synchronized SSLContext context() {
        if (files.changed()) {
            try {
                context = build(ssl);
                log.info("peer TLS: the certificate files changed; new connections use them ({})", files.files());
            } catch (X509Exception | RuntimeException e) {
                log.warn("peer TLS: the certificate files changed but cannot be used ({}); keeping the previous "
                        + "ones", e.toString());
            }
        }
        return context;
    }

    @Override
    public SSLEngine forAccepted(InetSocketAddress remote) {
        // the dialer's address is the peer host, so host name verification checks its certificate against it
        SSLEngine engine = context().createSSLEngine(remote.getAddress().getHostAddress(), remote.getPort());
        engine.setUseClientMode(false);
        switch (clientAuth) {
            case "need" -> engine.setNeedClientAuth(true);
            case "want" -> engine.setWantClientAuth(true);
            default -> engine.setNeedClientAuth(false);
        }
        return restrict(engine);
    }

    @Override
    public SSLEngine forDial(InetSocketAddress peer) {
        SSLEngine engine = context().createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(true);
        return restrict(engine);
    }

    private SSLEngine restrict(SSLEngine engine) {
        if (protocols.length > 0) {
            engine.setEnabledProtocols(protocols);
        }
        if (cipherSuites.length > 0) {
            engine.setEnabledCipherSuites(cipherSuites);
        }
        return engine;
    }

    private static String[] list(String value) {
        if (value == null || value.isBlank()) {
            return new String[0];
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }
}
