package io.viewkeeper.consensus;

import java.util.List;

/**
 * Everything a {@link Replica} asks of the world. The production driver and the simulator both implement it;
 * the replica itself performs no I/O. Every driver implements the safety-critical methods, {@link #persist},
 * {@link #commit}, {@link #send}, {@link #truncate}, {@link #persistViewState}, {@link #repairLog} and
 * {@link #resolveTail}, so that none is silently a no-op (a one-replica driver says so in its own no-ops); to use
 * checkpoints it also implements {@link #checkpoint} and {@link #installCheckpoint}.
 *
 * <p>Ordering contract: persist requests complete in the order issued. {@link #truncate}, {@link #persistViewState},
 * {@link #repairLog}, {@link #resolveTail} and {@link #installCheckpoint} are synchronous: they are durable when
 * they return.
 */
public interface Outbox {

    byte[] NO_RESULT = new byte[0];
    /**
     * What {@link #checkpoint} returns when the checkpoint is being saved elsewhere (off the thread that drives the
     * replica): it is the latest checkpoint only once the driver reports it durable
     * ({@link Replica#onCheckpointSaved}). Compared by identity.
     */
    byte[] SAVING = new byte[0];

    /**
     * Make these entries durable, in order. The driver reports completion with {@link Replica#onPersisted(long)}
     * for the highest op it made durable; until then the replica does not count them as held.
     */
    void persist(List<LogEntry> entries);

    /** The entry is committed: apply it to the application state machine. Called once per op, in op order. */
    void commit(LogEntry entry);

    /**
     * The entry is committed: apply it and return the result recorded in the client table. The default delegates
     * to {@link #commit}. With request deduplication on, a duplicate of an executed request is not applied.
     */
    default byte[] apply(LogEntry entry) {
        commit(entry);
        return NO_RESULT;
    }

    /** Whether applying this entry ends its client, so that the client table forgets it (a session closes). */
    default boolean endsClient(LogEntry entry) {
        return false;
    }

    /** Send a message to replica {@code replicaIndex}. Delivery may fail; the protocol retries. */
    void send(int replicaIndex, Message message);

    /**
     * A request is done: emitted at every replica when it applies the request, and at the replica a duplicate of an
     * executed request arrived at. The driver answers the client if the client is connected here.
     */
    default void reply(long clientId, long requestNumber, long op, byte[] result) {
    }

    /**
     * A linearizable read may now be evaluated against the applied state (which is at {@link Replica#commitNumber()}
     * during this call).
     */
    default void readReady(long readId) {
    }

    /**
     * Durably discard every log entry after {@code lastOpKept}. Before returning, the driver completes every persist
     * issued before this call and drops their pending {@link Replica#onPersisted} reports.
     */
    void truncate(long lastOpKept);

    /**
     * Durably record the view and the last view in which this replica was in normal status (VR Revisited §4.2);
     * {@link Replica#RECOVERING_MARK} as the last normal view records that the replica is recovering.
     */
    void persistViewState(long view, long lastNormalView);

    /**
     * Durably record the members of a later epoch ({@link Membership}) this replica applied at {@code op} (a
     * reconfiguration, or a checkpoint after one). A replica that records members it is one of restarts with them
     * ({@link Replica#restart} takes them as its configuration, with {@code op} as known committed); members without
     * it mean that it was removed ({@link Replica#isRemoved}): its driver stops it and does not start it again.
     */
    void persistMembership(Membership membership, long op);

    /**
     * Durably replace the damaged records of these ops (the {@link DurableState#holes} the replica restarted with)
     * by these entries, fetched from a peer and checked against the hash chain; {@code chains[i]} is the chain at
     * {@code entries.get(i)}. Called once, before the replica takes part in anything, with every hole's entries in op
     * order; nothing else was persisted since the restart.
     */
    void repairLog(List<LogEntry> entries, long[] chains);

    /**
     * Durably end the doubt over the disk's unreadable last write ({@link DurableState#uncertainTailOps}): append
     * these entries after the log's last entry (none when the peers proved nothing more was held) and then record
     * that the tail is resolved; {@code chains[i]} is the chain at {@code entries.get(i)}. Until this returns, a
     * restart must find the doubt again. Called once, before the replica takes part in anything; nothing else was
     * persisted since the restart but {@link #repairLog}.
     */
    void resolveTail(List<LogEntry> entries, long[] chains);

    /**
     * Take a checkpoint of the application at {@code op} (the op just applied) and make it durable together with
     * {@code clients}; returns the application's opaque snapshot, or null to skip this checkpoint, or
     * {@link #SAVING} when it goes on being saved after this returns.
     */
    default byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients) {
        return null;
    }

    /**
     * As {@link #checkpoint(long, long, List)}, with the group's members after {@code op} (null while unknown), to be
     * kept with the checkpoint ({@link Checkpoint#membership}). The default keeps none.
     */
    default byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients, Membership membership) {
        return checkpoint(op, chain, clients);
    }

    /**
     * Replace the application state with the checkpoint's and make it durable; the whole log on disk is discarded,
     * since it is at or below the checkpoint or on a stale branch (state transfer, VR Revisited §5.2). A checkpoint
     * at op 0 with an empty snapshot is the initial state (a recovering replica whose primary released nothing).
     */
    default void installCheckpoint(Checkpoint checkpoint) {
    }

    /**
     * The checkpoint as sent to a peer by state transfer or recovery: a driver whose {@link #checkpoint} returned a
     * token rather than the whole snapshot (because its checkpoints are incremental on disk) supplies the whole
     * snapshot here, or null while it builds it elsewhere (the requester asks again); it then hands the whole
     * checkpoint to {@link Replica#onTransferImageReady}. The default sends the checkpoint as taken.
     */
    default Checkpoint checkpointForTransfer(Checkpoint checkpoint) {
        return checkpoint;
    }

    /**
     * Parts of the offered checkpoint {@code ref} this replica holds already and need not fetch, given the first
     * {@code length} bytes of its snapshot in {@code prefix} (not to be kept or changed): null while those are too
     * few to tell, and asked again when more arrived. A driver whose snapshots list the hashes of their blocks finds
     * them in the state it holds (an older checkpoint, or the readable part of a damaged one). Parts before
     * {@code length} or past the snapshot's end are ignored; the whole is checked against {@code ref}'s checksum, and
     * fetched again without held parts if it fails. The default holds nothing.
     */
    default List<HeldPart> heldParts(CheckpointRef ref, byte[] prefix, int length) {
        return List.of();
    }

    /** The log up to {@code op} is no longer needed by any replica; the driver may delete it (§5.1). */
    default void release(long op) {
    }
}
