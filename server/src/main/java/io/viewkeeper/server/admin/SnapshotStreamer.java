package io.viewkeeper.server.admin;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.migrate.ZooKeeperSnapshotWriter;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper 3.9's AdminServer {@code snapshot} command ({@code snap}): the replica's state at its applied op (every
 * applied op is committed) as a ZooKeeper snapshot file, streamed as {@code application/octet-stream} with ZooKeeper's
 * {@code last_zxid} and {@code snapshot_size} headers when {@code streaming} is true (the default), or only the
 * headers and a JSON body when false. Its permission rule is ZooKeeper's: an {@code Authorization} header naming a
 * scheme and its data ({@code digest user:password}, or {@code ip}) whose identity holds every permission on the
 * root znode's ACL (401 without one that authenticates, 403 when the ACL refuses it); the node's admin token as
 * {@code Bearer <token>} is taken too. One snapshot runs at a time (429 otherwise). The replica thread only copies
 * its state (the same copy a checkpoint transfer makes); ZooKeeper's format is written on a thread of its own.
 */
final class SnapshotStreamer {
    private static final Logger log = LoggerFactory.getLogger(SnapshotStreamer.class);
    private static final int TLS_CHUNK_BYTES = 64 * 1024;
    static final List<String> NAMES = List.of("snapshot", "snap");
    static final String SUMMARY = "ZooKeeper's snapshot command: the state at an applied op as a ZooKeeper "
            + "snapshot file (streaming=true, the default) with last_zxid and snapshot_size headers; needs ALL "
            + "permissions on / (Authorization: digest user:password, ip) or the admin token";

    private final AdminSettings settings;
    private final NodeAccess node;
    private final long replicaTimeoutMs;
    private final AtomicBoolean running = new AtomicBoolean();

    SnapshotStreamer(AdminSettings settings, NodeAccess node, long replicaTimeoutMs) {
        this.settings = settings;
        this.node = node;
        this.replicaTimeoutMs = replicaTimeoutMs;
    }

    /** What the replica thread hands over: a copy of its state and the root ACL it holds now. */
    private record Taken(byte[] state, List<Acl> rootAcl) {
    }

