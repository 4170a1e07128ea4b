package io.viewkeeper.frontend;

import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ApplyOutcome;
import io.viewkeeper.storage.Change;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataResponse;
import org.apache.zookeeper.proto.WatcherEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper server logic of one node, run only on the replica thread: handshakes and sessions, the per
 * connection order of replies, reads, writes handed to the {@link WritePath} and their commits applied to the
 * state machine, watch events sent before the reply that reflects them.
 * Invariant: a connection's replies leave in request order; every event of an op is queued before its reply.
 */
public final class FrontendCore {
    private static final Logger log = LoggerFactory.getLogger(FrontendCore.class);
    static final int NOTIFICATION_XID = -1;
    static final int PING_XID = -2;
    static final int AUTH_XID = -4;

    /** A write waiting for its commit; {@code connection} is null for writes this node makes itself. */
    private static final class PendingWrite {
        final ClientConnection connection;
        final int xid;
        final int type;
        final List<Integer> multiTypes;
        final long startMs;
        final Txn txn;
        final long clientId;
        final long requestNumber;
        /** The connection's write submitted before this one, which must be ordered first. */
        long previousRequestNumber = WritePath.NO_PREVIOUS;
        long submittedMs;
        long startNanos;
        boolean orderedHere;

        PendingWrite(ClientConnection connection, int xid, int type, List<Integer> multiTypes, long startMs, Txn txn,
                long clientId, long requestNumber) {
            this.connection = connection;
            this.xid = xid;
            this.type = type;
            this.multiTypes = multiTypes;
            this.startMs = startMs;
            this.txn = txn;
            this.clientId = clientId;
            this.requestNumber = requestNumber;
        }
    }

    private record RequestKey(long clientId, long requestNumber) {
    }

    /**
     * A read waiting for its barrier, with the reads of the same connection queued right behind it when the barrier
     * was asked for: they were sent before it began, so the same barrier serves them all, in order.
     */
    private record PendingRead(ClientConnection connection, Inbound.Request request, long startNanos,
                               List<Inbound.Request> followers) {
    }

    /** At most this many queued reads share one barrier with the read before them. */
    private static final int READS_PER_BARRIER_MAX = 64;

    /** The expiry close is client (session id, 1): proposed again after a view change, it still executes once. */
    private static final long EXPIRY_REQUEST_NUMBER = 1;
    /** Client id of the reaper's deletes; no session has it (session ids carry a server id in the top byte). */
    private static final long REAPER_CLIENT_ID = 0;
    private static final long RESUBMIT_AFTER_MS = 500;
    /** Restores are client {@code 0x100 + serverId}: below every session id, distinct per replica. */
    private static final long RESTORE_CLIENT_ID_BASE = 0x100;

    private final FrontendSettings settings;
    private final ZnodeStateMachine stateMachine;
    private final WritePath writes;
    private final LongSupplier clock;
    private final SecureRandom random;
    private final WatchRegistry watches;
    private final ReadRequests reads;
    private final SessionTracker tracker = new SessionTracker();
    private final Map<RequestKey, PendingWrite> pendingWrites = new LinkedHashMap<>();
    private final Map<Long, PendingRead> pendingReads = new LinkedHashMap<>();
    private final Set<Long> touchedSessions = new LinkedHashSet<>();
    private long nextReadId;
    private long reaperSequence;
    private long restoreSequence;
    private final Map<RequestKey, RestoreListener> restoreListeners = new LinkedHashMap<>();
    /** The zxid of the last restore applied here: a client that saw less may hold data the restore took back. */
    long restoredAtZxid;
    private boolean wasPrimary;
    private volatile int boundClientPort;
    private final Set<ClientConnection> connections = new LinkedHashSet<>();
    /** Connections written to since the last {@link #flushWrites}. */
    private final Set<ClientConnection> unflushed = new LinkedHashSet<>();
    private final ServerStats stats = new ServerStats();
    private final ContainerReaper reaper;
    private final Handshakes handshakes;
    private RequestListener requests = RequestListener.NONE;
    /**
     * Connection ids are negative (session ids are positive, the reaper is 0): the sign bit, this server's id in
     * the next 8 bits, then the start time in milliseconds shifted left 14 bits, plus a counter. A restarted
     * server starts above the ids it gave out before unless it accepted over 16,384 connections per millisecond.
     */
    private long nextConnectionId;

    private ClientAuthentication authentication = ClientAuthentication.NONE;

