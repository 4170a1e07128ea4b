package io.viewkeeper.server;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * context; at most once per {@link #CHECK_INTERVAL_MS} that looks at the key store and trust store files, and when
 * one changed (a renewed certificate) the context is built again, without a restart. A rebuild that fails (a file
 * half written) keeps the previous context and is logged; the next change is tried again.
 */
public final class ClientSslContexts implements Supplier<SslContext> {
    private static final Logger log = LoggerFactory.getLogger(ClientSslContexts.class);
    static final long CHECK_INTERVAL_MS = 1000;

    private final ClientTlsSettings settings;
    private final List<Path> files;
    private final LongSupplier clockMs;
    private SslContext current;
    private List<String> stamps;
    private long checkedAtMs;

    private ClientSslContexts(ClientTlsSettings settings, LongSupplier clockMs) {
        this.settings = settings;
        this.clockMs = clockMs;
        List<Path> watched = new ArrayList<>();
        for (String key : List.of("ssl.keyStore.location", "ssl.trustStore.location")) {
            String location = settings.ssl().get(key);
            if (location != null && !location.isBlank()) {
                watched.add(Path.of(location.trim()));
            }
        }
        this.files = List.copyOf(watched);
    }

    /** Builds the first context; a store that cannot be read or used is a config error naming the key. */
    public static ClientSslContexts create(ClientTlsSettings settings, LongSupplier clockMs) {
        ClientSslContexts contexts = new ClientSslContexts(settings, clockMs);
        contexts.stamps = contexts.stamps();
        try {
            contexts.current = build(settings);
        } catch (IOException | X509Exception | RuntimeException e) {
            throw new ConfigException("ssl.keyStore.location", "and the other ssl.* keys do not give a usable TLS "
                    + "context: " + e.getMessage());
        }
        contexts.checkedAtMs = clockMs.getAsLong();
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
        long now = clockMs.getAsLong();
        if (now - checkedAtMs >= CHECK_INTERVAL_MS) {
            checkedAtMs = now;
            List<String> seen = stamps();
            if (!Objects.equals(seen, stamps)) {
                stamps = seen;
                try {
                    current = build(settings);
                    log.info("client TLS: the certificate files changed; new connections use them ({})", files);
                } catch (IOException | X509Exception | RuntimeException e) {
                    log.warn("client TLS: the certificate files changed but cannot be used ({}); keeping the "
                            + "previous ones", e.toString());
                }
            }
        }
        return current;
    }

    /** Each watched file's modification time and size, or that it is missing. */
    private List<String> stamps() {
        List<String> result = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                result.add(a.lastModifiedTime().toMillis() + "/" + a.size());
            } catch (IOException e) {
                result.add("missing");
            }
        }
        return result;
    }
}