    void serve(ChannelHandlerContext ctx, boolean keepAlive, FullHttpRequest request, Params params) {
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.POST)) {
            AdminHttpHandler.sendError(ctx, keepAlive, NAMES.get(0), 405, "use GET for snapshot");
            return;
        }
        boolean streaming;
        List<Identity> identities;
        try {
            streaming = params.allowOnly(java.util.Set.of("streaming")).bool("streaming", true);
            identities = AdminAuth.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION), ctx, settings,
                    node);
        } catch (AdminException e) {
            AdminHttpHandler.sendError(ctx, keepAlive, NAMES.get(0), e.status(), e.getMessage());
            return;
        }
        if (!running.compareAndSet(false, true)) {
            AdminHttpHandler.sendError(ctx, keepAlive, NAMES.get(0), 429, "a snapshot is being taken; try again "
                    + "when it is done");
            return;
        }
        CompletableFuture<Taken> taken = new CompletableFuture<>();
        // The ACL is checked before the state is copied, so a caller the root refuses costs no copy.
        if (!node.offer(() -> {
            List<Acl> rootAcl = node.stateMachine().tree().get("/").acl();
            boolean permitted = AdminAuth.permitsAll(rootAcl, identities);
            taken.complete(new Taken(permitted ? TreeSnapshot.write(node.stateMachine()) : null, rootAcl));
        })) {
            running.set(false);
            AdminHttpHandler.sendError(ctx, keepAlive, NAMES.get(0), 503, "the replica thread is not taking tasks");
            return;
        }
        taken.orTimeout(replicaTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((state, failure) -> {
            try {
                if (failure != null) {
                    fail(ctx, keepAlive, 503, "the replica thread did not answer within " + replicaTimeoutMs + " ms");
                } else if (state.state() == null) {
                    fail(ctx, keepAlive, 403, "Not authorized: the root znode's ACL does not give this identity "
                            + "every permission");
                } else {
                    ctx.executor().execute(() -> {
                        if (ctx.pipeline().get(ReadTimeoutHandler.class) != null) {
                            ctx.pipeline().remove(ReadTimeoutHandler.class);
                        }
                    });
                    Thread.ofPlatform().daemon().name("admin-snapshot")
                            .start(() -> write(ctx, keepAlive, state, streaming));
                }
            } catch (RuntimeException | Error e) {
                fail(ctx, keepAlive, 500, "the snapshot could not be started: " + e);
                node.stopOn("admin: the snapshot could not be started", e);
            }
        });
    }

    /** Ends a snapshot request that will not stream: frees the slot and answers with the reason. */
    private void fail(ChannelHandlerContext ctx, boolean keepAlive, int status, String reason) {
        running.set(false);
        ctx.executor().execute(() -> AdminHttpHandler.sendError(ctx, keepAlive, NAMES.get(0), status, reason));
    }

    /** The snapshot thread's root: whatever happens, the slot is freed and the request answered. */
    private void write(ChannelHandlerContext ctx, boolean keepAlive, Taken taken, boolean streaming) {
        Path dir = null;
        Path file = null;
        try {
            TreeSnapshot.Image image = TreeSnapshot.read(taken.state());
            dir = Files.createTempDirectory("viewkeeper-snapshot-"); // owner-only, whatever the file's mode
            file = dir.resolve("snapshot");
            ZooKeeperSnapshotWriter.Written written = ZooKeeperSnapshotWriter.write(image, file);
            log.info("admin: snapshot at zxid 0x{} ({} znodes, {} bytes) for {}",
                    Long.toHexString(written.lastZxid()), written.znodes(), written.bytes(),
                    ctx.channel().remoteAddress());
            Path sent = file;
            Path sentDir = dir;
            ctx.executor().execute(() -> respond(ctx, keepAlive, written, streaming, sent, sentDir));
        } catch (IOException e) {
            log.warn("admin: the snapshot could not be written: {}", e.toString());
            deleteQuietly(file);
            deleteQuietly(dir);
            fail(ctx, keepAlive, 500, "the snapshot could not be written: " + e);
        } catch (OperationCodec.MalformedOperationException | RuntimeException | Error e) {
            // the replica's own copy does not read back, or the conversion has a bug: a programmer error
            deleteQuietly(file);
            deleteQuietly(dir);
            fail(ctx, keepAlive, 500, "the snapshot failed; the node stops: " + e);
            node.stopOn("admin: the snapshot of the replica's own state failed", e);
        }
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, ZooKeeperSnapshotWriter.Written written,
            boolean streaming, Path file, Path dir) {
        running.set(false); // the costly part is done; the file is this request's alone
        try {
            if (!streaming) {
                Map<String, Object> fields = new LinkedHashMap<>();
                AdminHttpHandler.sendJson(ctx, keepAlive, 200, AdminHttpHandler.response(NAMES.get(0), fields, null),
                        Map.of("last_zxid", zxidHeader(written.lastZxid()),
                                "snapshot_size", Long.toString(written.bytes())));
                deleteQuietly(file);
                deleteQuietly(dir);
                return;
            }
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, written.bytes());
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            response.headers().set("last_zxid", zxidHeader(written.lastZxid()));
            response.headers().set("snapshot_size", Long.toString(written.bytes()));
            response.headers().set(HttpHeaderNames.CONNECTION,
                    keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
            ChannelFuture done;
            if (ctx.pipeline().get(SslHandler.class) != null) {
                // TLS encrypts in user space, so no FileRegion: the file goes in chunks, ending with the last content
                ChunkedFile chunks;
                try {
                    chunks = new ChunkedFile(file.toFile(), TLS_CHUNK_BYTES);
                } catch (IOException e) {
                    log.warn("admin: the snapshot file cannot be read back: {}", e.toString());
                    deleteQuietly(file);
                    deleteQuietly(dir);
                    fail(ctx, keepAlive, 500, "the snapshot could not be read back: " + e);
                    return;
                }
                ctx.write(response);
                done = ctx.writeAndFlush(new HttpChunkedInput(chunks));
            } else {
                ctx.write(response);
                ctx.write(new DefaultFileRegion(file.toFile(), 0, written.bytes()));
                done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            done.addListener(f -> {
                deleteQuietly(file);
                deleteQuietly(dir);
            });
            if (!keepAlive) {
                done.addListener(ChannelFutureListener.CLOSE);
            }
        } catch (RuntimeException e) {
            deleteQuietly(file);
            deleteQuietly(dir);
            throw e;
        }
    }

    /** ZooKeeper's {@code last_zxid} header: {@code 0x} and the zxid in hex. */
    static String zxidHeader(long zxid) {
        return "0x" + Long.toHexString(zxid);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("admin: could not delete {}: {}", file, e.toString());
        }
    }
}