    public FrontendCore(FrontendSettings settings, ZnodeStateMachine stateMachine, WritePath writes,
            LongSupplier clock, SecureRandom random) {
        this.settings = settings;
        this.stateMachine = stateMachine;
        this.writes = writes;
        this.clock = clock;
        this.random = random;
        this.watches = new WatchRegistry(settings.watchesPerConnectionMax());
        this.reads = new ReadRequests(stateMachine, watches);
        this.reaper = new ContainerReaper(settings.containerCheckIntervalMs(), settings.containerMaxPerMinute());
        this.handshakes = new Handshakes(this, settings, writes, clock, random, stats);
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
        c.closed = true;
        c.waiting.clear();
        pendingReads.values().removeIf(read -> read.connection() == c);
        handshakes.onConnectionClosed(c);
        watches.removeConnection(c);
        SessionTracker.Tracked tracked = c.sessionId == 0 ? null : tracker.get(c.sessionId);
        if (tracked != null && tracked.connection == c) {
            tracked.connection = null;
        }
    }

    public void onInbound(ClientConnection c, Inbound inbound) {
        if (c.closed) {
            return;
        }
        if (inbound instanceof Inbound.FourLetterWord word) {
            String text = FourLetterWords.answer(word, this);
            c.channel.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        }
        c.packetsReceived++;
        stats.packetsReceived++;
        c.waiting.add(inbound);
        drain(c);
    }

    /**
     * Time passes: the primary expires sessions past their deadline (a new primary first gives every session a
     * full timeout), proposes reaper deletes, and writes and reads this node could not place are offered again.
     */
    public void onTick() {
        long now = clock.getAsLong();
        handshakes.onTick(now);
        if (!writes.isPrimary()) {
            dropExpiries();
        }
        // Only a primary in contact with a quorum expires sessions: cut off, it hears no backup's touches. Becoming
        // that again (a new primary, or one back in touch), it first gives every session a full timeout.
        boolean primary = writes.isPrimary() && handshakes.standing() == WritePath.Standing.SERVING;
        if (primary && !wasPrimary) {
            tracker.all().forEach(t -> tracker.touch(t.sessionId, now));
        }
        wasPrimary = primary;
        if (primary) {
            expireSessions(now);
        }
        offerPendingAgain(now, RESUBMIT_AFTER_MS);
        retryReads();
    }

    /**
     * The container and TTL reaper's period ({@code znode.container.checkIntervalMs}), which the driver runs on its
     * own timer: the primary proposes deletes for empty containers and expired TTL nodes.
     */
    public void onReaperTick() {
        if (!wasPrimary) {
            return;
        }
        long now = clock.getAsLong();
        for (String path : reaper.due(stateMachine.tree(), now)) {
            long requestNumber = (lastZxid() << 12) | (reaperSequence++ & 0xfff);
            Txn txn = new Txn(REAPER_CLIENT_ID, 0, now, List.of(), new Operation.DeleteContainer(path));
            writes.submit(txn, REAPER_CLIENT_ID, requestNumber, WritePath.NO_PREVIOUS);
        }
    }

    private void expireSessions(long now) {
        for (SessionTracker.Tracked expired : tracker.expired(now)) {
            log.info("expiring session 0x{} (timeout {} ms)", Long.toHexString(expired.sessionId), expired.timeoutMs);
            expired.closing = true;
            if (expired.connection != null) {
                closeConnection(expired.connection);
            }
            Txn txn = new Txn(expired.sessionId, 0, now, List.of(), new Operation.CloseSession(expired.sessionId));
            PendingWrite pending = new PendingWrite(null, 0, OpCode.CLOSE_SESSION, List.of(), now, txn,
                    expired.sessionId, EXPIRY_REQUEST_NUMBER);
            pendingWrites.put(new RequestKey(expired.sessionId, EXPIRY_REQUEST_NUMBER), pending);
            offer(pending, now);
        }
    }

    /**
     * A replica that is no longer the primary withdraws the expiries it proposed and that have not committed: the
     * new primary decides expiry with the touches it hears, and an expiry this replica decided while it may have been
     * cut off must not reach it later and close a session its client kept alive on the majority.
     */
    private void dropExpiries() {
        var iterator = pendingWrites.values().iterator();
        while (iterator.hasNext()) {
            PendingWrite pending = iterator.next();
            if (pending.connection == null && pending.type == OpCode.CLOSE_SESSION) {
                iterator.remove();
                SessionTracker.Tracked tracked = tracker.get(pending.clientId);
                if (tracked != null) {
                    tracked.closing = false;
                }
            }
        }
    }

