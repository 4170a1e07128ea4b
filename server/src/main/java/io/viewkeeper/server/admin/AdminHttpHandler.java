package io.viewkeeper.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.metrics.NodeMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin HTTP request: routes {@code /commands}, {@code /commands/<name>} and {@code /metrics}, checks the
 * method and, for mutating commands, the bearer token, validates the parameters, then runs the command on the
 * replica thread with a deadline. Every failure is a JSON body {@code {"command": ..., "error": reason}} with a
 * 4xx or 5xx status; nothing a client sends can throw out of here or leave a request unanswered.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);
    static final String COMMANDS_PATH = "/commands";
    static final String METRICS_PATH = "/metrics";
    private static final String BEARER = "Bearer ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AdminSettings settings;
    private final AdminCommands commands;
    private final NodeAccess node;
    private final NodeMetrics metrics;
    private final Duration replicaTimeout;
    /** How long a job that waits for the group may take: a reconfiguration commits, or the caller asks again. */
    private static final Duration LATER_TIMEOUT = Duration.ofSeconds(30);
    private final SnapshotStreamer snapshots;
    private final RestoreReceiver restores;
    private final GroupView group;
    private final ConsoleAssets console;

    AdminHttpHandler(AdminSettings settings, AdminCommands commands, NodeAccess node, NodeMetrics metrics,
            Duration replicaTimeout, SnapshotStreamer snapshots, RestoreReceiver restores, GroupView group,
            ConsoleAssets console) {
        this.settings = settings;
        this.group = group;
        this.console = console;
        this.snapshots = snapshots;
        this.restores = restores;
        this.commands = commands;
        this.node = node;
        this.metrics = metrics;
        this.replicaTimeout = replicaTimeout;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !AdminServer.holdsLargeBodyLimit(ctx);
        if (request.decoderResult().isFailure()) {
            sendError(ctx, false, "", 400, "malformed HTTP request: " + request.decoderResult().cause().getMessage());
            return;
        }
        QueryStringDecoder uri;
        try {
            uri = new QueryStringDecoder(request.uri());
            uri.parameters();
        } catch (IllegalArgumentException e) {
            sendError(ctx, keepAlive, "", 400, "malformed request URI: " + e.getMessage());
            return;
        }
        String path = uri.path();
        if (path.equals(METRICS_PATH)) {
            serveMetrics(ctx, keepAlive, request.method());
        } else if (path.equals(COMMANDS_PATH) || path.equals(COMMANDS_PATH + "/")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("commands", commands.describe());
            sendJson(ctx, keepAlive, 200, response("commands", body, null));
        } else if (path.startsWith(COMMANDS_PATH + "/")) {
            String name = path.substring(COMMANDS_PATH.length() + 1);
            runCommand(ctx, keepAlive, request, name, uri.parameters());
        } else if (path.equals("/") || path.equals("/console")) {
            redirect(ctx, keepAlive, ConsoleAssets.PATH);
        } else if (path.startsWith(ConsoleAssets.PATH) && console.file(path) != null) {
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                sendError(ctx, keepAlive, "", 405, "use GET for the console");
                return;
            }
            send(ctx, keepAlive, 200, console.type(path), console.file(path), Map.of(
                    "Content-Security-Policy", ConsoleAssets.CONTENT_SECURITY_POLICY,
                    "X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer"));
        } else {
            sendError(ctx, keepAlive, "", 404, "no such path " + shorten(path) + "; the admin endpoint serves "
                    + COMMANDS_PATH + ", " + COMMANDS_PATH + "/<name>, " + METRICS_PATH + " and the console at "
                    + ConsoleAssets.PATH);
        }
    }

    private void runCommand(ChannelHandlerContext ctx, boolean keepAlive, FullHttpRequest request, String name,
            Map<String, List<String>> parameters) {
        if (RestoreReceiver.NAMES.contains(name)) {
            restores.serve(ctx, request, new Params(RestoreReceiver.NAMES.get(0), parameters));
            return;
        }
        if (name.equals(GroupView.NAME)) {
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.POST)) {
                sendError(ctx, keepAlive, name, 405, "use GET for " + name);
                return;
            }
            group.serve(ctx, keepAlive, new Params(name, parameters));
            return;
        }
        if (SnapshotStreamer.NAMES.contains(name)) {
            snapshots.serve(ctx, keepAlive, request, new Params(SnapshotStreamer.NAMES.get(0), parameters));
            return;
        }
        AdminCommand command = commands.find(name);
        if (command == null) {
            sendError(ctx, keepAlive, shorten(name), 404, "Unknown command: " + shorten(name)
                    + " (GET " + COMMANDS_PATH + " lists them)");
            return;
        }
        String denied = refusal(command, request);
        if (denied != null) {
            int status = denied.startsWith("use ") ? 405 : denied.startsWith("mutating") ? 403 : 401;
            sendError(ctx, keepAlive, command.name(), status, denied);
            return;
        }
        AdminCommand.Job job;
        try {
            boolean tokenGiven = tokenMatches(request);
            if (!tokenGiven && request.headers().contains(HttpHeaderNames.AUTHORIZATION)) {
                log.warn("admin: wrong token for {} from {}; answered as to anyone", command.name(),
                        ctx.channel().remoteAddress());
            }
            job = command.binder().bind(new Params(command.name(), parameters, tokenGiven));
        } catch (AdminException e) {
            sendError(ctx, keepAlive, command.name(), e.status(), e.getMessage());
            return;
        }
        if (command.mutating()) {
            log.info("admin: {} requested from {}", command.name(), ctx.channel().remoteAddress());
        }
        execute(command, job).whenComplete((fields, failure) -> ctx.executor().execute(() ->
                answer(ctx, keepAlive, command.name(), fields, failure)));
    }

    /** Why the request may not run this command, or null. */
    private String refusal(AdminCommand command, FullHttpRequest request) {
        HttpMethod method = request.method();
        if (command.mutating()) {
            if (!method.equals(HttpMethod.POST)) {
                return "use POST for " + command.name() + ", which changes the node";
            }
            if (!settings.mutatingAllowed()) {
                return "mutating commands are disabled: this node has no admin.token or admin.tokenFile";
            }
            String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (header == null || !header.startsWith(BEARER)) {
                return "missing token: send 'Authorization: Bearer <admin.token>'";
            }
            if (!tokenMatches(request)) {
                log.warn("admin: wrong token for {} from {}", command.name(), request.headers().get("Host"));
                return "wrong token";
            }
            return null;
        }
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.POST)) {
            return "use GET for " + command.name();
        }
        return null;
    }

    /** Whether the request carries this node's admin token as a bearer token (never, without a token). */
    private boolean tokenMatches(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (!settings.mutatingAllowed() || header == null || !header.startsWith(BEARER)) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, settings.token().getBytes(StandardCharsets.UTF_8));
    }

    /** Runs the job where it belongs; the future fails with a timeout if the replica thread does not answer. */
    private CompletableFuture<Map<String, Object>> execute(AdminCommand command, AdminCommand.Job job) {
        if (job instanceof AdminCommand.Later later) {
            CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
            later.start().orTimeout(LATER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((fields, e) -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof TimeoutException) {
                    answer.completeExceptionally(new AdminException(504, command.name() + " was not applied at this "
                            + "replica within " + LATER_TIMEOUT.toSeconds() + " s; it may still be: look again"));
                } else if (cause != null) {
                    answer.completeExceptionally(cause);
                } else {
                    answer.complete(fields);
                }
            });
            return answer;
        }
        CompletableFuture<Map<String, Object>> future = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                future.complete(job.run());
            } catch (AdminException | RuntimeException e) {
                future.completeExceptionally(e);
            }
        };
        if (!command.onReplicaThread()) {
            task.run();
            return future;
        }
        if (!node.offer(task)) {
            future.completeExceptionally(new AdminException(503, "the replica thread is not taking tasks (its queue "
                    + "is full or the node is stopping)"));
            return future;
        }
        return future.orTimeout(replicaTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void answer(ChannelHandlerContext ctx, boolean keepAlive, String name, Map<String, Object> fields,
            Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause == null) {
            sendJson(ctx, keepAlive, 200, response(name, fields, null));
        } else if (cause instanceof AdminException e) {
            sendError(ctx, keepAlive, name, e.status(), e.getMessage());
        } else if (cause instanceof TimeoutException) {
            metrics.recordReplicaTimeout();
            sendError(ctx, keepAlive, name, 503, "the replica thread did not answer within "
                    + replicaTimeout.toMillis() + " ms");
        } else {
            log.error("admin: {} failed", name, cause);
            sendError(ctx, keepAlive, name, 500, "internal error: " + cause);
        }
    }

    private void serveMetrics(ChannelHandlerContext ctx, boolean keepAlive, HttpMethod method) {
        if (!method.equals(HttpMethod.GET)) {
            sendError(ctx, keepAlive, "metrics", 405, "use GET for " + METRICS_PATH);
            return;
        }
        CompletableFuture<Void> sampled = new CompletableFuture<>();
        boolean offered = node.offer(() -> {
            try {
                metrics.recordSample(ReplicaSampling.sample(node));
            } finally {
                sampled.complete(null);
            }
        });
        if (!offered) {
            sampled.complete(null);
        }
        sampled.orTimeout(replicaTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, failure) -> {
            if (failure != null) {
                metrics.recordReplicaTimeout();
            }
            ctx.executor().execute(() -> {
                byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                send(ctx, keepAlive, 200, "text/plain; version=0.0.4; charset=utf-8", text);
            });
        });
    }

    static Map<String, Object> response(String command, Map<String, Object> fields, String error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", command);
        if (fields != null) {
            body.putAll(fields);
        }
        body.put("error", error);
        return body;
    }

    static void sendError(ChannelHandlerContext ctx, boolean keepAlive, String command, int status, String reason) {
        sendJson(ctx, keepAlive, status, response(command, null, reason));
    }

    static void sendJson(ChannelHandlerContext ctx, boolean keepAlive, int status, Map<String, Object> body) {
        sendJson(ctx, keepAlive, status, body, Map.of());
    }

    static void sendJson(ChannelHandlerContext ctx, boolean keepAlive, int status, Map<String, Object> body,
            Map<String, String> headers) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            bytes = ("{\"command\":\"\",\"error\":\"response could not be encoded\"}").getBytes(StandardCharsets.UTF_8);
            status = 500;
        }
        send(ctx, keepAlive, status, "application/json", bytes, headers);
    }

    private static void redirect(ChannelHandlerContext ctx, boolean keepAlive, String location) {
        send(ctx, keepAlive, 302, "text/plain; charset=utf-8", ("see " + location).getBytes(StandardCharsets.UTF_8),
                Map.of("Location", location));
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, int status, String type, byte[] body) {
        send(ctx, keepAlive, status, type, body, Map.of());
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, int status, String type, byte[] body,
            Map<String, String> headers) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        headers.forEach((name, value) -> response.headers().set(name, value));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String shorten(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin: closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
