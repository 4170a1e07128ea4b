package io.viewkeeper.server;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.common.ZKConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context for client connections, built by ZooKeeper's own {@code ClientX509Util} from the
 * {@code ssl.*} keys (so store types, passwords from files, client authentication, protocols, cipher suites, CRL,
 * OCSP and hostname verification mean what they mean to ZooKeeper). Each new connection asks for the current
 * context; when the key store or trust store file changed ({@link CertificateFiles}: a renewed certificate) the
 * context is built again, without a restart. A rebuild that fails (a file half written) keeps the previous context
 * and is logged; the next change is tried again.
 */
public final class ClientSslContexts implements Supplier<SslContext> {
    private static final Logger log = LoggerFactory.getLogger(ClientSslContexts.class);

    private final ClientTlsSettings settings;
    private final CertificateFiles files;
    private SslContext current;

    private ClientSslContexts(ClientTlsSettings settings, LongSupplier clockMs) {
        this.settings = settings;
        this.files = new CertificateFiles(settings.ssl(), ClientTlsSettings.SSL_PREFIX, clockMs);
    }

    /** Builds the first context; a store that cannot be read or used is a config error naming the key. */
    public static ClientSslContexts create(ClientTlsSettings settings, LongSupplier clockMs) {
        ClientSslContexts contexts = new ClientSslContexts(settings, clockMs);
        try {
            contexts.current = build(settings);
        } catch (IOException | X509Exception | RuntimeException e) {
            throw new ConfigException("ssl.keyStore.location", "and the other ssl.* keys do not give a usable TLS "
                    + "context: " + e.getMessage());
        }
        return contexts;
    }

    private static SslContext build(ClientTlsSettings settings) throws IOException, X509Exception {
        ZKConfig config = new ZKConfig();
        settings.zooKeeperProperties().forEach(config::setProperty);
        try (ClientX509Util util = new ClientX509Util()) {
            return util.createNettySslContextForServer(config);
        }
    }

    @Override
    public synchronized SslContext get() {
        if (files.changed()) {
            try {
                current = build(settings);
                log.info("client TLS: the certificate files changed; new connections use them ({})", files.files());
            } catch (IOException | X509Exception | RuntimeException e) {
                log.warn("client TLS: the certificate files changed but cannot be used ({}); keeping the "
                        + "previous ones", e.toString());
            }
        }
        return current;
    }
}