    /** Offers a pending write to the replica; true when it was ordered here (it has an op-number). */
    private boolean offer(PendingWrite pending, long now) {
        pending.submittedMs = now;
        long op = writes.submit(pending.txn, pending.clientId, pending.requestNumber, pending.previousRequestNumber);
        pending.orderedHere = op > 0;
        return op != WritePath.REJECTED;
    }

    /**
     * The replica is normal in a view newer than the last one it was normal in: writes forwarded to the old primary
     * may have been lost with it, and the next write of each of those connections would be refused until its
     * predecessor is ordered. Every pending write is offered again now rather than after the resubmit delay.
     */
    public void onViewEntered() {
        offerPendingAgain(clock.getAsLong(), 0);
    }

    /**
     * Offers again every write submitted at least {@code ageMs} ago and not committed: refused, forwarded or ordered
     * here, it may have been lost (a message, a view change); the client table makes it execute once. A
     * connection's writes are offered in the order they were submitted, each naming the one before it, so the
     * primary orders none before its predecessor.
     */
    private void offerPendingAgain(long now, long ageMs) {
        for (PendingWrite pending : List.copyOf(pendingWrites.values())) {
            if (now - pending.submittedMs >= ageMs) {
                offer(pending, now);
            }
        }
    }

    private void retryReads() {
        for (Map.Entry<Long, PendingRead> e : pendingReads.entrySet()) {
            if (!e.getValue().connection().readRequested) {
                e.getValue().connection().readRequested = writes.read(e.getKey());
            }
        }
    }

    /** Session ids touched by this node's clients since the last call; a backup sends them to the primary. */
    public long[] takeTouchedSessions() {
        long[] ids = touchedSessions.stream().mapToLong(Long::longValue).toArray();
        touchedSessions.clear();
        return ids;
    }

    /** The primary learns that a backup's clients touched these sessions. */
    public void onSessionTouches(long[] sessionIds) {
        long now = clock.getAsLong();
        for (long id : sessionIds) {
            tracker.touch(id, now);
        }
    }

    /**
     * A write committed at {@code zxid}: apply it, fire watches, then answer whoever is waiting for it here (the
     * request it was submitted as: {@code clientId}, {@code requestNumber}).
     */
    public void onCommitted(long zxid, Txn txn, long clientId, long requestNumber) {
        ApplyOutcome outcome = stateMachine.apply(zxid, txn);
        for (Change change : outcome.changes()) {
            deliver(change, zxid);
        }
        long now = clock.getAsLong();
        switch (txn.op()) {
            case Operation.CreateSession create -> tracker.track(create.sessionId(), create.timeoutMs(), now);
            case Operation.CloseSession close -> endSession(close.sessionId());
            default -> {
            }
        }
        RequestKey key = new RequestKey(clientId, requestNumber);
        PendingWrite pending = pendingWrites.remove(key);
        if (txn.op() instanceof Operation.RestoreState) {
            if (outcome.result() instanceof Result.Done) {
                restoredAtZxid = zxid;
                afterStateReplaced();
            }
            RestoreListener listener = restoreListeners.remove(key);
            if (listener != null) {
                listener.onRestored(zxid, outcome.result());
            }
        }
        if (pending == null || pending.connection == null) {
            return;
        }
        ClientConnection c = pending.connection;
        if (txn.op() instanceof Operation.CreateSession create) {
            completeSessionCreation(c, create);
        } else {
            c.writesInFlight--;
            c.writeBarrier = false;
            replyToWrite(pending, zxid, outcome.result());
        }
        drain(c);
    }

    /**
     * Submits a restore ({@link Operation.RestoreState}) as a write of this replica's own: client id
     * {@code 0x100 + serverId}, which no session has, request numbers from the applied zxid up, so they only grow;
     * offered again until it commits, like any pending write. The listener hears of it when it is applied here.
     */
    public void submitRestore(byte[] state, RestoreListener listener) {
        long now = clock.getAsLong();
        long clientId = RESTORE_CLIENT_ID_BASE + settings.serverId();
        long requestNumber = (lastZxid() << 12) | (restoreSequence++ & 0xfff);
        Txn txn = new Txn(clientId, 0, now, List.of(), new Operation.RestoreState(state));
        PendingWrite pending = new PendingWrite(null, 0, OpCode.NOTIFICATION, List.of(), now, txn, clientId,
                requestNumber);
        RequestKey key = new RequestKey(clientId, requestNumber);
        pendingWrites.put(key, pending);
        restoreListeners.put(key, listener);
        offer(pending, now);
    }

