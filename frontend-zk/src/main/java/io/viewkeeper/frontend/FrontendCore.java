package io.viewkeeper.frontend;

import io.viewkeeper.storage.ApplyOutcome;
import io.viewkeeper.storage.Change;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.security.SecureRandom;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The ZooKeeper server logic of one node, run only on the replica thread: the dispatcher between its parts. It
 * keeps each connection's queue in order ({@link ConnectionState}) and hands inputs to the part that owns them:
 * handshakes to {@link Handshakes}, sessions and expiry to {@link Sessions}, writes to the {@link WritePipeline},
 * reads behind a barrier to {@link ReadBarriers}, watch events to {@link Notifications}, channel writes to
 * {@link ClientOutput}, the container reaper to {@link ContainerReaper}.
 * Invariant: a connection's replies leave in request order; every event of an op is queued before its reply.
 */
public final class FrontendCore {
    static final int NOTIFICATION_XID = -1;
    static final int PING_XID = -2;
    static final int AUTH_XID = -4;

    private final FrontendSettings settings;
    private final ZnodeStateMachine stateMachine;
    private final WritePath writes;
    private final LongSupplier clock;
    private final WatchRegistry watches;
    private final ServerStats stats = new ServerStats();
    private final ClientOutput output;
    private final WritePipeline pipeline;
    private final ReadBarriers barriers;
    private final WriteReplies replies;
    private final Notifications notifications;
    private final Handshakes handshakes;
    private final Sessions sessions;
    private final ContainerReaper reaper;
    private final Set<ClientConnection> connections = new LinkedHashSet<>();
    /** The zxid of the last restore applied here: a client that saw less may hold data the restore took back. */
    long restoredAtZxid;
    private volatile int boundClientPort;
    private RequestListener requests = RequestListener.NONE;
    private ClientAuthentication authentication = ClientAuthentication.NONE;
    /**
     * Connection ids are negative (session ids are positive, the reaper is 0): the sign bit, this server's id in
     * the next 8 bits, then the start time in milliseconds shifted left 14 bits, plus a counter. A restarted
     * server starts above the ids it gave out before unless it accepted over 16,384 connections per millisecond.
     */
    private long nextConnectionId;

    public FrontendCore(FrontendSettings settings, ZnodeStateMachine stateMachine, WritePath writes,
            LongSupplier clock, SecureRandom random) {
        this.settings = settings;
        this.stateMachine = stateMachine;
        this.writes = writes;
        this.clock = clock;
        this.watches = new WatchRegistry(settings.watchesPerConnectionMax());
        this.output = new ClientOutput(settings.maxInflightPerConnection(), stats);
        this.pipeline = new WritePipeline(writes);
        this.barriers = new ReadBarriers(writes, new ReadRequests(stateMachine, watches, settings.ensembleConfig(),
                clock.getAsLong()), output,
                stateMachine::lastZxid, () -> requests);
        this.replies = new WriteReplies(output, stats, () -> requests,
                () -> stateMachine.tree().get(ZnodeStateMachine.CONFIG_PATH).data());
        this.notifications = new Notifications(watches, output);
        this.handshakes = new Handshakes(this, settings, writes, clock, random, stats);
        this.sessions = new Sessions(writes, pipeline, output, handshakes, random);
        this.reaper = new ContainerReaper(settings.containerCheckIntervalMs(), settings.containerMaxPerMinute());
        long now = clock.getAsLong();
        this.nextConnectionId = Long.MIN_VALUE | ((long) settings.serverId() << 55) | ((now << 14) & ((1L << 55) - 1));
        this.stats.startMs = now;
    }

    /** Who is told of each answered read and write (the node's metrics); set before the client port opens. */
    public void setRequestListener(RequestListener listener) {
        this.requests = listener;
    }

    /** SASL and the authentication clients must have (see {@link ClientAuthentication}). Before the port opens. */
    public void setAuthentication(ClientAuthentication rules) {
        this.authentication = rules;
    }

    ClientAuthentication authentication() {
        return authentication;
    }

    // ---- inputs ----

    /** A new connection, with its own id in the replicated client table. */
    public void onConnectionOpened(ClientConnection c) {
        c.clientId = nextConnectionId++;
        connections.add(c);
    }

    public void onConnectionClosed(ClientConnection c) {
        if (!connections.remove(c)) {
            return;
        }
        c.markClosed();
        c.waiting.clear();
        barriers.removeConnection(c);
        handshakes.onConnectionClosed(c);
        watches.removeConnection(c);
        sessions.onConnectionClosed(c);
    }

    public void onInbound(ClientConnection c, Inbound inbound) {
        if (c.isClosed()) {
            return;
        }
        if (inbound instanceof Inbound.FourLetterWord word) {
            output.answerFourLetterWord(c, FourLetterWords.answer(word, this));
            return;
        }
        c.packetsReceived++;
        stats.packetsReceived++;
        c.waiting.add(inbound);
        drain(c);
    }

