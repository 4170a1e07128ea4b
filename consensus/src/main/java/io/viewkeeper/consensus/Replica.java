package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * A Viewstamped Replication replica as a pure state machine: requests, persistence callbacks and ticks come in,
 * effects go out through the {@link Outbox}. This version runs a one-replica group: the primary is the whole
 * quorum, so an op commits as soon as it is durable. Multi-replica operation (Prepare/PrepareOk/Commit, view
 * change, recovery, state transfer) extends this same interface.
 *
 * <p>Invariants: {@code commitNumber <= persistedOp <= opNumber}; ops are assigned and committed in order without
 * gaps; every committed entry passed its checksum.
 */
public final class Replica {

    private final ReplicaConfiguration configuration;
    private final Outbox outbox;
    private final List<LogEntry> uncommitted = new ArrayList<>();
    private final List<LogEntry> pendingPersist = new ArrayList<>();
    private long view;
    private long opNumber;
    private long persistedOp;
    private long commitNumber;

    public Replica(ReplicaConfiguration configuration, Outbox outbox, long startOp) {
        if (configuration.replicaCount() != 1) {
            throw new IllegalArgumentException("only a one-replica group is supported by this replica version");
        }
        if (startOp < 0) {
            throw new IllegalArgumentException("startOp must not be negative: " + startOp);
        }
        this.configuration = configuration;
        this.outbox = outbox;
        this.opNumber = startOp;
        this.persistedOp = startOp;
        this.commitNumber = startOp;
    }

    /**
     * A client operation arrives at this replica. It is assigned the next op-number; it is handed to
     * {@link Outbox#persist} when {@link #flush()} runs, so that many requests form one batch.
     *
     * @return the op-number assigned
     */
    public long onRequest(long clientId, long requestNumber, byte[] body) {
        opNumber++;
        LogEntry entry = LogEntry.of(opNumber, view, clientId, requestNumber, body);
        uncommitted.add(entry);
        pendingPersist.add(entry);
        if (pendingPersist.size() >= configuration.batchOpMax()) {
            flush();
        }
        checkInvariants();
        return opNumber;
    }

    /** Emits the batch of entries accepted since the last flush. The driver calls it once per duty cycle. */
    public void flush() {
        if (pendingPersist.isEmpty()) {
            return;
        }
        List<LogEntry> batch = List.copyOf(pendingPersist);
        pendingPersist.clear();
        outbox.persist(batch);
    }

    /** Entries up to {@code op} are durable. In a one-replica group that makes them committed. */
    public void onPersisted(long op) {
        if (op <= persistedOp) {
            return;
        }
        if (op > opNumber) {
            throw new IllegalStateException("persisted op " + op + " beyond op-number " + opNumber);
        }
        persistedOp = op;
        commitUpTo(persistedOp);
        checkInvariants();
    }

    /** Time passes by one tick. A one-replica group has no heartbeats or timeouts to drive. */
    public void onTick() {
        checkInvariants();
    }

    private void commitUpTo(long op) {
        while (commitNumber < op) {
            LogEntry entry = uncommitted.remove(0);
            if (entry.op() != commitNumber + 1) {
                throw new IllegalStateException("log gap: expected op " + (commitNumber + 1) + " got " + entry.op());
            }
            if (!entry.checksumValid()) {
                throw new IllegalStateException("entry failed its checksum: " + entry);
            }
            commitNumber = entry.op();
            outbox.commit(entry);
        }
    }

    public long view() {
        return view;
    }

    public long opNumber() {
        return opNumber;
    }

    public long commitNumber() {
        return commitNumber;
    }

    public boolean isPrimary() {
        return configuration.replicaIndex() == (int) (view % configuration.replicaCount());
    }

    public void checkInvariants() {
        if (!(commitNumber <= persistedOp && persistedOp <= opNumber)) {
            throw new IllegalStateException("commit " + commitNumber + " persisted " + persistedOp + " op " + opNumber);
        }
        if (uncommitted.size() != opNumber - commitNumber) {
            throw new IllegalStateException("uncommitted entries " + uncommitted.size() + " != " + (opNumber - commitNumber));
        }
    }
}
