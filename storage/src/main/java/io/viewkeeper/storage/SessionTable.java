package io.viewkeeper.storage;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sessions the state machine knows; changed only by CreateSession and CloseSession ops. It records the ids
 * added or removed since a checkpoint store last took them.
 */
public final class SessionTable {
    private final Map<Long, Session> sessions = new LinkedHashMap<>();
    private final ChangeTracker<Long> changed = new ChangeTracker<>(DataTree.CHANGED_KEYS_MAX);

    public Session get(long sessionId) {
        return sessions.get(sessionId);
    }

    public boolean contains(long sessionId) {
        return sessions.containsKey(sessionId);
    }

    public Collection<Session> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }

    public int size() {
        return sessions.size();
    }

    /** Ids of sessions created or closed since the last take, and clears them. */
    public ChangeTracker.Changes<Long> takeChangedSessions() {
        return changed.take();
    }

    void add(Session session) {
        sessions.put(session.sessionId(), session);
        changed.mark(session.sessionId());
    }

    void remove(long sessionId) {
        sessions.remove(sessionId);
        changed.mark(sessionId);
    }
}
