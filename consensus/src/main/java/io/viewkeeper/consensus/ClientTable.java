package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The client table of VR Revisited §4.1: for each client, its latest executed request number, the op it executed
 * at and its result. Updated only when an op is applied (on commit), so it is identical at every replica that has
 * applied the same prefix. Bounded by {@code clientTableMax}: a full table evicts the client whose latest op is
 * oldest (the lowest client id among equals), a deterministic choice found in O(log n) through the rows ordered by
 * op; the application may end a client explicitly ({@link Outbox#endsClient}).
 */
public final class ClientTable {

    /** One client's row. */
    public record Session(long clientId, long requestNumber, long op, byte[] result) {
    }

    private final int clientTableMax;
    private static final Comparator<Session> BY_OP = Comparator.comparingLong(Session::op)
            .thenComparingLong(Session::clientId);

    private final TreeMap<Long, Session> sessions = new TreeMap<>();
    /** The same rows as {@code sessions}, oldest op first: the next to evict. */
    private final TreeSet<Session> byOp = new TreeSet<>(BY_OP);

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
        Session row = new Session(clientId, requestNumber, op, result);
        sessions.put(clientId, row);
        if (previous != null) {
            byOp.remove(previous);
        }
        byOp.add(row);
        checkIndex();
    }

    void end(long clientId) {
        Session gone = sessions.remove(clientId);
        if (gone != null) {
            byOp.remove(gone);
        }
        checkIndex();
    }

    List<Session> snapshot() {
        return new ArrayList<>(sessions.values());
    }

    void restore(Collection<Session> rows) {
        sessions.clear();
        byOp.clear();
        for (Session row : rows) {
            Session replaced = sessions.put(row.clientId(), row);
            if (replaced != null) {
                byOp.remove(replaced);
            }
            byOp.add(row);
        }
        checkIndex();
    }

    int size() {
        return sessions.size();
    }

    private void evictOldest() {
        Session oldest = byOp.pollFirst();
        sessions.remove(oldest.clientId());
    }

    /** The index by op holds exactly the table's rows: a row in one and not the other is a bug here. */
    private void checkIndex() {
        if (byOp.size() != sessions.size()) {
            throw new IllegalStateException("client table of " + sessions.size() + " rows indexes " + byOp.size());
        }
    }
}
