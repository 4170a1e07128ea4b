package io.viewkeeper.server.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.zookeeper.common.X509Util;

/**
 * Fetches a running replica's snapshot through its admin endpoint's {@code snapshot} command, and posts one to its
 * {@code restore} command: over plain HTTP, or over HTTPS trusting the CA certificates of {@code --tls-ca} (a PEM
 * file, or a .p12/.jks trust store without a password, read by ZooKeeper's own {@code X509Util}).
 */
final class AdminSnapshotClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final int ERROR_BYTES_MAX = 4096;
    /** Until the headers arrive: the replica copies its state and the snapshot is written before any byte. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(10);
    /** An export whose stream brings nothing for this long is given up. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(60);

    private AdminSnapshotClient() {
    }

    /** The zxid the replica reported and the bytes written. */
    record Fetched(String lastZxid, long bytes) {
    }

    /**
     * Posts {@code file} to the admin endpoint's {@code restore} command and returns its answer (a JSON body with
     * {@code last_zxid}), or fails with the reason it gave. With {@code intoEmpty} it is an import: the group
     * refuses it unless it holds no znode outside /zookeeper.
     */
    static String restore(String hostAndPort, String authorization, Path file, Path tlsCa, boolean intoEmpty)
            throws IOException, MigrationException {
        URI uri = uriOf(hostAndPort, "/commands/restore" + (intoEmpty ? "?into_empty=true" : ""), tlsCa);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofFile(file));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try (HttpClient client = client(tlsCa)) {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while asking " + uri, e);
        } catch (IOException e) {
            throw unreachable(hostAndPort, tlsCa, e);
        }
        if (response.statusCode() != 200) {
            throw new MigrationException("the admin endpoint answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    private static URI uriOf(String hostAndPort, String path, Path tlsCa) throws MigrationException {
        try {
            return URI.create((tlsCa == null ? "http://" : "https://") + hostAndPort + path);
        } catch (IllegalArgumentException e) {
            throw new MigrationException("--admin must be HOST:PORT, not " + hostAndPort, e);
        }
    }

    private static HttpClient client(Path tlsCa) throws MigrationException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (tlsCa != null) {
            builder.sslContext(trusting(tlsCa));
        }
        return builder.build();
    }

    /** A TLS context trusting the certificates {@code tlsCa} holds, and no others. */
    private static SSLContext trusting(Path tlsCa) throws MigrationException {
        try {
            KeyStore trusted = X509Util.loadTrustStore(tlsCa.toString(), "", null);
            if (trusted.size() == 0) {
                throw new MigrationException("--tls-ca " + tlsCa + " holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // RuntimeException: ZooKeeper's loader throws unchecked exceptions on some malformed files
            throw new MigrationException("--tls-ca " + tlsCa + " cannot be used: " + e, e);
        }
    }

    private static MigrationException unreachable(String hostAndPort, Path tlsCa, IOException e) {
        String hint = tlsCa == null ? " (if the endpoint speaks HTTPS only, admin.forceHttps, pass --tls-ca with "
                + "the CA that signed its certificate)" : "";
        return new MigrationException("cannot reach the admin endpoint at " + hostAndPort + ": " + e + hint, e);
    }

    static Fetched fetch(String hostAndPort, String authorization, Path file, Path tlsCa)
            throws IOException, MigrationException {
        return fetch(hostAndPort, authorization, file, tlsCa, STALL_LIMIT);
    }

    /** As above, giving up on a stream that brings nothing for {@code stallLimit}. */
    static Fetched fetch(String hostAndPort, String authorization, Path file, Path tlsCa, Duration stallLimit)
            throws IOException, MigrationException {
        URI uri = uriOf(hostAndPort, "/commands/snapshot?streaming=true", tlsCa);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try (HttpClient client = client(tlsCa)) {
            return fetch(client, request, uri, hostAndPort, tlsCa, file, stallLimit);
        }
    }

    private static Fetched fetch(HttpClient client, HttpRequest.Builder request, URI uri, String hostAndPort,
            Path tlsCa, Path file, Duration stallLimit) throws IOException, MigrationException {
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while asking " + uri, e);
        } catch (IOException e) {
            throw unreachable(hostAndPort, tlsCa, e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                String text = new String(body.readNBytes(ERROR_BYTES_MAX), StandardCharsets.UTF_8);
                throw new MigrationException("the admin endpoint answered " + response.statusCode() + ": " + text);
            }
            long announced = response.headers().firstValueAsLong("snapshot_size").orElse(-1);
            if (announced < 0) {
                throw new MigrationException("the admin endpoint sent no snapshot_size header: is it a Viewkeeper "
                        + "or ZooKeeper 3.9 admin endpoint?");
            }
            Path absolute = file.toAbsolutePath();
            Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial");
            try {
                long bytes = copyUnlessStalled(body, partial, uri, stallLimit, announced);
                if (announced != bytes) {
                    throw new MigrationException("the snapshot stream ended after " + bytes + " of " + announced
                            + " bytes");
                }
                Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return new Fetched(response.headers().firstValue("last_zxid").orElse("?"), bytes);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    /**
     * Copies the body to {@code target}, giving up when no byte arrived for {@code stallLimit}: the client's
     * timeout covers only the wait for the answer's headers, and a peer that stops sending halfway would otherwise
     * hold the export forever. A watchdog closes the stream, which fails the blocked read.
     */
    private static long copyUnlessStalled(InputStream body, Path target, URI uri, Duration stallLimit,
            long announced) throws IOException {
        AtomicLong progressAt = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "export-stall-watchdog");
                    thread.setDaemon(true);
                    return thread;
                });
        watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - progressAt.get() > stallLimit.toNanos() && stalled.compareAndSet(false, true)) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // the blocked read fails either way
                }
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        long bytes = 0;
        byte[] buffer = new byte[1 << 16];
        try (java.io.OutputStream out = Files.newOutputStream(target)) {
            for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                out.write(buffer, 0, n);
                bytes += n;
                progressAt.set(System.nanoTime());
                if (bytes > announced) {
                    break; // more than the endpoint announced: the caller refuses it, and the disk is not filled
                }
            }
        } catch (IOException e) {
            if (stalled.get()) {
                throw new IOException("the snapshot stream from " + uri + " stalled: nothing arrived for "
                        + stallLimit.toMillis() + " ms after " + bytes + " bytes", e);
            }
            throw e;
        } finally {
            watchdog.shutdownNow();
        }
        return bytes;
    }
}
