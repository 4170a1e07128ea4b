package io.viewkeeper.server.admin;

import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.RestoreListener;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.migrate.MigrationException;
import io.viewkeeper.server.migrate.ZooKeeperDataDir;
import io.viewkeeper.server.migrate.ZooKeeperImport;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.TreeSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper 3.9's AdminServer {@code restore} command ({@code rest}): {@code POST} a ZooKeeper snapshot (the raw,
 * uncompressed stream {@code snapshot} streams) and the group's whole state becomes it, through the log as one
 * op ({@link Operation.RestoreState}), so every replica takes it at the same zxid; every client connection is then
 * closed, and sessions the snapshot holds can resume. The answer is ZooKeeper's {@code last_zxid}: the state's
 * once the restore was applied (the image's, when that is above the op's own). Permission is ZooKeeper's rule ({@link AdminAuth}); and since it replaces everything,
 * the node must also have an admin token configured, as for every command that changes it (403 otherwise).
 * A snapshot whose zxids are above the group's (a ZooKeeper ensemble's, whose zxids carry its epoch) moves the
 * group's zxids up to them, so clients that saw that ensemble are accepted. With {@code into_empty=true} (what
 * {@code viewkeeper import --admin} sends) the restore is an import: refused with 409, changing nothing, when the
 * group holds any znode outside /zookeeper when it applies. A state over
 * {@link Operation.RestoreState#RESTORE_STATE_BYTES_MAX} once converted goes through the log in parts
 * ({@link Operation.RestorePart}), staged by every replica and applied at the last. Refused: a snapshot that does
 * not read, or one over {@link Operation.RestorePart#RESTORE_BYTES_MAX} once converted. One restore at a time
 * (429).
 */
final class RestoreReceiver {
    private static final Logger log = LoggerFactory.getLogger(RestoreReceiver.class);
    static final List<String> NAMES = List.of("restore", "rest");
    static final String SUMMARY = "ZooKeeper's restore command: POST a ZooKeeper snapshot to replace the group's "
            + "whole state through the log (one op); needs ALL permissions on / and a node with an admin token";
    /** Until the restore op commits and applies here. */
    private static final long COMMIT_TIMEOUT_MS = 60_000;

    private final AdminSettings settings;
    private final NodeAccess node;
    private final long replicaTimeoutMs;
    private final AtomicBoolean running = new AtomicBoolean();

    RestoreReceiver(AdminSettings settings, NodeAccess node, long replicaTimeoutMs) {
        this.settings = settings;
        this.node = node;
        this.replicaTimeoutMs = replicaTimeoutMs;
    }

    static boolean isRestore(String path) {
        for (String name : NAMES) {
            if (path.equals(AdminHttpHandler.COMMANDS_PATH + "/" + name)) {
                return true;
            }
        }
        return false;
    }

    void serve(ChannelHandlerContext ctx, FullHttpRequest request, Params params) {
        String name = NAMES.get(0);
        List<Identity> identities;
        boolean intoEmpty;
        try {
            if (!request.method().equals(HttpMethod.POST)) {
                throw new AdminException(405, "use POST for restore, with the snapshot as the body");
            }
            if (!settings.mutatingAllowed()) {
                throw new AdminException(403, "restore is disabled: this node has no admin.token or admin.tokenFile");
            }
            params.allowOnly(Set.of("into_empty"));
            intoEmpty = params.bool("into_empty", false);
            identities = AdminAuth.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION), ctx, settings,
                    node);
            if (request.content().readableBytes() == 0) {
                throw AdminException.badRequest("the body must be the snapshot to restore");
            }
        } catch (AdminException e) {
            AdminHttpHandler.sendError(ctx, false, name, e.status(), e.getMessage());
            return;
        }
        if (!running.compareAndSet(false, true)) {
            AdminHttpHandler.sendError(ctx, false, name, 429, "a restore is under way; try again when it is done");
            return;
        }
        byte[] body = new byte[request.content().readableBytes()];
        request.content().readBytes(body);
        if (ctx.pipeline().get(ReadTimeoutHandler.class) != null) {
            ctx.pipeline().remove(ReadTimeoutHandler.class); // the answer may take up to the commit timeout
        }
        CompletableFuture<Standing> standing = new CompletableFuture<>();
        if (!node.offer(() -> standing.complete(standingNow()))) {
            finish(ctx, 503, "the replica thread is not taking tasks", null);
            return;
        }
        standing.orTimeout(replicaTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((now, failure) -> {
            if (failure != null) {
                finish(ctx, 503, "the replica thread did not answer within " + replicaTimeoutMs + " ms", null);
            } else if (!AdminAuth.permitsAll(now.rootAcl(), identities)) {
                finish(ctx, 403, "Not authorized: the root znode's ACL does not give this identity every permission",
                        null);
            } else if (!now.caughtUp()) {
                finish(ctx, 503, "this replica is not in normal status with every op it knows committed applied; "
                        + "try again shortly", null);
            } else {
                Thread.ofPlatform().daemon().name("admin-restore").start(() -> convertAndSubmit(ctx, body, intoEmpty));
            }
        });
    }

    /**
     * What the replica thread says before a restore: the root ACL, and whether it is normal with everything it
     * knows committed applied. Only then do its restore request numbers (from the applied zxid up) exceed those of
     * any restore it submitted before, which the group's client table would otherwise drop as already answered.
     */
    private record Standing(List<Acl> rootAcl, boolean caughtUp) {
    }

    private Standing standingNow() {
        Replica replica = node.replica();
        boolean caughtUp = replica.status() == Replica.Status.NORMAL && !replica.applyPending();
        return new Standing(node.stateMachine().tree().get("/").acl(), caughtUp);
    }

    /** The restore thread's root: the slot is freed and the request answered whatever happens. */
    private void convertAndSubmit(ChannelHandlerContext ctx, byte[] body, boolean intoEmpty) {
        try {
            ZooKeeperDataDir.Loaded loaded = ZooKeeperDataDir.readSnapshotStream(
                    new ByteBufInputStream(io.netty.buffer.Unpooled.wrappedBuffer(body)), "the restore request body");
            byte[] state = TreeSnapshot.write(ZooKeeperImport.toImage(loaded));
            if (state.length > Operation.RestorePart.RESTORE_BYTES_MAX) {
                finish(ctx, 413, "the snapshot is " + state.length + " bytes once converted, over the "
                        + Operation.RestorePart.RESTORE_BYTES_MAX + " a restore carries through the log: "
                        + "import it into new data directories (viewkeeper import --zookeeper-snapshot)", null);
                return;
            }
            List<Operation> ops = restoreOps(state, intoEmpty ? Operation.RestoreState.Mode.INTO_EMPTY
                    : Operation.RestoreState.Mode.RAISE, ThreadLocalRandom.current().nextLong());
            log.info("admin: restore of a snapshot at zxid 0x{} ({} znodes, {} bytes converted, {} op{}) submitted "
                    + "by {}", Long.toHexString(loaded.lastZxid()), loaded.tree().getNodeCount(), state.length,
                    ops.size(), ops.size() == 1 ? "" : "s", ctx.channel().remoteAddress());
            submit(ctx, ops, 0);
        } catch (MigrationException e) {
            finish(ctx, 400, e.getMessage(), null);
        } catch (RuntimeException | Error e) {
            // bad input is a MigrationException above; anything else here is a bug converting it
            finish(ctx, 500, "the restore failed; the node stops: " + e, null);
            node.stopOn("admin: converting a restore failed", e);
        }
    }

    /**
     * The ops that carry a converted state through the log: one {@link Operation.RestoreState} when it fits one op
     * (what every version reads), else {@link Operation.RestorePart}s of at most
     * {@link Operation.RestorePart#PART_BYTES_MAX}.
     */
    static List<Operation> restoreOps(byte[] state, Operation.RestoreState.Mode mode, long restoreId) {
        if (state.length <= Operation.RestoreState.RESTORE_STATE_BYTES_MAX) {
            return List.of(new Operation.RestoreState(state, mode));
        }
        List<Operation> parts = new ArrayList<>();
        for (int from = 0, index = 0; from < state.length; from += Operation.RestorePart.PART_BYTES_MAX, index++) {
            int to = Math.min(state.length, from + Operation.RestorePart.PART_BYTES_MAX);
            parts.add(new Operation.RestorePart(restoreId, index, to == state.length, mode,
                    Arrays.copyOfRange(state, from, to)));
        }
        return parts;
    }

    /**
     * Submits op {@code index} of the restore, and the next once it applied here: the parts of a restore go one
     * after the other, so none is ordered before the one it follows. Answers once the last applied, or at the first
     * that fails.
     */
    private void submit(ChannelHandlerContext ctx, List<Operation> ops, int index) {
        Operation op = ops.get(index);
        String which = ops.size() == 1 ? "the restore" : "part " + (index + 1) + " of " + ops.size();
        CompletableFuture<Map.Entry<Long, Result>> applied = new CompletableFuture<>();
        RestoreListener listener = (zxid, result) -> applied.complete(Map.entry(zxid, result));
        if (!node.offer(() -> node.submitRestore(op, listener))) {
            finish(ctx, 503, "the replica thread is not taking tasks", null);
            return;
        }
        applied.orTimeout(COMMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((done, failure) -> {
            if (failure instanceof TimeoutException) {
                node.offer(() -> node.withdrawRestore(listener));
                abandon(ops);
                finish(ctx, 503, which + " did not commit within " + COMMIT_TIMEOUT_MS + " ms and is no longer "
                        + "offered (if the primary had already ordered " + (index + 1 == ops.size() ? "it, it still "
                        + "commits: check the state before trying again)" : "it, the restore is still not applied "
                        + "without the parts after it)"), null);
            } else if (failure != null) {
                finish(ctx, 500, "the restore failed: " + failure, null);
            } else if (done.getValue() instanceof Result.Error error) {
                if (error.code() == ErrorCode.NOT_EMPTY) {
                    finish(ctx, 409, "refused: the group holds znodes outside /zookeeper, and an import goes "
                            + "only into an empty group; nothing was changed", null);
                } else if (error.code() == ErrorCode.RUNTIME_INCONSISTENCY) {
                    finish(ctx, 409, which + " was refused: another restore started meanwhile, or the parts "
                            + "before it were dropped; nothing was changed", null);
                } else {
                    finish(ctx, 400, "refused with error " + error.code() + (error.code()
                            == ErrorCode.BAD_ARGUMENTS ? ": the converted snapshot does not read back" : ""), null);
                }
            } else if (index + 1 < ops.size() && !ctx.channel().isActive()) {
                abandon(ops);
                finish(ctx, 503, "the client closed the connection after " + which + "; the restore is abandoned "
                        + "and nothing was changed", null);
            } else if (index + 1 < ops.size()) {
                submit(ctx, ops, index + 1);
            } else {
                log.info("admin: the state was restored at zxid 0x{}", Long.toHexString(done.getKey()));
                finish(ctx, 200, null, done.getKey());
            }
        });
    }

    /**
     * Drops the parts of this restore staged so far, so that checkpoints resume at once rather than after the
     * staging's idle ops: a part of the same restore that cannot follow the staged ones drops them (and nothing of
     * another restore). Best effort: not waited for.
     */
    private void abandon(List<Operation> ops) {
        if (ops.size() > 1 && ops.get(0) instanceof Operation.RestorePart first) {
            Operation.RestorePart drop = new Operation.RestorePart(first.restoreId(), Integer.MAX_VALUE, true,
                    first.mode(), new byte[0]);
            node.offer(() -> node.submitRestore(drop, (zxid, result) -> { }));
        }
    }

    /** Frees the slot and answers: the zxid on success, else the reason; the connection closes after. */
    private void finish(ChannelHandlerContext ctx, int status, String error, Long lastZxid) {
        running.set(false);
        ctx.executor().execute(() -> {
            if (error != null) {
                AdminHttpHandler.sendError(ctx, false, NAMES.get(0), status, error);
                return;
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("last_zxid", lastZxid);
            AdminHttpHandler.sendJson(ctx, false, 200, AdminHttpHandler.response(NAMES.get(0), fields, null));
        });
    }
}