    /**
     * Stops offering a restore that has not committed (its caller gave up waiting): it is withdrawn here, though if
     * the primary already ordered it, it still commits. False when it is no longer pending.
     */
    public boolean withdrawRestore(RestoreListener listener) {
        for (Map.Entry<RequestKey, RestoreListener> e : List.copyOf(restoreListeners.entrySet())) {
            if (e.getValue() == listener) {
                restoreListeners.remove(e.getKey());
                pendingWrites.remove(e.getKey());
                return true;
            }
        }
        return false;
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
            closeConnection(c);
        }
        long now = clock.getAsLong();
        for (Session session : stateMachine.sessions().all()) {
            if (tracker.get(session.sessionId()) == null) {
                tracker.track(session.sessionId(), session.timeoutMs(), now);
            }
        }
        for (SessionTracker.Tracked t : List.copyOf(tracker.all())) {
            if (!stateMachine.sessions().contains(t.sessionId)) {
                tracker.remove(t.sessionId);
            }
        }
    }

    /** A read barrier passed: evaluate the read on the state applied now and answer it. */
    public void onReadReady(long readId) {
        if (handshakes.onReadReady(readId)) {
            return;
        }
        PendingRead read = pendingReads.remove(readId);
        if (read == null) {
            return;
        }
        ClientConnection c = read.connection();
        c.readInFlight = false;
        c.readRequested = false;
        evaluateRead(c, read.request(), read.startNanos());
        for (Inbound.Request follower : read.followers()) {
            if (c.closed) {
                break;
            }
            c.lastOperation = OpCode.shortName(follower.type());
            if (follower.xid() > 0) {
                c.lastCxid = follower.xid();
            }
            evaluateRead(c, follower, read.startNanos());
        }
        drain(c);
    }

    private void endSession(long sessionId) {
        SessionTracker.Tracked tracked = tracker.get(sessionId);
        tracker.remove(sessionId);
        touchedSessions.remove(sessionId);
        if (tracked != null && tracked.connection != null && !tracked.connection.closed
                && !pendingWrites.containsKey(new RequestKey(tracked.connection.clientId,
                        tracked.connection.lastCloseXid))) {
            closeConnection(tracked.connection);
        }
    }

    // ---- per-connection request order ----

    void drain(ClientConnection c) {
        while (!c.closed && !c.waiting.isEmpty() && !c.awaitingSession && !c.readInFlight) {
            Inbound next = c.waiting.peek();
            if (next instanceof Inbound.Connect connect) {
                c.waiting.poll();
                handshakes.onConnect(c, connect);
                continue;
            }
            Inbound.Request request = (Inbound.Request) next;
            if (request.type() == OpCode.PING && !c.readOnly
                    && handshakes.standing() != WritePath.Standing.SERVING) {
                return; // a ping is answered only while this replica can vouch for the session
            }
            boolean write = WriteRequests.isWrite(request.type()) && !request.decodeError();
            if (c.writeBarrier || !write && c.writesInFlight > 0) {
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
            tracker.touch(c.sessionId, now);
            if (!writes.isPrimary()) {
                touchedSessions.add(c.sessionId);
            }
        }
        c.lastOperation = OpCode.shortName(request.type());
        if (request.xid() > 0) {
            c.lastCxid = request.xid();
        }
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
        SessionTracker.Tracked session = tracker.get(c.sessionId);
        if (session == null || session.closing) {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.SESSION_EXPIRED));
            return;
        }
        switch (request.type()) {
            case OpCode.PING -> send(c, Outbound.reply(PING_XID, lastZxid(), 0));
            case OpCode.AUTH -> AuthRequests.handle(this, c, request);
            case OpCode.SASL -> SaslRequests.handle(this, c, request);
            case OpCode.SET_WATCHES, OpCode.SET_WATCHES2 -> WatchRestore.handle(this, c, request,
                    restoredAtZxid);
            default -> {
                if (request.decodeError()) {
                    handleUndecodable(c, request, now);
                } else if (WriteRequests.isWrite(request.type())) {
                    submitWrite(c, request, now);
                } else if (needsBarrier(request)) {
                    requestBarrier(c, request, startNanos);
                } else {
                    evaluateRead(c, request, startNanos);
                }
            }
        }
    }

    private boolean needsBarrier(Inbound.Request request) {
        return switch (request.type()) {
            case OpCode.SYNC -> writes.needsBarrier(true);
            case OpCode.EXISTS, OpCode.GET_DATA, OpCode.GET_ACL, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2,
                    OpCode.GET_ALL_CHILDREN_NUMBER, OpCode.GET_EPHEMERALS, OpCode.MULTI_READ ->
                    writes.needsBarrier(false);
            default -> false;
        };
    }

    private void requestBarrier(ClientConnection c, Inbound.Request request, long startNanos) {
        long readId = nextReadId();
        List<Inbound.Request> followers = new ArrayList<>();
        while (followers.size() < READS_PER_BARRIER_MAX && c.waiting.peek() instanceof Inbound.Request next
                && sharesBarrier(next)) {
            c.waiting.poll();
            followers.add(next);
        }
        pendingReads.put(readId, new PendingRead(c, request, startNanos, followers));
        c.readInFlight = true;
        c.readRequested = writes.read(readId);
    }

    /** A queued request that may be answered on the barrier of the read before it: a valid data read. */
    private boolean sharesBarrier(Inbound.Request request) {
        return OpCode.isValid(request.type()) && !request.decodeError() && request.type() != OpCode.SYNC
                && !WriteRequests.isWrite(request.type()) && needsBarrier(request);
    }

    void evaluateRead(ClientConnection c, Inbound.Request request, long startNanos) {
        int err = 0;
        if (request.type() == OpCode.MULTI_READ) {
            send(c, request.decodeError() ? Outbound.reply(request.xid(), lastZxid(), ErrorCode.MARSHALLING_ERROR)
                    : Outbound.reply(request.xid(), lastZxid(), reads.multiRead(c, request.multiOps())));
        } else {
            ReadRequests.Answer answer = reads.evaluate(c, request.type(), request.body());
            sendAnswer(c, request.xid(), answer);
            err = answer.err();
        }
        requests.onAnswered(request.type(), requests.nanoTime() - startNanos, err);
    }

    /** A single write that will not decode uses no zxid; a multi that will not decode uses one (§2.1). */
    private void handleUndecodable(ClientConnection c, Inbound.Request request, long now) {
        if (request.type() == OpCode.MULTI) {
            submit(c, request, new Operation.Failed(ErrorCode.MARSHALLING_ERROR), now);
        } else {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.MARSHALLING_ERROR));
        }
    }

    private void submitWrite(ClientConnection c, Inbound.Request request, long now) {
        Operation op = request.type() == OpCode.CLOSE_SESSION
                ? new Operation.CloseSession(c.sessionId) : WriteRequests.toOperation(request);
        if (op instanceof Operation.CloseSession) {
            tracker.get(c.sessionId).closing = true;
            c.lastCloseXid = request.xid();
        }
        submit(c, request, op, now);
    }

    /**
     * Orders a write after the connection's previous one. Ordered here (primary) or forwarded, the connection's
     * next write may follow at once: it names this one, and the primary orders it only after this one. Refused,
     * or forwarded as the first write of a connection whose client the primary may not know yet (a resumed
     * session: no CreateSession of this connection was executed), the connection waits for a commit.
     */
    private void submit(ClientConnection c, Inbound.Request request, Operation op, long now) {
        Txn txn = new Txn(c.sessionId, request.xid(), now, c.identities, op);
        List<Integer> multiTypes = request.multiOps().stream().map(Inbound.MultiOp::type).toList();
        PendingWrite pending = new PendingWrite(c, request.xid(), request.type(), multiTypes, now, txn, c.clientId,
                request.xid());
        pending.startNanos = requests.nanoTime();
        pending.previousRequestNumber = c.lastWriteRequestNumber;
        c.lastWriteRequestNumber = pending.requestNumber;
        pendingWrites.put(new RequestKey(c.clientId, pending.requestNumber), pending);
        c.writesInFlight++;
        boolean accepted = offer(pending, now);
        if (!accepted || (!pending.orderedHere && pending.previousRequestNumber == WritePath.NO_PREVIOUS)) {
            c.writeBarrier = true;
        }
    }

    private void replyToWrite(PendingWrite pending, long zxid, Result result) {
        ClientConnection c = pending.connection;
        long now = clock.getAsLong();
        c.lastZxid = zxid;
        c.recordLatency(now - pending.startMs, now);
        stats.recordLatency(now - pending.startMs);
        requests.onAnswered(pending.type, requests.nanoTime() - pending.startNanos,
                result instanceof Result.Error failed ? failed.code() : 0);
        if (pending.type == OpCode.CLOSE_SESSION) {
            send(c, Outbound.reply(pending.xid, zxid, 0).thenClose());
            c.closed = true;
            return;
        }
        if (result instanceof Result.Error e) {
            send(c, Outbound.reply(pending.xid, zxid, e.code()));
            return;
        }
        Record body = WriteReplies.body(pending.type, pending.multiTypes, result);
        send(c, Outbound.reply(pending.xid, zxid, body));
    }

    // ---- sessions (the handshake itself is in Handshakes) ----

    /** A new session: its id and random password travel in the replicated CreateSession op. */
    void createSession(ClientConnection c, int timeout) {
        long sessionId = handshakes.nextSessionId();
        byte[] password = new byte[16];
        random.nextBytes(password);
        long now = clock.getAsLong();
        Txn txn = new Txn(sessionId, 0, now, List.of(), new Operation.CreateSession(sessionId, timeout, password));
        handshakes.awaitSession(c, true);
        c.sessionId = sessionId;
        PendingWrite pending = new PendingWrite(c, 0, OpCode.CREATE_SESSION, List.of(), now, txn, c.clientId, 0);
        pendingWrites.put(new RequestKey(c.clientId, 0), pending);
        offer(pending, now);
    }

    private void completeSessionCreation(ClientConnection c, Operation.CreateSession create) {
        handshakes.awaitSession(c, false);
        // The CreateSession was this connection's request 0: the client table knows the connection from here on.
        c.lastWriteRequestNumber = 0;
        SessionTracker.Tracked tracked = tracker.get(create.sessionId());
        if (c.closed || tracked == null) {
            return;
        }
        tracked.connection = c;
        send(c, Outbound.headerless(new ConnectReply(create.timeoutMs(), create.sessionId(), create.password(),
                false, c.oldClient)));
    }

    long nextReadId() {
        return ++nextReadId;
    }

    // ---- output ----

    private void deliver(Change change, long zxid) {
        for (WatchRegistry.Event event : watches.trigger(change)) {
            ClientConnection target = event.connection();
            if (target.closed || !AccessControl.permits(change.acl(), Acl.READ, target.identities)) {
                continue;
            }
            send(target, new Outbound(new org.apache.zookeeper.proto.ReplyHeader(NOTIFICATION_XID, zxid, 0),
                    new WatcherEvent(event.type(), 3, event.path()), false));
        }
    }

    private void sendAnswer(ClientConnection c, int xid, ReadRequests.Answer answer) {
        if (answer.err() != 0) {
            send(c, Outbound.reply(xid, lastZxid(), answer.err()));
        } else {
            send(c, Outbound.reply(xid, lastZxid(), answer.body()));
        }
    }

    void send(ClientConnection c, Outbound outbound) {
        if (c.closed || c.channel.eventLoop().isShuttingDown()) {
            return; // a closed connection, or the node is stopping: its I/O threads take no more work
        }
        c.packetsSent++;
        stats.packetsSent++;
        boolean isReply = outbound.header() == null || outbound.header().getXid() != NOTIFICATION_XID;
        if (isReply && c.inflight.decrementAndGet() <= settings.maxInflightPerConnection() / 2
                && !c.channel.config().isAutoRead()) {
            c.channel.eventLoop().execute(() -> c.updateReading(settings.maxInflightPerConnection()));
        }
        if (outbound.closeAfter()) {
            c.closed = true;
            c.channel.writeAndFlush(outbound).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            c.channel.write(outbound);
            unflushed.add(c);
        }
    }

    /**
     * Flushes what was written to clients since the last call. The replica thread calls it once per duty cycle,
     * so the replies and events a connection gets in one cycle leave in one write instead of one each.
     */
    public void flushWrites() {
        for (ClientConnection c : unflushed) {
            c.channel.flush();
        }
        unflushed.clear();
    }

    void closeConnection(ClientConnection c) {
        c.closed = true;
        // what was written to it this cycle goes before the close
        c.channel.flush();
        c.channel.close();
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

    SessionTracker tracker() {
        return tracker;
    }

    ServerStats stats() {
        return stats;
    }

    int outstandingRequests() {
        return pendingWrites.size() + pendingReads.size();
    }
}
