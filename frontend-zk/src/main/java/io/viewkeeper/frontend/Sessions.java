package io.viewkeeper.frontend;

import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.Txn;
import java.security.SecureRandom;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions as this node serves them: their creation (a replicated CreateSession, answered once committed), the
 * touches that keep them alive (a backup passes its clients' touches on to the primary), their expiry and their
 * end. Only the primary in contact with a quorum expires sessions: cut off, it hears no backup's touches; becoming
 * that again, it first gives every session a full timeout. Replica thread only.
 * Invariant: an expiry is proposed only by a serving primary, and withdrawn when this replica stops being primary.
 */
final class Sessions {
    private static final Logger log = LoggerFactory.getLogger(Sessions.class);
    /** ZooKeeper's session password length. */
    private static final int PASSWORD_BYTES = 16;

    private final SessionTracker tracker = new SessionTracker();
    /** Sessions touched by this node's clients since the last {@link #takeTouched}; kept while not primary. */
    private final Set<Long> touched = new LinkedHashSet<>();
    private final WritePath writes;
    private final WritePipeline pipeline;
    private final ClientOutput output;
    private final Handshakes handshakes;
    private final SecureRandom random;
    /** Whether this replica was the serving primary at the last tick, which decides expiry and the reaper. */
    private boolean expiring;

    Sessions(WritePath writes, WritePipeline pipeline, ClientOutput output, Handshakes handshakes,
            SecureRandom random) {
        this.writes = writes;
        this.pipeline = pipeline;
        this.output = output;
        this.handshakes = handshakes;
        this.random = random;
    }

    SessionTracker tracker() {
        return tracker;
    }

    /** Whether this replica was the primary in contact with a quorum at the last tick. */
    boolean isExpiring() {
        return expiring;
    }

    /**
     * A tick: a replica that is not the primary withdraws the expiries it proposed and that have not committed (one
     * decided while it may have been cut off must not close a session its client kept alive on the majority); a
     * serving primary expires the sessions past their deadline.
     */
    void onTick(long now, boolean serving) {
        if (!writes.isPrimary()) {
            for (long sessionId : pipeline.withdrawExpiries()) {
                SessionTracker.Tracked tracked = tracker.get(sessionId);
                if (tracked != null) {
                    tracked.closing = false;
                }
            }
        }
        boolean primary = writes.isPrimary() && serving;
        if (primary && !expiring) {
            tracker.all().forEach(t -> tracker.touch(t.sessionId, now));
        }
        expiring = primary;
        if (primary) {
            expire(now);
        }
    }

    private void expire(long now) {
        for (SessionTracker.Tracked expired : tracker.expired(now)) {
            log.info("expiring session 0x{} (timeout {} ms)", Long.toHexString(expired.sessionId), expired.timeoutMs);
            expired.closing = true;
            if (expired.connection != null) {
                output.close(expired.connection);
            }
            pipeline.submitExpiry(expired.sessionId, now);
        }
    }

    /** A request of the session arrived here: its deadline moves; a backup passes the touch on to the primary. */
    void touch(long sessionId, long now) {
        tracker.touch(sessionId, now);
        if (!writes.isPrimary()) {
            touched.add(sessionId);
        }
    }

    long[] takeTouched() {
        long[] ids = touched.stream().mapToLong(Long::longValue).toArray();
        touched.clear();
        return ids;
    }

    /** The primary learns that a backup's clients touched these sessions. */
    void onTouches(long[] sessionIds, long now) {
        for (long id : sessionIds) {
            tracker.touch(id, now);
        }
    }

    /** Whether requests of the session may be served: it is known here and its close is not under way. */
    boolean isLive(long sessionId) {
        SessionTracker.Tracked session = tracker.get(sessionId);
        return session != null && !session.closing;
    }

    /** The session's client asked to close it: it is closing from now on, and touches no longer move it. */
    void markClosing(long sessionId) {
        SessionTracker.Tracked session = tracker.get(sessionId);
        if (session == null) {
            throw new IllegalStateException("session 0x" + Long.toHexString(sessionId) + " closed but not tracked");
        }
        session.closing = true;
    }

    /** A new session: its id and random password travel in the replicated CreateSession op. */
    void create(ClientConnection c, int timeoutMs, long now) {
        long sessionId = handshakes.nextSessionId();
        byte[] password = new byte[PASSWORD_BYTES];
        random.nextBytes(password);
        Txn txn = new Txn(sessionId, 0, now, List.of(), new Operation.CreateSession(sessionId, timeoutMs, password));
        handshakes.hold(c);
        c.sessionId = sessionId;
        pipeline.submitCreateSession(c, txn, now);
    }

    /** A committed CreateSession or CloseSession, of any replica's client: tracked from now, or ended. */
    void onCommitted(Operation op, long now) {
        switch (op) {
            case Operation.CreateSession create -> tracker.track(create.sessionId(), create.timeoutMs(), now);
            case Operation.CloseSession close -> end(close.sessionId());
            default -> {
            }
        }
    }

    /** This connection's CreateSession committed: the handshake is answered. */
    void completeCreation(ClientConnection c, Operation.CreateSession create) {
        handshakes.release(c);
        // The CreateSession was this connection's request 0: the client table knows the connection from here on.
        c.lastWriteRequestNumber = 0;
        SessionTracker.Tracked tracked = tracker.get(create.sessionId());
        if (c.isClosed() || tracked == null) {
            return;
        }
        tracked.connection = c;
        output.send(c, Outbound.headerless(new ConnectReply(create.timeoutMs(), create.sessionId(), create.password(),
                false, c.oldClient)));
    }

    /** The session ended: its connection is closed, unless it asked for the close and waits for that reply. */
    private void end(long sessionId) {
        SessionTracker.Tracked tracked = tracker.get(sessionId);
        tracker.remove(sessionId);
        touched.remove(sessionId);
        if (tracked != null && tracked.connection != null && !tracked.connection.isClosed()
                && !pipeline.isPending(tracked.connection.clientId, tracked.connection.lastCloseXid)) {
            output.close(tracked.connection);
        }
    }

    void onConnectionClosed(ClientConnection c) {
        SessionTracker.Tracked tracked = c.sessionId == 0 ? null : tracker.get(c.sessionId);
        if (tracked != null && tracked.connection == c) {
            tracked.connection = null;
        }
    }

    /** The state was replaced: tracks exactly its sessions, the new ones with a full timeout from now. */
    void trackExactly(SessionTable sessions, long now) {
        for (Session session : sessions.all()) {
            if (tracker.get(session.sessionId()) == null) {
                tracker.track(session.sessionId(), session.timeoutMs(), now);
            }
        }
        for (SessionTracker.Tracked t : List.copyOf(tracker.all())) {
            if (!sessions.contains(t.sessionId)) {
                tracker.remove(t.sessionId);
            }
        }
    }
}