    /** Time passes: the primary expires sessions past their deadline, and unplaced writes and reads go again. */
    public void onTick() {
        long now = clock.getAsLong();
        handshakes.onTick(now);
        sessions.onTick(now, handshakes.standing() == WritePath.Standing.SERVING);
        pipeline.offerAgain(now, WritePipeline.RESUBMIT_AFTER_MS);
        barriers.retry();
    }

    /**
     * The container and TTL reaper's period ({@code znode.container.checkIntervalMs}), which the driver runs on its
     * own timer: the primary proposes deletes for empty containers and expired TTL nodes.
     */
    public void onReaperTick() {
        if (sessions.isExpiring()) {
            reaper.propose(stateMachine.tree(), clock.getAsLong(), lastZxid(), writes);
        }
    }

    /**
     * The replica is normal in a view newer than the last one it was normal in: writes forwarded to the old primary
     * may have been lost with it, and the next write of each of those connections would be refused until its
     * predecessor is ordered. Every pending write is offered again now rather than after the resubmit delay.
     */
    public void onViewEntered() {
        pipeline.offerAgain(clock.getAsLong(), 0);
    }

    /** Session ids touched by this node's clients since the last call; a backup sends them to the primary. */
    public long[] takeTouchedSessions() {
        return sessions.takeTouched();
    }

    /** The primary learns that a backup's clients touched these sessions. */
    public void onSessionTouches(long[] sessionIds) {
        sessions.onTouches(sessionIds, clock.getAsLong());
    }

    /** A write committed at {@code zxid}: applied, watches fired, its waiter here (client, number) answered. */
    public void onCommitted(long zxid, Txn txn, long clientId, long requestNumber) {
        ApplyOutcome outcome = stateMachine.apply(zxid, txn);
        for (Change change : outcome.changes()) {
            notifications.deliver(change, zxid);
        }
        sessions.onCommitted(txn.op(), clock.getAsLong());
        WritePipeline.PendingWrite pending = pipeline.complete(clientId, requestNumber);
        if (txn.op() instanceof Operation.RestoreState || txn.op() instanceof Operation.RestorePart) {
            boolean replaced = !(txn.op() instanceof Operation.RestorePart part) || part.last();
            if (replaced && outcome.result() instanceof Result.Done) {
                restoredAtZxid = zxid;
                afterStateReplaced();
            }
            RestoreListener listener = pipeline.takeRestoreListener(clientId, requestNumber);
            if (listener != null) {
                listener.onRestored(stateMachine.lastZxid(), outcome.result());
            }
        }
        if (pending == null || pending.connection == null) {
            return;
        }
        ClientConnection c = pending.connection;
        if (txn.op() instanceof Operation.CreateSession create) {
            sessions.completeCreation(c, create);
        } else {
            c.onWriteCommitted();
            replies.answer(pending, zxid, outcome.result(), clock.getAsLong());
        }
        drain(c);
    }

    /**
     * Submits a restore op (a whole {@link Operation.RestoreState}, or one {@link Operation.RestorePart}) as a
     * write of this replica's own ({@link WritePipeline#submitRestore}); the listener hears when it applies here.
     */
    public void submitRestore(Operation restore, RestoreListener listener) {
        pipeline.submitRestore(restore, settings.serverId(), lastZxid(), clock.getAsLong(), listener);
    }

    /**
     * Stops offering a restore that has not committed (its caller gave up waiting): it is withdrawn here, though if
     * the primary already ordered it, it still commits. False when it is no longer pending.
     */
    public boolean withdrawRestore(RestoreListener listener) {
        return pipeline.withdrawRestore(listener);
    }

    /**
     * The state was replaced by a snapshot (recovery or state transfer). Watches cannot be carried across it, so
     * every client connection is closed: clients reconnect and their setWatches catch up from their last zxid.
     */
    public void onStateInstalled(TreeSnapshot.Image image) {
        stateMachine.install(image);
        afterStateReplaced();
    }

    /** Closes every client connection and tracks exactly the sessions of the state now in place. */
    private void afterStateReplaced() {
        for (ClientConnection c : List.copyOf(connections)) {
            output.close(c);
        }
        sessions.trackExactly(stateMachine.sessions(), clock.getAsLong());
    }

    /** A read barrier passed: a held handshake's, or a read's, now evaluated on the state applied and answered. */
    public void onReadReady(long readId) {
        if (handshakes.onReadReady(readId)) {
            return;
        }
        ClientConnection c = barriers.pass(readId);
        if (c != null) {
            drain(c);
        }
    }

    // ---- per-connection request order ----

