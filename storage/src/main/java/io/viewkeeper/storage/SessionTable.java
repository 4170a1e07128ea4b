package io.viewkeeper.storage;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The sessions the state machine knows; changed only by CreateSession and CloseSession ops. */
public final class SessionTable {
    private final Map<Long, Session> sessions = new LinkedHashMap<>();

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

    void add(Session session) {
        sessions.put(session.sessionId(), session);
    }

    void remove(long sessionId) {
        sessions.remove(sessionId);
    }
}
