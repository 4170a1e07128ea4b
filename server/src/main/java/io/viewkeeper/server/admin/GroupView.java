package io.viewkeeper.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The {@code group} command: every member's {@code member} figures in one answer, so that one admin address shows
 * the whole group (the console's first view). This replica answers for itself; each other member is asked over
 * HTTP at the host of its {@code server.N} line and this node's {@code admin.serverPort}, as members of a group
 * share their admin settings. A member that does not answer within {@link #MEMBER_TIMEOUT} is listed as
 * unreachable with the reason, never left out. Nothing blocks the admin event loop: the answers are awaited
 * asynchronously.
 */
final class GroupView implements AutoCloseable {
    static final String NAME = "group";
    static final String SUMMARY = "Every member's 'member' figures (seconds=N), this replica's own and each other "
            + "member's fetched from its admin endpoint at its host and this node's admin port";
    static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(2);
    private static final int MEMBER_BODY_BYTES_MAX = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AdminSettings settings;
    private final NodeAccess node;
    private final AdminCommand member;
    private final long replicaTimeoutMs;
    private final HttpClient http;

    GroupView(AdminSettings settings, NodeAccess node, AdminCommands commands, long replicaTimeoutMs) {
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(MEMBER_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER);
        if (settings.tls().forceHttps()) {
            // members' endpoints speak HTTPS only: trust what this endpoint's trust store trusts (else the JVM's)
            try {
                javax.net.ssl.TrustManagerFactory trust = settings.tls().trustManagers();
                if (trust != null) {
                    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
                    context.init(null, trust.getTrustManagers(), null);
                    builder.sslContext(context);
                }
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                throw new io.viewkeeper.server.ConfigException("ssl.quorum.trustStore.location",
                        "cannot be used to reach the other members' admin endpoints: " + e.getMessage());
            }
        }
        this.http = builder.build();
        this.node = node;
        this.member = commands.find("member");
        this.replicaTimeoutMs = replicaTimeoutMs;
    }

    void serve(ChannelHandlerContext ctx, boolean keepAlive, Params params) {
        AdminCommand.Job own;
        try {
            params.allowOnly(Set.of("seconds"));
            own = member.binder().bind(params);
        } catch (AdminException e) {
            AdminHttpHandler.sendError(ctx, keepAlive, NAME, e.status(), e.getMessage());
            return;
        }
        String query = params.has("seconds") ? "?seconds=" + params.text("seconds").trim() : "";
        NodeConfig config = node.config();
        List<CompletableFuture<Map<String, Object>>> answers = new ArrayList<>();
        if (config.members().isEmpty()) {
            answers.add(ownFigures(own, config.serverId(), config.clientPortAddress()));
        }
        for (NodeConfig.Member m : config.members()) {
            answers.add(m.id() == config.serverId() ? ownFigures(own, m.id(), m.host()) : fetch(m, query));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) ->
                ctx.executor().execute(() -> {
                    List<Map<String, Object>> members = new ArrayList<>();
                    answers.forEach(answer -> members.add(answer.join()));
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("answered_by", config.serverId());
                    fields.put("members", members);
                    AdminHttpHandler.sendJson(ctx, keepAlive, 200, AdminHttpHandler.response(NAME, fields, null));
                }));
    }

    /** This replica's figures, from its replica thread; never fails (an unanswered task becomes a reason). */
    private CompletableFuture<Map<String, Object>> ownFigures(AdminCommand.Job job, int id, String host) {
        CompletableFuture<Map<String, Object>> figures = new CompletableFuture<>();
        boolean offered = node.offer(() -> {
            try {
                figures.complete(job.run());
            } catch (AdminException | RuntimeException e) {
                figures.completeExceptionally(e);
            }
        });
        if (!offered) {
            figures.completeExceptionally(new IllegalStateException("the replica thread is not taking tasks"));
        }
        return figures.orTimeout(replicaTimeoutMs, TimeUnit.MILLISECONDS)
                .handle((fields, failure) -> failure == null ? reachable(id, host, fields)
                        : unreachable(id, host, reason(failure)));
    }

    private CompletableFuture<Map<String, Object>> fetch(NodeConfig.Member m, String query) {
        String host = m.host().contains(":") ? "[" + m.host() + "]" : m.host();
        URI uri;
        try {
            uri = URI.create(settings.tls().scheme() + "://" + host + ":" + settings.serverPort()
                    + AdminHttpHandler.COMMANDS_PATH
                    + "/member" + query);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(unreachable(m.id(), m.host(), "no admin URL: " + e.getMessage()));
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(MEMBER_TIMEOUT).GET().build();
        // the request timeout ends at the headers: the whole answer, body included, gets a deadline of its own
        return http.sendAsync(request, GroupView::boundedBody)
                .orTimeout(2 * MEMBER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).handle((response, failure) -> {
            if (failure != null) {
                return unreachable(m.id(), m.host(), "its admin endpoint " + uri.getAuthority() + " did not answer ("
                        + reason(failure) + ")");
            }
            if (response.statusCode() != 200) {
                return unreachable(m.id(), m.host(), "its admin endpoint " + uri.getAuthority() + " answered HTTP "
                        + response.statusCode());
            }
            if (response.body() == null) {
                return unreachable(m.id(), m.host(), "its admin endpoint " + uri.getAuthority() + " answered without "
                        + "a length or with more than " + MEMBER_BODY_BYTES_MAX + " bytes");
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = JSON.readValue(response.body(), Map.class);
                fields.remove("command");
                fields.remove("error");
                return reachable(m.id(), m.host(), fields);
            } catch (java.io.IOException | RuntimeException e) {
                return unreachable(m.id(), m.host(), "its admin endpoint " + uri.getAuthority()
                        + " answered something that is not the member figures");
            }
        });
    }

    /** The body when it declares a length within the limit (the admin endpoint always does), else none. */
    private static HttpResponse.BodySubscriber<byte[]> boundedBody(HttpResponse.ResponseInfo info) {
        long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (length < 0 || length > MEMBER_BODY_BYTES_MAX) {
            return HttpResponse.BodySubscribers.replacing(null);
        }
        return HttpResponse.BodySubscribers.ofByteArray();
    }

    private static Map<String, Object> reachable(int id, String host, Map<String, Object> fields) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("host", host);
        out.put("reachable", true);
        out.putAll(fields);
        out.put("id", id);
        return out;
    }

    private static Map<String, Object> unreachable(int id, String host, String reason) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("host", host);
        out.put("reachable", false);
        out.put("reason", reason);
        return out;
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