    /** Handles the connection's queued inputs in order, as far as its state admits them. */
    void drain(ClientConnection c) {
        while (!c.waiting.isEmpty() && c.state().takesInput()) {
            Inbound next = c.waiting.peek();
            if (next instanceof Inbound.Connect connect) {
                c.waiting.poll();
                handshakes.onConnect(c, connect);
                continue;
            }
            Inbound.Request request = (Inbound.Request) next;
            if (request.type() == OpCode.PING && handshakes.holdsPing(c)) {
                return;
            }
            if (!c.state().admits(WriteRequests.isWrite(request.type()) && !request.decodeError())) {
                return;
            }
            c.waiting.poll();
            handleRequest(c, request);
        }
    }

    private void handleRequest(ClientConnection c, Inbound.Request request) {
        long now = clock.getAsLong();
        long startNanos = requests.nanoTime();
        if (!c.readOnly) {
            sessions.touch(c.sessionId, now);
        }
        c.noteRequest(request);
        if (!OpCode.isValid(request.type())) {
            send(c, Outbound.reply(request.xid(), -1, ErrorCode.UNIMPLEMENTED).thenClose());
            return;
        }
        if (authentication.refuses(this, c, request)) {
            return;
        }
        if (c.readOnly) {
            ReadOnlyRequests.handle(this, c, request, startNanos);
            return;
        }
        if (!sessions.isLive(c.sessionId)) {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.SESSION_EXPIRED));
            return;
        }
        switch (request.type()) {
            case OpCode.PING -> send(c, Outbound.reply(PING_XID, lastZxid(), 0));
            case OpCode.AUTH -> AuthRequests.handle(this, c, request);
            case OpCode.SASL -> SaslRequests.handle(this, c, request);
            case OpCode.SET_WATCHES, OpCode.SET_WATCHES2 -> WatchRestore.handle(this, c, request, restoredAtZxid);
            default -> {
                if (request.decodeError() && request.type() != OpCode.MULTI) {
                    // a single write that will not decode uses no zxid; a multi that will not decode uses one (§2.1)
                    send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.MARSHALLING_ERROR));
                } else if (request.decodeError() || WriteRequests.isWrite(request.type())) {
                    submitWrite(c, request, now);
                } else if (barriers.needsBarrier(request)) {
                    barriers.request(c, request, startNanos);
                } else {
                    barriers.evaluate(c, request, startNanos);
                }
            }
        }
    }

    private void submitWrite(ClientConnection c, Inbound.Request request, long now) {
        Operation op = request.decodeError() ? new Operation.Failed(ErrorCode.MARSHALLING_ERROR)
                : request.type() == OpCode.CLOSE_SESSION ? new Operation.CloseSession(c.sessionId)
                : request.type() == OpCode.RECONFIG ? WriteRequests.reconfig(request, settings.reconfigEnabled(),
                        c.identities, stateMachine.tree().get(ZnodeStateMachine.CONFIG_PATH).acl())
                : WriteRequests.toOperation(request);
        if (op instanceof Operation.CloseSession) {
            sessions.markClosing(c.sessionId);
            c.lastCloseXid = request.xid();
        }
        pipeline.submit(c, request, op, now, requests.nanoTime());
    }

    // ---- for the parts ----

    Sessions sessions() {
        return sessions;
    }

    ReadBarriers readBarriers() {
        return barriers;
    }

    void send(ClientConnection c, Outbound outbound) {
        output.send(c, outbound);
    }

    /**
     * Flushes what was written to clients since the last call. The replica thread calls it once per duty cycle,
     * so the replies and events a connection gets in one cycle leave in one write instead of one each.
     */
    public void flushWrites() {
        output.flush();
    }

    void closeConnection(ClientConnection c) {
        output.close(c);
    }

    // ---- views for the four-letter words and the node ----

    public long lastZxid() {
        return stateMachine.lastZxid();
    }

    public ZnodeStateMachine stateMachine() {
        return stateMachine;
    }

    WritePath.ReplicaFigures replicaFigures() {
        return writes.figures();
    }

    /** Records the port the client listener really bound (the configured one may be 0). */
    public void setBoundClientPort(int port) {
        boundClientPort = port;
    }

    int clientPort() {
        return boundClientPort != 0 ? boundClientPort : settings.clientPort();
    }

    /** srvr's "Mode:" and mntr's zk_server_state. */
    String role() {
        return handshakes.readOnlyMode() ? "read-only" : writes.role();
    }

    Handshakes handshakes() {
        return handshakes;
    }

    public FrontendSettings settings() {
        return settings;
    }

    Set<ClientConnection> connections() {
        return connections;
    }

    WatchRegistry watches() {
        return watches;
    }

    ServerStats stats() {
        return stats;
    }

    int outstandingRequests() {
        return pipeline.size() + barriers.size();
    }
}
