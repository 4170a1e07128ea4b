package io.viewkeeper.frontend;

import io.viewkeeper.storage.Session;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.zookeeper.proto.ConnectRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handshake (§1.4) and what a replica may promise a client about its session. A resumed session is a promise
 * that it is alive and its ephemerals are the client's; a replica may make it only once the primary of a normal
 * view has confirmed, in this view, that the replica's state is current (the read barrier: a quorum, no log entry),
 * and only then checks the session. A new session is a CreateSession op, committed by a quorum before it is
 * answered. A replica cut off from its group ({@link WritePath.Standing#CUT_OFF}) closes its clients and refuses
 * handshakes, as a ZooKeeper follower that lost its leader does, so that clients move to the majority; with
 * ZooKeeper's read-only mode on it serves clients that asked for it read-only sessions instead. Handshakes that
 * cannot be answered yet are held, at most {@link #holdMs} each, then closed so the client tries another server.
 * Runs on the replica thread only. Invariant: no ConnectResponse naming a session leaves while the replica is cut
 * off, except the read-only ones, which say so.
 */
final class Handshakes {
    private static final Logger log = LoggerFactory.getLogger(Handshakes.class);
    /** At most this many read-only sessions are kept for resumption during one spell cut off. */
    static final int LOCAL_SESSIONS_MAX = 65_536;

    /** A resumed session waiting for its read barrier before it is checked and answered. */
    private static final class PendingResume {
        final ClientConnection connection;
        final ConnectRequest request;
        final int timeoutMs;
        final boolean oldClient;
        boolean requested;

        PendingResume(ClientConnection connection, ConnectRequest request, int timeoutMs, boolean oldClient) {
            this.connection = connection;
            this.request = request;
            this.timeoutMs = timeoutMs;
            this.oldClient = oldClient;
        }
    }

    /** A handshake whose client has seen a zxid this replica has not applied yet: held until it has. */
    private record Parked(ClientConnection connection, Inbound.Connect connect) {
    }

    private final FrontendCore core;
    private final FrontendSettings settings;
    private final WritePath writes;
    private final LongSupplier clock;
    private final SecureRandom random;
    private final ServerStats stats;
    private final Map<Long, PendingResume> pendingResumes = new LinkedHashMap<>();
    private final List<Parked> parked = new ArrayList<>();
    /** Read-only sessions made during the current spell cut off: id to password. */
    private final Map<Long, byte[]> localSessions = new LinkedHashMap<>();
    private WritePath.Standing standing;
    private long cutOffSinceMs;
    private long refusedThisSpell;
    private long nextSessionId;
    /** Connections whose handshake is held ({@link #hold}); closed ones leave at the next tick. */
    private final Set<ClientConnection> awaiting = new LinkedHashSet<>();

    Handshakes(FrontendCore core, FrontendSettings settings, WritePath writes, LongSupplier clock,
            SecureRandom random, ServerStats stats) {
        this.core = core;
        this.settings = settings;
        this.writes = writes;
        this.clock = clock;
        this.random = random;
        this.stats = stats;
        long now = clock.getAsLong();
        this.nextSessionId = ((now << 24) >>> 8) | ((long) settings.serverId() << 56);
        this.standing = WritePath.Standing.SERVING;
    }

    /**
     * Session ids carry this server's id in the top byte (unique across replicas, as in ZooKeeper). An id the
     * table already holds is skipped: sessions imported from ZooKeeper carry ids from its servers' counters.
     */
    long nextSessionId() {
        while (core.stateMachine().sessions().contains(nextSessionId)) {
            nextSessionId++;
        }
        return nextSessionId++;
    }

    WritePath.Standing standing() {
        return standing;
    }

    /** Whether this replica now answers as ZooKeeper's read-only server: cut off, with read-only mode on. */
    boolean readOnlyMode() {
        return settings.readOnlyModeEnabled() && standing == WritePath.Standing.CUT_OFF;
    }

    void onConnect(ClientConnection c, Inbound.Connect connect) {
        ConnectRequest request = connect.request();
        if (c.state() != ConnectionState.CONNECTING) {
            core.closeConnection(c);
            return;
        }
        int timeout = Math.max(settings.minSessionTimeoutMs(),
                Math.min(settings.maxSessionTimeoutMs(), request.getTimeOut()));
        c.sessionTimeoutMs = timeout;
        c.oldClient = connect.oldClient();
        c.handshakeDeadlineMs = clock.getAsLong() + holdMs(timeout);
        continueConnect(c, connect);
    }

    /**
     * How long a handshake may wait for a view to form or a barrier to pass: the connect timeout of a client with
     * three servers in its connect string (ZooKeeper's client gives each server its session timeout divided by
     * their number), so that the client is sent on rather than left to time out.
     */
    static long holdMs(int negotiatedTimeoutMs) {
        return Math.max(1, negotiatedTimeoutMs / 3);
    }

    private void continueConnect(ClientConnection c, Inbound.Connect connect) {
        ConnectRequest request = connect.request();
        if (standing == WritePath.Standing.CUT_OFF) {
            if (readOnlyMode() && request.getReadOnly()) {
                acceptReadOnly(c, request);
            } else {
                refuse(c, settings.readOnlyModeEnabled() ? "the client did not ask for a read-only session"
                        : "read-only mode is off");
            }
            return;
        }
        if (request.getLastZxidSeen() > core.lastZxid()) {
            // Held rather than refused: after a restart the replica applies its log once the group has formed, and
            // a lagging replica catches up; the client tries another server if the hold runs out.
            hold(c);
            parked.add(new Parked(c, connect));
            return;
        }
        awaiting.remove(c);
        if (request.getSessionId() == 0) {
            core.sessions().create(c, c.sessionTimeoutMs, clock.getAsLong());
        } else if (!writes.needsBarrier(true)) {
            answerResume(c, request, c.sessionTimeoutMs, c.oldClient);
        } else {
            long readId = core.readBarriers().nextReadId();
            PendingResume pending = new PendingResume(c, request, c.sessionTimeoutMs, c.oldClient);
            pendingResumes.put(readId, pending);
            hold(c);
            pending.requested = writes.read(readId);
        }
    }

    /** A read barrier passed; true when it was a resumed session's, now checked and answered. */
    boolean onReadReady(long readId) {
        PendingResume pending = pendingResumes.remove(readId);
        if (pending == null) {
            return false;
        }
        ClientConnection c = pending.connection;
        awaiting.remove(c);
        if (!c.isClosed()) {
            if (standing == WritePath.Standing.CUT_OFF) {
                core.closeConnection(c);
            } else {
                answerResume(c, pending.request, pending.timeoutMs, pending.oldClient);
                core.drain(c);
            }
        }
        return true;
    }

    /**
     * Checks a resumed session on state the barrier proved current: alive, not being closed, the password right.
     * The session's previous connection, if any, is closed, as ZooKeeper does.
     */
    private void answerResume(ClientConnection c, ConnectRequest request, int timeout, boolean oldClient) {
        long sessionId = request.getSessionId();
        SessionTracker.Tracked tracked = core.sessions().tracker().get(sessionId);
        Session session = core.stateMachine().sessions().get(sessionId);
        boolean valid = session != null && tracked != null && !tracked.closing
                && Arrays.equals(session.password(), request.getPasswd());
        if (!valid) {
            core.send(c, Outbound.headerless(ConnectReply.invalid(oldClient)).thenClose());
            c.markClosed();
            return;
        }
        if (tracked.connection != null && tracked.connection != c) {
            core.closeConnection(tracked.connection);
        }
        tracked.timeoutMs = timeout;
        tracked.connection = c;
        c.sessionId = sessionId;
        release(c);
        core.sessions().tracker().touch(sessionId, clock.getAsLong());
        core.send(c, Outbound.headerless(new ConnectReply(timeout, sessionId, session.password(), false, oldClient)));
    }

    /**
     * ZooKeeper's read-only server with local sessions: a new session is local to this replica, never replicated
     * and forgotten when the replica rejoins its group (ZooKeeper's client then asks a read-write server for a new
     * one); a local session of this read-only spell may be resumed here. A session of the group is refused, as
     * ZooKeeper refuses a global session's reconnection in read-only mode: this replica cannot vouch that it is
     * still alive, so it neither resumes nor expires it; the connection is closed and the client tries another
     * server.
     */
    private void acceptReadOnly(ClientConnection c, ConnectRequest request) {
        long sessionId = request.getSessionId();
        byte[] password;
        if (sessionId == 0) {
            if (localSessions.size() >= LOCAL_SESSIONS_MAX) {
                refuse(c, "the read-only session table is full");
                return;
            }
            sessionId = nextSessionId();
            password = new byte[16];
            random.nextBytes(password);
            localSessions.put(sessionId, password);
        } else {
            password = localSessions.get(sessionId);
            if (password == null || !Arrays.equals(password, request.getPasswd())) {
                refuse(c, core.stateMachine().sessions().contains(sessionId)
                        ? "a session of the group cannot be resumed in read-only mode" : "unknown session");
                return;
            }
        }
        c.readOnly = true;
        c.sessionId = sessionId;
        release(c);
        stats.readOnlySessions++;
        log.info("read-only session 0x{} for {} (no contact with a quorum)", Long.toHexString(sessionId), c);
        core.send(c, Outbound.headerless(new ConnectReply(c.sessionTimeoutMs, sessionId, password, true,
                c.oldClient)));
    }

    /** The first refusal of a spell cut off is logged at INFO, the rest at DEBUG and counted in the spell's end. */
    private void refuse(ClientConnection c, String why) {
        stats.handshakesRefusedNoQuorum++;
        if (refusedThisSpell++ == 0) {
            log.info("refusing {}: no contact with a quorum, {} (further refusals at DEBUG)", c, why);
        } else {
            log.debug("refusing {}: no contact with a quorum, {}", c, why);
        }
        core.closeConnection(c);
    }

    /**
     * Every frontend tick: follows the replica's standing with its group, asks again for barriers that were
     * refused, continues parked handshakes whose zxid was reached, and closes handshakes held past their time.
     */
    void onTick(long now) {
        WritePath.Standing next = writes.standing();
        if (next != standing) {
            changeStanding(next, now);
        }
        for (Map.Entry<Long, PendingResume> e : pendingResumes.entrySet()) {
            if (!e.getValue().requested) {
                e.getValue().requested = writes.read(e.getKey());
            }
        }
        for (Parked p : List.copyOf(parked)) {
            if (p.connection().isClosed() || core.lastZxid() >= p.connect().request().getLastZxidSeen()
                    || standing == WritePath.Standing.CUT_OFF) {
                parked.remove(p);
                if (!p.connection().isClosed()) {
                    continueConnect(p.connection(), p.connect());
                    core.drain(p.connection());
                }
            }
        }
        for (ClientConnection c : List.copyOf(awaiting)) {
            if (c.isClosed()) {
                awaiting.remove(c);
            } else if (c.state() == ConnectionState.HANDSHAKE_HELD && now >= c.handshakeDeadlineMs) {
                expireHold(c);
            }
        }
    }

    /**
     * The handshake waits (a CreateSession to commit, a barrier, a zxid): the held ones are kept in a set, so a tick
     * looks at those rather than at every connection. A parked handshake continued may be held again.
     */
    void hold(ClientConnection c) {
        if (c.state() != ConnectionState.HANDSHAKE_HELD) {
            c.transitionTo(ConnectionState.HANDSHAKE_HELD);
        }
        awaiting.add(c);
    }

    /** The handshake is answered: the connection's requests may follow, unless it was closed meanwhile. */
    void release(ClientConnection c) {
        awaiting.remove(c);
        if (!c.isClosed()) {
            c.transitionTo(ConnectionState.READY);
        }
    }

    /** Whether a ping waits: it is answered only while this replica can vouch for the session. */
    boolean holdsPing(ClientConnection c) {
        return !c.readOnly && standing != WritePath.Standing.SERVING;
    }

    private void expireHold(ClientConnection c) {
        stats.handshakesTimedOut++;
        boolean zxidAhead = parked.removeIf(p -> p.connection() == c);
        if (zxidAhead) {
            WritePath.ReplicaFigures figures = writes.figures();
            log.info("closing {}: the client has seen a zxid beyond this node's 0x{} (its log holds op {}) and the "
                    + "group did not catch it up in time", c, Long.toHexString(core.lastZxid()),
                    figures == null ? core.lastZxid() : figures.opNumber());
        } else {
            log.debug("closing {}: its handshake could not be answered in time ({})", c, standing);
        }
        core.closeConnection(c);
    }

    /**
     * Cut off: every client but the read-only ones is closed (they reconnect to the majority, or here read-only),
     * held handshakes included. Back in touch: the read-only clients are closed, as ZooKeeper closes its
     * read-only server's connections when the peer rejoins a quorum; they reconnect read-write. Back to serving,
     * requests held for it (pings) go on.
     */
    private void changeStanding(WritePath.Standing next, long now) {
        WritePath.Standing previous = standing;
        standing = next;
        if (next == WritePath.Standing.CUT_OFF) {
            cutOffSinceMs = now;
            refusedThisSpell = 0;
            int closed = 0;
            for (ClientConnection c : List.copyOf(core.connections())) {
                if (!c.readOnly && !c.isClosed()) {
                    core.closeConnection(c);
                    closed++;
                }
            }
            stats.connectionsClosedNoQuorum += closed;
            log.warn("no contact with a quorum of the group: closed {} client connections; {}", closed,
                    settings.readOnlyModeEnabled() ? "serving read-only sessions until the group is reached again"
                            : "refusing sessions until the group is reached again");
            return;
        }
        if (previous == WritePath.Standing.CUT_OFF) {
            localSessions.clear();
            int closed = 0;
            for (ClientConnection c : List.copyOf(core.connections())) {
                if (c.readOnly && !c.isClosed()) {
                    core.closeConnection(c);
                    closed++;
                }
            }
            log.info("in contact with the group again after {} ms; refused {} handshakes meanwhile; closed {} "
                    + "read-only connections", now - cutOffSinceMs, refusedThisSpell, closed);
        }
        if (next == WritePath.Standing.SERVING) {
            for (ClientConnection c : List.copyOf(core.connections())) {
                core.drain(c);
            }
        }
    }

    void onConnectionClosed(ClientConnection c) {
        parked.removeIf(p -> p.connection() == c);
        pendingResumes.values().removeIf(p -> p.connection == c);
    }

    /** Handshakes held now (barrier, zxid or commit), for the node's figures. */
    int heldCount() {
        int held = 0;
        for (ClientConnection c : awaiting) {
            if (c.state() == ConnectionState.HANDSHAKE_HELD) {
                held++;
            }
        }
        return held;
    }

    int readOnlyConnections() {
        int count = 0;
        for (ClientConnection c : core.connections()) {
            if (c.readOnly && !c.isClosed()) {
                count++;
            }
        }
        return count;
    }
}
