package io.viewkeeper.frontend;

import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Txn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes this node submitted and has not seen commit: clients' writes, its own CreateSession, expiry and
 * restore ops. Each is offered to the replica (ordered here, forwarded to the primary, or refused) and offered again
 * until it commits, since a forwarded or refused write may be lost with a message or a view change; the client
 * table makes a write offered twice execute once. Replica thread only.
 * Invariant: a connection's writes are offered in submission order, each naming the one submitted before it, so the
 * primary orders none before its predecessor (VR's client table, §4.1, extended with the previous request number).
 */
final class WritePipeline {
    /** A write not committed this long after it was last offered is offered again. */
    static final long RESUBMIT_AFTER_MS = 500;
    /** The expiry close is client (session id, 1): proposed again after a view change, it still executes once. */
    static final long EXPIRY_REQUEST_NUMBER = 1;
    /** Restores are client {@code 0x100 + serverId}: below every session id, distinct per replica. */
    static final long RESTORE_CLIENT_ID_BASE = 0x100;
    /** Request numbers of restores: the applied zxid shifted left this many bits, plus a sequence. */
    private static final int SEQUENCE_BITS = 12;

    /** A write waiting for its commit; {@code connection} is null for writes this node makes itself. */
    static final class PendingWrite {
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

    private final WritePath writes;
    private final Map<RequestKey, PendingWrite> pending = new LinkedHashMap<>();
    private final Map<RequestKey, RestoreListener> restoreListeners = new LinkedHashMap<>();
    private long restoreSequence;

    WritePipeline(WritePath writes) {
        this.writes = writes;
    }

    /**
     * Orders a client's write after the connection's previous one. Ordered here (primary) or forwarded, the
     * connection's next write may follow at once: it names this one, and the primary orders it only after this one.
     * Refused, or forwarded as the first write of a connection whose client the primary may not know yet (a resumed
     * session: no CreateSession of this connection was executed), the connection waits for a commit.
     */
    void submit(ClientConnection c, Inbound.Request request, Operation op, long now, long startNanos) {
        Txn txn = new Txn(c.sessionId, request.xid(), now, c.identities, op);
        List<Integer> multiTypes = request.multiOps().stream().map(Inbound.MultiOp::type).toList();
        PendingWrite write = new PendingWrite(c, request.xid(), request.type(), multiTypes, now, txn, c.clientId,
                request.xid());
        write.startNanos = startNanos;
        write.previousRequestNumber = c.lastWriteRequestNumber;
        c.lastWriteRequestNumber = write.requestNumber;
        add(write);
        c.onWriteSubmitted();
        boolean accepted = offer(write, now);
        if (!accepted || (!write.orderedHere && write.previousRequestNumber == WritePath.NO_PREVIOUS)) {
            c.raiseWriteBarrier();
        }
    }

    /** A new session's CreateSession, the connection's request 0. */
    void submitCreateSession(ClientConnection c, Txn txn, long now) {
        PendingWrite write = new PendingWrite(c, 0, OpCode.CREATE_SESSION, List.of(), now, txn, c.clientId, 0);
        add(write);
        offer(write, now);
    }

    /** The primary's close of an expired session, as the session's own client so that it executes once. */
    void submitExpiry(long sessionId, long now) {
        Txn txn = new Txn(sessionId, 0, now, List.of(), new Operation.CloseSession(sessionId));
        PendingWrite write = new PendingWrite(null, 0, OpCode.CLOSE_SESSION, List.of(), now, txn, sessionId,
                EXPIRY_REQUEST_NUMBER);
        add(write);
        offer(write, now);
    }

    /**
     * Withdraws every expiry not committed, for a replica that is no longer the primary: the new primary decides
     * expiry with the touches it hears. Returns the sessions whose expiry was withdrawn.
     */
    List<Long> withdrawExpiries() {
        List<Long> sessions = new ArrayList<>();
        var iterator = pending.values().iterator();
        while (iterator.hasNext()) {
            PendingWrite write = iterator.next();
            if (write.connection == null && write.type == OpCode.CLOSE_SESSION) {
                iterator.remove();
                sessions.add(write.clientId);
            }
        }
        return sessions;
    }

    /**
     * A restore as a write of this replica's own: client id {@code 0x100 + serverId}, which no session has,
     * request numbers from the applied zxid up, so they only grow.
     */
    void submitRestore(Operation restore, int serverId, long lastZxid, long now,
            RestoreListener listener) {
        if (!(restore instanceof Operation.RestoreState) && !(restore instanceof Operation.RestorePart)) {
            throw new IllegalArgumentException("not a restore: " + restore.getClass().getSimpleName());
        }
        long clientId = RESTORE_CLIENT_ID_BASE + serverId;
        long requestNumber = (lastZxid << SEQUENCE_BITS) | (restoreSequence++ & ((1 << SEQUENCE_BITS) - 1));
        Txn txn = new Txn(clientId, 0, now, List.of(), restore);
        PendingWrite write = new PendingWrite(null, 0, OpCode.NOTIFICATION, List.of(), now, txn, clientId,
                requestNumber);
        add(write);
        restoreListeners.put(new RequestKey(clientId, requestNumber), listener);
        offer(write, now);
    }

    /** Stops offering a restore not committed yet; false when it is no longer pending. */
    boolean withdrawRestore(RestoreListener listener) {
        for (Map.Entry<RequestKey, RestoreListener> e : List.copyOf(restoreListeners.entrySet())) {
            if (e.getValue() == listener) {
                restoreListeners.remove(e.getKey());
                pending.remove(e.getKey());
                return true;
            }
        }
        return false;
    }

    /** Who waits for the restore submitted as this request, taken once it committed; null for none. */
    RestoreListener takeRestoreListener(long clientId, long requestNumber) {
        return restoreListeners.remove(new RequestKey(clientId, requestNumber));
    }

    /**
     * Offers again every write last offered at least {@code ageMs} ago and not committed, in submission order: a
     * connection's writes each name the one before, so the primary orders none before its predecessor.
     */
    void offerAgain(long now, long ageMs) {
        for (PendingWrite write : List.copyOf(pending.values())) {
            if (now - write.submittedMs >= ageMs) {
                offer(write, now);
            }
        }
    }

    /** The write submitted as this request committed: it is no longer pending; null if it was not this node's. */
    PendingWrite complete(long clientId, long requestNumber) {
        return pending.remove(new RequestKey(clientId, requestNumber));
    }

    boolean isPending(long clientId, long requestNumber) {
        return pending.containsKey(new RequestKey(clientId, requestNumber));
    }

    int size() {
        return pending.size();
    }

    /** A client that reuses an xid replaces its earlier write here, as before; the client table decides. */
    private void add(PendingWrite write) {
        pending.put(new RequestKey(write.clientId, write.requestNumber), write);
    }

    /** Offers a pending write to the replica; true unless refused. Ordered here, it has an op-number. */
    private boolean offer(PendingWrite write, long now) {
        write.submittedMs = now;
        long op = writes.submit(write.txn, write.clientId, write.requestNumber, write.previousRequestNumber);
        write.orderedHere = op > 0;
        return op != WritePath.REJECTED;
    }
}
