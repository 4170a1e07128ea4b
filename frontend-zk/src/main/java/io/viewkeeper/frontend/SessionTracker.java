package io.viewkeeper.frontend;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expiry bookkeeping of the sessions this node serves: the deadline each one must be touched by, the connection
 * it is on, and whether its close is under way. The session itself is replicated state; this is not.
 */
final class SessionTracker {

    static final class Tracked {
        final long sessionId;
        int timeoutMs;
        long deadlineMs;
        ClientConnection connection;
        boolean closing;

        Tracked(long sessionId, int timeoutMs, long deadlineMs) {
            this.sessionId = sessionId;
            this.timeoutMs = timeoutMs;
            this.deadlineMs = deadlineMs;
        }
    }

    private final Map<Long, Tracked> sessions = new LinkedHashMap<>();

    Tracked get(long sessionId) {
        return sessions.get(sessionId);
    }

    Tracked track(long sessionId, int timeoutMs, long nowMs) {
        Tracked tracked = new Tracked(sessionId, timeoutMs, nowMs + timeoutMs);
        sessions.put(sessionId, tracked);
        return tracked;
    }

    void touch(long sessionId, long nowMs) {
        Tracked tracked = sessions.get(sessionId);
        if (tracked != null && !tracked.closing) {
            tracked.deadlineMs = nowMs + tracked.timeoutMs;
        }
    }

    void remove(long sessionId) {
        sessions.remove(sessionId);
    }

    /** Sessions past their deadline and not already closing. */
    List<Tracked> expired(long nowMs) {
        List<Tracked> result = new ArrayList<>();
        for (Tracked tracked : sessions.values()) {
            if (!tracked.closing && tracked.deadlineMs <= nowMs) {
                result.add(tracked);
            }
        }
        return result;
    }

    Collection<Tracked> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }
}
