package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Calls one node's admin endpoint. Answers are JSON objects with an {@code error} field; anything else (no answer,
 * an error status, a body that is not JSON) becomes a {@link CallFailure} whose message is one line for the user.
 */
final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BODY_CHARS_MAX = 16 * 1024 * 1024;
    /** A snapshot or a restore: the replica copies and converts its whole state before any byte of the answer. */
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http;
    private final Duration timeout;
    private final String token;
    private final String scheme;

    /** {@code tlsCa}: a PEM file of CA certificates to trust over HTTPS, or null for plain HTTP. */
    AdminClient(Duration timeout, String token, Path tlsCa) throws CallFailure {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        if (tlsCa != null) {
            builder.sslContext(trusting(tlsCa));
        }
        this.http = builder.build();
        this.timeout = timeout;
        this.token = token;
        this.scheme = tlsCa == null ? "http" : "https";
    }

    /** A TLS context that trusts the certificates of a PEM file (and no others). */
    private static javax.net.ssl.SSLContext trusting(Path pem) throws CallFailure {
        try (java.io.InputStream in = Files.newInputStream(pem)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate certificate : java.security.cert.CertificateFactory
                    .getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new CallFailure(ExitCodes.USAGE, "--tls-ca " + pem + " holds no certificate");
            }
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new CallFailure(ExitCodes.USAGE, "--tls-ca " + pem + " cannot be used: " + e.getMessage());
        }
    }

    /** A failed call: what kind (for the exit code) and a one-line reason naming the server. */
    static final class CallFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        CallFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    /** GET {@code /commands/<name>} with parameters. */
    JsonNode command(String server, String name, Map<String, String> params) throws CallFailure {
        return call(server, HttpRequest.newBuilder(uri(server, "/commands/" + name, params)).GET(), name);
    }

    /** POST {@code /commands/<name>} with the token. */
    JsonNode mutate(String server, String name) throws CallFailure {
        return mutate(server, name, Map.of());
    }

    /** POST {@code /commands/<name>} with parameters and the token. */
    JsonNode mutate(String server, String name, Map<String, String> params) throws CallFailure {
        return mutate(server, name, params, timeout);
    }

    /** As {@link #mutate(String, String, Map)}, waiting up to {@code wait} for the answer. */
    JsonNode mutate(String server, String name, Map<String, String> params, Duration wait) throws CallFailure {
        if (token == null) {
            throw new CallFailure(ExitCodes.AUTH, name + " needs the admin token: pass --token-file FILE or set "
                    + "VKCTL_TOKEN");
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(server, "/commands/" + name, params))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody());
        return parse(server, name, exchangeChecked(server, builder, wait));
    }

    private HttpResponse<String> exchangeChecked(String server, HttpRequest.Builder request, Duration wait)
            throws CallFailure {
        HttpResponse<String> response = exchange(server, request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), wait.compareTo(timeout) > 0 ? wait
                        : timeout);
        if (response.body().length() > BODY_CHARS_MAX) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": answer larger than " + BODY_CHARS_MAX);
        }
        return response;
    }

    /** What {@link #snapshot} wrote. */
    record Snapshot(String lastZxid, long bytes) {
    }

    /** GET the snapshot command's stream, with the token, into {@code file} (replaced once whole). */
    Snapshot snapshot(String server, Path file) throws CallFailure {
        requireToken("snapshot");
        Path absolute = file.toAbsolutePath();
        Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(server, "/commands/snapshot",
                Map.of("streaming", "true"))).header("Authorization", "Bearer " + token).GET();
        try {
            HttpResponse<Path> response = exchange(server, request, HttpResponse.BodyHandlers.ofFile(partial),
                    TRANSFER_TIMEOUT);
            if (response.statusCode() != 200) {
                String reason = Files.readString(partial, StandardCharsets.UTF_8);
                throw new CallFailure(response.statusCode() == 401 || response.statusCode() == 403 ? ExitCodes.AUTH
                        : ExitCodes.REFUSED, server + ": snapshot: HTTP " + response.statusCode() + " " + reason);
            }
            long bytes = Files.size(partial);
            long announced = response.headers().firstValueAsLong("snapshot_size").orElse(-1);
            if (announced != bytes) {
                throw new CallFailure(ExitCodes.UNREACHABLE, server + ": the snapshot ended after " + bytes + " of "
                        + announced + " bytes");
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Snapshot(response.headers().firstValue("last_zxid").orElse("?"), bytes);
        } catch (IOException e) {
            throw new CallFailure(ExitCodes.REFUSED, "cannot write " + file + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // the failure above, if any, is the one to report
            }
        }
    }

    /** POST {@code file} to the restore command with the token. */
    JsonNode restore(String server, Path file) throws CallFailure {
        requireToken("restore");
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(uri(server, "/commands/restore", Map.of()))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(file));
        } catch (java.io.FileNotFoundException e) {
            throw new CallFailure(ExitCodes.USAGE, "cannot read " + file);
        }
        HttpResponse<String> response = exchange(server, request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), TRANSFER_TIMEOUT);
        return parse(server, "restore", response);
    }

    private void requireToken(String name) throws CallFailure {
        if (token == null) {
            throw new CallFailure(ExitCodes.AUTH, name + " needs the admin token: pass --token-file FILE or set "
                    + "VKCTL_TOKEN");
        }
    }

    /** GET {@code /metrics}: Prometheus text. */
    String metrics(String server) throws CallFailure {
        HttpResponse<String> response = send(server, HttpRequest.newBuilder(uri(server, "/metrics", Map.of())).GET());
        if (response.statusCode() != 200) {
            throw new CallFailure(ExitCodes.REFUSED, server + ": /metrics answered HTTP " + response.statusCode());
        }
        return response.body();
    }

    private JsonNode call(String server, HttpRequest.Builder request, String name) throws CallFailure {
        return parse(server, name, send(server, request));
    }

    private JsonNode parse(String server, String name, HttpResponse<String> response) throws CallFailure {
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": " + name + " answered HTTP "
                    + response.statusCode() + " without JSON; is this a Viewkeeper admin port?");
        }
        if (body == null || !body.isObject()) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": " + name + " did not answer a JSON object");
        }
        JsonNode error = body.path("error");
        if (response.statusCode() != 200 || !error.isNull() && !error.isMissingNode()) {
            int code = response.statusCode() == 401 || response.statusCode() == 403 ? ExitCodes.AUTH
                    : response.statusCode() == 503 ? ExitCodes.UNREACHABLE : ExitCodes.REFUSED;
            throw new CallFailure(code, server + ": " + name + ": " + error.asText("HTTP " + response.statusCode()));
        }
        return body;
    }

    private HttpResponse<String> send(String server, HttpRequest.Builder request) throws CallFailure {
        HttpResponse<String> response = exchange(server, request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), timeout);
        if (response.body().length() > BODY_CHARS_MAX) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": answer larger than " + BODY_CHARS_MAX);
        }
        return response;
    }

    private <T> HttpResponse<T> exchange(String server, HttpRequest.Builder request,
            HttpResponse.BodyHandler<T> handler, Duration wait) throws CallFailure {
        try {
            return http.send(request.timeout(wait).build(), handler);
        } catch (HttpConnectTimeoutException e) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": no connection within " + timeout.toMillis()
                    + " ms");
        } catch (HttpTimeoutException e) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": no answer within " + wait.toMillis() + " ms");
        } catch (ConnectException e) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": connection refused");
        } catch (IOException e) {
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailure(ExitCodes.UNREACHABLE, server + ": interrupted");
        }
    }

    private URI uri(String server, String path, Map<String, String> params) throws CallFailure {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        try {
            return URI.create(scheme + "://" + server + path + query);
        } catch (IllegalArgumentException e) {
            throw new CallFailure(ExitCodes.USAGE, "'" + server + "' is not host:port");
        }
    }
}
