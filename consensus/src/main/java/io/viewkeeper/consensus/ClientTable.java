package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * The client table of VR Revisited §4.1: for each client, its latest executed request number, the op it executed
 * at and its result. Updated only when an op is applied (on commit), so it is identical at every replica that has
 * applied the same prefix. Bounded by {@code clientTableMax}: a full table evicts the client whose latest op is
 * oldest, a deterministic choice; the application may end a client explicitly ({@link Outbox#endsClient}).
 */
public final class ClientTable {

    /** One client's row. */
    public record Session(long clientId, long requestNumber, long op, byte[] result) {
    }

    private final int clientTableMax;
    private final TreeMap<Long, Session> sessions = new TreeMap<>();

    ClientTable(int clientTableMax) {
        this.clientTableMax = clientTableMax;
    }

    Session session(long clientId) {
        return sessions.get(clientId);
    }

    /** Whether {@code requestNumber} was already executed for this client (it is at or below the latest). */
    boolean executed(long clientId, long requestNumber) {
        Session session = sessions.get(clientId);
        return session != null && requestNumber <= session.requestNumber();
    }

    void record(long clientId, long requestNumber, long op, byte[] result) {
        Session previous = sessions.get(clientId);
        if (previous != null && previous.requestNumber() >= requestNumber) {
            throw new IllegalStateException("client " + clientId + " request " + requestNumber + " not after "
                    + previous.requestNumber());
        }
        if (previous == null && sessions.size() >= clientTableMax) {
            evictOldest();
        }
        sessions.put(clientId, new Session(clientId, requestNumber, op, result));
    }

    void end(long clientId) {
        sessions.remove(clientId);
    }

    List<Session> snapshot() {
        return new ArrayList<>(sessions.values());
    }

    void restore(Collection<Session> rows) {
        sessions.clear();
        for (Session row : rows) {
            sessions.put(row.clientId(), row);
        }
    }

    int size() {
        return sessions.size();
    }

    private void evictOldest() {
        Session oldest = null;
        for (Session session : sessions.values()) {
            if (oldest == null || session.op() < oldest.op()) {
                oldest = session;
            }
        }
        sessions.remove(oldest.clientId());
    }
}
