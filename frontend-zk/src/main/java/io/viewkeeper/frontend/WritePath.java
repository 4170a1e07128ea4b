package io.viewkeeper.frontend;

import io.viewkeeper.storage.Txn;

/**
 * The frontend's view of the replica: where writes are ordered and where read barriers come from. Commits and
 * ready reads come back through {@link FrontendCore#onCommitted} and {@link FrontendCore#onReadReady}.
 */
public interface WritePath {

    /** {@link #submit} result: the write went to the primary, or is already under way; wait for its commit. */
    long FORWARDED = 0;
    /** {@link #submit} result: the replica cannot take it now (view change, full pipeline); offer it again later. */
    long REJECTED = -1;

    /** {@link #submit}'s previous request number when the write follows none of its connection's. */
    long NO_PREVIOUS = Long.MIN_VALUE;

    /**
     * Submits a write for ordering. {@code clientId} names the connection (not the session: a session may move
     * to another connection and its xids start again there) and {@code requestNumber} increases per client (the
     * xid), so a write offered twice executes once. {@code previousRequestNumber} is the connection's write
     * submitted before this one ({@link #NO_PREVIOUS}: none): the write is ordered only after it, so a connection
     * may submit its next write before this one commits even when it is forwarded.
     *
     * @return the op-number it will commit at when ordered here, {@link #FORWARDED} or {@link #REJECTED}
     */
    long submit(Txn txn, long clientId, long requestNumber, long previousRequestNumber);

    /**
     * Whether a request must wait for a read barrier before it is evaluated: {@code sync} always in a replica
     * group, other reads when reads are linearizable. A single replica never needs one.
     */
    default boolean needsBarrier(boolean sync) {
        return false;
    }

    /** Asks for a read barrier; false when refused now (offer it again later). */
    default boolean read(long readId) {
        throw new UnsupportedOperationException("this write path has no read barrier");
    }

    /** The role as ZooKeeper's srvr and mntr name it: standalone, leader or follower. */
    default String role() {
        return "standalone";
    }

    /**
     * The replica's status, view, op-number and commit number, for mntr and srvr; the group's voters
     * ({@code quorumSize}, 1 alone) and, at the normal primary, the other members and those of them that acknowledged
     * recently, as ZooKeeper's leader reports its learners, synced followers and synced observers (-1 elsewhere).
     */
    record ReplicaFigures(String status, long view, long opNumber, long commitNumber, int quorumSize, int learners,
                          int syncedFollowers, int syncedObservers) {
    }

    default ReplicaFigures figures() {
        return null;
    }

    /** Where a replica stands with its group, which decides what it may tell clients about their sessions. */
    enum Standing {
        /** Normal in a view, with a quorum heard from lately: handshakes are answered after a read barrier. */
        SERVING,
        /** In a view change or recovery, not yet cut off: handshakes and pings wait. */
        WAITING,
        /** No contact with a working view of the group for longer than a view change takes: clients are sent away. */
        CUT_OFF
    }

    /** This replica's standing now; a single replica is always serving. */
    default Standing standing() {
        return Standing.SERVING;
    }

    /** Whether this replica is the primary, which decides session expiry. */
    default boolean isPrimary() {
        return true;
    }
}
