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
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
    private static final int NOTIFICATION_XID = -1;
    private static final int PING_XID = -2;
    private static final int AUTH_XID = -4;

    private record PendingWrite(ClientConnection connection, int xid, int type, List<Integer> multiTypes,
            long startMs) {
    }

    private final FrontendSettings settings;
    private final ZnodeStateMachine stateMachine;
    private final WritePath writes;
    private final LongSupplier clock;
    private final SecureRandom random;
    private final WatchRegistry watches;
    private final ReadRequests reads;
    private final SessionTracker tracker = new SessionTracker();
    private final Map<Long, PendingWrite> pendingWrites = new HashMap<>();
    private final Set<ClientConnection> connections = new LinkedHashSet<>();
    private final ServerStats stats = new ServerStats();
    private final ContainerReaper reaper;
    private long nextSessionId;

    public FrontendCore(FrontendSettings settings, ZnodeStateMachine stateMachine, WritePath writes,
            LongSupplier clock, SecureRandom random) {
        this.settings = settings;
        this.stateMachine = stateMachine;
        this.writes = writes;
        this.clock = clock;
        this.random = random;
        this.watches = new WatchRegistry(settings.watchesPerConnectionMax());
        this.reads = new ReadRequests(stateMachine.tree(), watches);
        this.reaper = new ContainerReaper(settings.containerCheckIntervalMs(), settings.containerMaxPerMinute());
        long now = clock.getAsLong();
        this.nextSessionId = ((now << 24) >>> 8) | ((long) settings.serverId() << 56);
        this.stats.startMs = now;
    }

    // ---- inputs ----

    public void onConnectionOpened(ClientConnection c) {
        connections.add(c);
    }

    public void onConnectionClosed(ClientConnection c) {
        if (!connections.remove(c)) {
            return;
        }
        c.closed = true;
        c.waiting.clear();
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

    /** Time passes: expire sessions past their deadline and reap empty containers and expired TTL nodes. */
    public void onTick() {
        long now = clock.getAsLong();
        for (SessionTracker.Tracked expired : tracker.expired(now)) {
            log.info("expiring session 0x{} (timeout {} ms)", Long.toHexString(expired.sessionId), expired.timeoutMs);
            expired.closing = true;
            if (expired.connection != null) {
                closeConnection(expired.connection);
            }
            writes.submit(new Txn(expired.sessionId, 0, now, List.of(), new Operation.CloseSession(expired.sessionId)));
        }
        for (String path : reaper.due(stateMachine.tree(), now)) {
            writes.submit(new Txn(0, 0, now, List.of(), new Operation.DeleteContainer(path)));
        }
    }

    /** A write committed at {@code zxid}: apply it, fire watches, then answer whoever is waiting for it. */
    public void onCommitted(long zxid, Txn txn) {
        ApplyOutcome outcome = stateMachine.apply(zxid, txn);
        for (Change change : outcome.changes()) {
            deliver(change, zxid);
        }
        if (txn.op() instanceof Operation.CloseSession close) {
            tracker.remove(close.sessionId());
        }
        PendingWrite pending = pendingWrites.remove(zxid);
        if (pending == null) {
            return;
        }
        ClientConnection c = pending.connection();
        if (txn.op() instanceof Operation.CreateSession create) {
            completeSessionCreation(c, create);
        } else {
            c.writesInFlight--;
            replyToWrite(pending, zxid, outcome.result());
        }
        drain(c);
    }

    // ---- per-connection request order ----

    private void drain(ClientConnection c) {
        while (!c.closed && !c.waiting.isEmpty() && !c.awaitingSession) {
            Inbound next = c.waiting.peek();
            if (next instanceof Inbound.Connect connect) {
                c.waiting.poll();
                onConnect(c, connect);
                continue;
            }
            Inbound.Request request = (Inbound.Request) next;
            boolean write = WriteRequests.isWrite(request.type()) && !request.decodeError();
            if (!write && c.writesInFlight > 0) {
                return;
            }
            c.waiting.poll();
            handleRequest(c, request);
        }
    }

    private void handleRequest(ClientConnection c, Inbound.Request request) {
        long now = clock.getAsLong();
        tracker.touch(c.sessionId, now);
        c.lastOperation = OpCode.shortName(request.type());
        if (request.xid() > 0) {
            c.lastCxid = request.xid();
        }
        if (!OpCode.isValid(request.type())) {
            send(c, Outbound.reply(request.xid(), -1, ErrorCode.UNIMPLEMENTED).thenClose());
            return;
        }
        SessionTracker.Tracked session = tracker.get(c.sessionId);
        if (session == null || session.closing) {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.SESSION_EXPIRED));
            return;
        }
        switch (request.type()) {
            case OpCode.PING -> send(c, Outbound.reply(PING_XID, lastZxid(), 0));
            case OpCode.AUTH -> handleAuth(c, request);
            case OpCode.SASL -> send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.AUTH_FAILED).thenClose());
            case OpCode.SET_WATCHES, OpCode.SET_WATCHES2 -> handleSetWatches(c, request);
            case OpCode.MULTI_READ -> handleMultiRead(c, request);
            default -> {
                if (request.decodeError()) {
                    handleUndecodable(c, request, now);
                } else if (WriteRequests.isWrite(request.type())) {
                    submitWrite(c, request, now);
                } else {
                    ReadRequests.Answer answer = reads.evaluate(c, request.type(), request.body());
                    sendAnswer(c, request.xid(), answer);
                }
            }
        }
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
        }
        submit(c, request, op, now);
    }

    private void submit(ClientConnection c, Inbound.Request request, Operation op, long now) {
        Txn txn = new Txn(c.sessionId, request.xid(), now, c.identities, op);
        long zxid = writes.submit(txn);
        List<Integer> multiTypes = request.multiOps().stream().map(Inbound.MultiOp::type).toList();
        pendingWrites.put(zxid, new PendingWrite(c, request.xid(), request.type(), multiTypes, now));
        c.writesInFlight++;
    }

    private void replyToWrite(PendingWrite pending, long zxid, Result result) {
        ClientConnection c = pending.connection();
        c.lastZxid = zxid;
        c.recordLatency(clock.getAsLong() - pending.startMs(), clock.getAsLong());
        stats.recordLatency(clock.getAsLong() - pending.startMs());
        if (pending.type() == OpCode.CLOSE_SESSION) {
            send(c, Outbound.reply(pending.xid(), zxid, 0).thenClose());
            c.closed = true;
            return;
        }
        if (result instanceof Result.Error e) {
            send(c, Outbound.reply(pending.xid(), zxid, e.code()));
            return;
        }
        Record body = switch (result) {
            case Result.Created created -> pending.type() == OpCode.CREATE
                    ? new CreateResponse(created.path())
                    : new Create2Response(created.path(), JuteConvert.stat(created.stat()));
            case Result.Updated updated -> pending.type() == OpCode.SET_ACL
                    ? new SetACLResponse(JuteConvert.stat(updated.stat()))
                    : new SetDataResponse(JuteConvert.stat(updated.stat()));
            case Result.MultiDone multi -> multiRecord(pending.multiTypes(), multi.results());
            case Result.Done done -> null;
            case Result.Error e -> throw new IllegalStateException("handled above");
        };
        send(c, Outbound.reply(pending.xid(), zxid, body));
    }

    private static MultiResponseRecord multiRecord(List<Integer> types, List<Result> results) {
        List<MultiResponseRecord.Element> elements = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            elements.add(MultiResponseRecord.forWrite(types.isEmpty() ? 0 : types.get(i), results.get(i)));
        }
        return new MultiResponseRecord(elements);
    }

    // ---- handshake (§1.4) ----

    private void onConnect(ClientConnection c, Inbound.Connect connect) {
        ConnectRequest request = connect.request();
        if (c.handshakeDone) {
            closeConnection(c);
            return;
        }
        c.handshakeDone = true;
        if (request.getLastZxidSeen() > lastZxid()) {
            log.info("refusing {}: client has seen zxid 0x{}, this node 0x{}", c,
                    Long.toHexString(request.getLastZxidSeen()), Long.toHexString(lastZxid()));
            closeConnection(c);
            return;
        }
        int timeout = Math.max(settings.minSessionTimeoutMs(),
                Math.min(settings.maxSessionTimeoutMs(), request.getTimeOut()));
        c.sessionTimeoutMs = timeout;
        if (request.getSessionId() == 0) {
            createSession(c, timeout, connect.oldClient());
        } else {
            resumeSession(c, request, timeout, connect.oldClient());
        }
    }

    private void createSession(ClientConnection c, int timeout, boolean oldClient) {
        long sessionId = nextSessionId++;
        byte[] password = new byte[16];
        random.nextBytes(password);
        long now = clock.getAsLong();
        Txn txn = new Txn(sessionId, 0, now, List.of(), new Operation.CreateSession(sessionId, timeout, password));
        c.awaitingSession = true;
        c.sessionId = sessionId;
        c.oldClient = oldClient;
        long zxid = writes.submit(txn);
        pendingWrites.put(zxid, new PendingWrite(c, 0, OpCode.CREATE_SESSION, List.of(), now));
    }

    private void completeSessionCreation(ClientConnection c, Operation.CreateSession create) {
        c.awaitingSession = false;
        SessionTracker.Tracked tracked = tracker.track(create.sessionId(), create.timeoutMs(), clock.getAsLong());
        if (c.closed) {
            return;
        }
        tracked.connection = c;
        send(c, Outbound.headerless(new ConnectReply(create.timeoutMs(), create.sessionId(), create.password(),
                false, c.oldClient)));
    }

    private void resumeSession(ClientConnection c, ConnectRequest request, int timeout, boolean oldClient) {
        long sessionId = request.getSessionId();
        SessionTracker.Tracked tracked = tracker.get(sessionId);
        if (tracked != null && tracked.connection != null && tracked.connection != c) {
            closeConnection(tracked.connection);
            tracked.connection = null;
        }
        Session session = stateMachine.sessions().get(sessionId);
        boolean valid = session != null && tracked != null && !tracked.closing
                && Arrays.equals(session.password(), request.getPasswd());
        if (!valid) {
            send(c, Outbound.headerless(ConnectReply.invalid(oldClient)).thenClose());
            c.closed = true;
            return;
        }
        tracked.timeoutMs = timeout;
        tracked.connection = c;
        c.sessionId = sessionId;
        tracker.touch(sessionId, clock.getAsLong());
        send(c, Outbound.headerless(new ConnectReply(timeout, sessionId, session.password(), false, oldClient)));
    }

    // ---- auth, watches on reconnect, multiRead ----

    private void handleAuth(ClientConnection c, Inbound.Request request) {
        AuthPacket auth = (AuthPacket) request.body();
        if (auth == null || auth.getScheme() == null) {
            send(c, Outbound.reply(AUTH_XID, 0, ErrorCode.AUTH_FAILED).thenClose());
            return;
        }
        String credential = auth.getAuth() == null ? "" : new String(auth.getAuth(), StandardCharsets.UTF_8);
        switch (auth.getScheme()) {
            case "digest" -> {
                String digest = AccessControl.digest(credential);
                if (digest.equals(settings.superDigest())) {
                    addIdentity(c, Identity.SUPER);
                }
                addIdentity(c, new Identity("digest", digest));
            }
            case "ip" -> addIdentity(c, new Identity("ip", c.remoteAddress));
            default -> {
                stats.authFailed++;
                send(c, Outbound.reply(AUTH_XID, 0, ErrorCode.AUTH_FAILED).thenClose());
                return;
            }
        }
        send(c, Outbound.reply(AUTH_XID, 0, 0));
    }

    private static void addIdentity(ClientConnection c, Identity identity) {
        if (!c.identities.contains(identity)) {
            c.identities.add(identity);
        }
    }

    private void handleSetWatches(ClientConnection c, Inbound.Request request) {
        if (request.decodeError()) {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.MARSHALLING_ERROR));
            return;
        }
        for (WatchRegistry.Event event : WatchRestore.restore(request.body(), c, stateMachine.tree(), watches)) {
            send(c, new Outbound(new org.apache.zookeeper.proto.ReplyHeader(NOTIFICATION_XID, -1, 0),
                    new WatcherEvent(event.type(), 3, event.path()), false));
        }
        send(c, Outbound.reply(request.xid(), lastZxid(), 0));
    }

    private void handleMultiRead(ClientConnection c, Inbound.Request request) {
        if (request.decodeError()) {
            send(c, Outbound.reply(request.xid(), lastZxid(), ErrorCode.MARSHALLING_ERROR));
            return;
        }
        List<MultiResponseRecord.Element> elements = new ArrayList<>();
        for (Inbound.MultiOp op : request.multiOps()) {
            ReadRequests.Answer answer = op.type() == OpCode.GET_DATA
                    ? reads.getData(c, ((org.apache.zookeeper.proto.GetDataRequest) op.record()).getPath(), false)
                    : reads.getChildren(c, ((org.apache.zookeeper.proto.GetChildrenRequest) op.record()).getPath(),
                            false);
            elements.add(answer.err() == 0 ? new MultiResponseRecord.Element(op.type(), 0, answer.body())
                    : new MultiResponseRecord.Element(-1, answer.err(),
                            new org.apache.zookeeper.proto.ErrorResponse(answer.err())));
        }
        send(c, Outbound.reply(request.xid(), lastZxid(), new MultiResponseRecord(elements)));
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

    private void send(ClientConnection c, Outbound outbound) {
        if (c.closed) {
            return;
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
            c.channel.writeAndFlush(outbound);
        }
    }

    private void closeConnection(ClientConnection c) {
        c.closed = true;
        c.channel.close();
    }

    // ---- views for the four-letter words and the node ----

    public long lastZxid() {
        return stateMachine.lastZxid();
    }

    public ZnodeStateMachine stateMachine() {
        return stateMachine;
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
        return pendingWrites.size();
    }
}
