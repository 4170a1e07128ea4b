package io.viewkeeper.consensus;

import java.util.List;

/**
 * Every message replicas exchange (VR Revisited §4, §5). Records under a sealed interface so that the replica's
 * dispatcher is an exhaustive {@code switch} without a default branch. Messages are immutable values; entries are
 * shared, never modified after they are built. {@code from} is the sender's replica index.
 */
public sealed interface Message {

    int from();

    /** The view the sender was in when it sent the message; -1 for messages that carry no view. */
    long view();

    /**
     * A client request forwarded by a backup to the primary (DESIGN §2: backups forward writes).
     * {@code previousRequestNumber} is the client's request sent before this one, which the primary must have
     * ordered first ({@link #NO_PREVIOUS} when there is none), so a backup may forward a client's requests without
     * waiting for each to commit and a lost one cannot be overtaken.
     */
    record Request(long view, long clientId, long requestNumber, long previousRequestNumber, byte[] body, int from)
            implements Message {
        public static final long NO_PREVIOUS = Long.MIN_VALUE;
    }

    /**
     * §4.1 step 3, batched: entries {@code firstOp..} appended at the primary. {@code parentChain} is the hash chain
     * at {@code firstOp - 1}; {@code releasableOp} lets backups garbage-collect their logs (§5.1).
     */
    record Prepare(long view, long commitNumber, long parentChain, List<LogEntry> entries, long releasableOp,
                   int from) implements Message {
        public long firstOp() {
            return entries.get(0).op();
        }

        public long lastOp() {
            return entries.get(entries.size() - 1).op();
        }
    }

    /** §4.1 step 4: the sender holds every op up to {@code op} of this view durably. */
    record PrepareOk(long view, long op, int from) implements Message {
    }

    /**
     * §4.1 step 7 heartbeat with the commit number. {@code readRound > 0} asks backups to confirm the view for a
     * batch of linearizable reads (DESIGN §3).
     */
    record Commit(long view, long commitNumber, long readRound, long releasableOp, int from) implements Message {
    }

    /** A backup confirms it is still in {@code view} in normal status, answering read round {@code readRound}. */
    record CommitOk(long view, long readRound, int from) implements Message {
    }

    /** §4.2 step 1. {@code commitNumber} lets peers send only the log tail this replica lacks. */
    record StartViewChange(long view, long commitNumber, int from) implements Message {
    }

    /**
     * §4.2 step 2, sending only the log suffix after {@code firstOp - 1} (§5.3: messages carry suffixes, not whole
     * logs). {@code entries} may be empty when the sender's log ends at {@code firstOp - 1}.
     */
    record DoViewChange(long view, long lastNormalView, long opNumber, long commitNumber, long firstOp,
                        List<LogEntry> entries, int from) implements Message {
    }

    /** §4.2 step 4: the new log from {@code firstOp}; {@code parentChain} is the chain at {@code firstOp - 1}. */
    record StartView(long view, long opNumber, long commitNumber, long firstOp, long parentChain,
                     List<LogEntry> entries, int from) implements Message {
    }

    /**
     * §4.3 step 1: a replica that lost its state asks for it; the nonce matches answers to this attempt.
     * {@code pristine}: the sender has never persisted any view state ({@link Replica#pristine}).
     */
    record Recovery(long nonce, boolean pristine, int from) implements Message {
        @Override
        public long view() {
            return -1;
        }
    }

    /**
     * §4.3 step 2. Only the primary fills {@code checkpoint} and {@code entries}; other replicas send their view and
     * numbers alone ({@code fromPrimary == false}). {@code checkpoint} names the primary's checkpoint, fetched in
     * chunks before the entries after it are installed; null when the primary released no log. {@code pristine}:
     * the sender has never persisted any view state and answers a pristine sender's Recovery only to say so (view
     * and numbers 0). An {@code opNumber} of 0 means the sender holds no op. {@code membership}: the members of the
     * sender's epoch (of its view), so that a replica recovering with an older configuration learns the current one.
     */
    record RecoveryResponse(long view, long nonce, boolean fromPrimary, boolean pristine, long opNumber,
                            long commitNumber, CheckpointRef checkpoint, long parentChain, List<LogEntry> entries,
                            Membership membership, int from) implements Message {
    }

    /**
     * §5.2: a lagging replica in {@code view} asks for everything after {@code opNumber}. It also names the last op
     * it holds ({@code heldOp}) and the hash chain there: a responder whose log has that op with that chain may
     * send only what follows it, since the chain covers the whole prefix (a restarted replica knows only its
     * checkpoint as committed, yet usually holds the same log as its peers).
     */
    record GetState(long view, long opNumber, long heldOp, long heldChain, int from) implements Message {
    }

    /**
     * §5.2 answer: entries after the requester's op, or, when the requester is behind the responder's
     * garbage-collected log (§5.1), the responder's checkpoint (to be fetched in chunks) and the entries after it;
     * {@code checkpoint} is null otherwise.
     */
    record NewState(long view, long opNumber, long commitNumber, CheckpointRef checkpoint, long parentChain,
                    List<LogEntry> entries, int from) implements Message {
    }

    /**
     * Asks for at most {@code length} bytes at {@code offset} of the snapshot of the checkpoint at {@code op} whose
     * snapshot has checksum {@code checksum} ({@link CheckpointRef}). Carries no view: a checkpoint is committed
     * state, the same in every view.
     */
    record CheckpointRequest(long op, int checksum, int offset, int length, int from) implements Message {
        @Override
        public long view() {
            return -1;
        }
    }

    /**
     * Bytes of a checkpoint's snapshot from {@code offset}; the chunk at offset 0 also carries the client table. A
     * request naming a checkpoint the sender no longer offers is answered with offset {@link #NOT_OFFERED}, the
     * ref of the checkpoint it does offer, no data and no clients, so that the requester stops waiting.
     */
    record CheckpointChunk(CheckpointRef checkpoint, int offset, byte[] data, List<ClientTable.Session> clients,
                           int from) implements Message {
        public static final int NOT_OFFERED = -1;

        public CheckpointChunk {
            if (offset < NOT_OFFERED) {
                throw new IllegalArgumentException("checkpoint chunk offset " + offset);
            }
            clients = List.copyOf(clients);
        }

        @Override
        public long view() {
            return -1;
        }
    }

    /**
     * A restarting replica found the records of ops {@code firstOp..lastOp} damaged on its disk ({@link LogHole}) and
     * asks for them: a peer whose log holds them with the hash chain {@code chainAtLast} at {@code lastOp} sends them.
     * Carries no view: the chain names the entries whatever view the peers are in.
     */
    record RepairRequest(long firstOp, long lastOp, long chainAtLast, int from) implements Message {
        @Override
        public long view() {
            return -1;
        }
    }

    /**
     * The answer to a {@link RepairRequest}: the entries {@code firstOp..lastOp} ({@code refusal} null), or why the
     * sender cannot send them, with no entries.
     */
    record RepairResponse(long firstOp, long lastOp, List<LogEntry> entries, RepairRefusal refusal, int from)
            implements Message {
        public RepairResponse {
            entries = List.copyOf(entries);
            if ((refusal == null) == entries.isEmpty()) {
                throw new IllegalArgumentException("a repair answer carries entries or a refusal: " + refusal);
            }
        }

        @Override
        public long view() {
            return -1;
        }
    }

    /** Why a replica cannot send the entries a {@link RepairRequest} names. */
    enum RepairRefusal {
        /** The sender released those ops: they are in its checkpoint, no longer in its log. */
        RELEASED,
        /** The sender's log ends before the last op asked for. */
        NOT_HELD,
        /** The sender holds those ops with another hash chain: its log took another branch. */
        CHAIN_DIFFERS,
        /** The sender is itself without a readable log (recovering or repairing). */
        UNAVAILABLE
    }

    /**
     * A restarting replica could not read its disk's last write ({@link DurableState#uncertainTailOps}): its log ends
     * at {@code afterOp} with the hash chain {@code chainAtAfter} there, and it may have held ops up to
     * {@code throughOp}. Each voter says what it holds after {@code afterOp} ({@link TailResponse}). Carries no view:
     * the answer carries the views that matter. {@code round} is echoed in the answers: the asker counts only answers
     * to its current round, each sent after it learned what it knew when it began that round.
     */
    record TailRequest(long afterOp, long chainAtAfter, long throughOp, long round, int from) implements Message {
        public TailRequest {
            if (afterOp < 0 || throughOp <= afterOp) {
                throw new IllegalArgumentException("a tail request after op " + afterOp + " through op " + throughOp);
            }
        }

        @Override
        public long view() {
            return -1;
        }
    }

    /**
     * The answer to a {@link TailRequest} of round {@code round}: the sender's view and last normal view (from its
     * disk while it is itself repairing), whether it is the normal primary of that view, the last op its log holds,
     * and what it holds after {@code afterOp}: with {@link TailAnswer#HOLDS}, its entries from {@code afterOp + 1}
     * on, at most {@link TailRepair#OPS_PER_ANSWER} and none past the op asked through.
     */
    record TailResponse(long afterOp, long round, long currentView, long lastNormalView, boolean normalPrimary,
                        long lastOp, TailAnswer answer, List<LogEntry> entries, int from) implements Message {
        public TailResponse {
            entries = List.copyOf(entries);
            if ((answer == TailAnswer.HOLDS) == entries.isEmpty()) {
                throw new IllegalArgumentException("a tail answer carries entries exactly when it holds some: "
                        + answer);
            }
        }

        @Override
        public long view() {
            return -1;
        }
    }

    /** What a replica holds after the op a {@link TailRequest} names. */
    enum TailAnswer {
        /** Entries after that op, its log having the same hash chain there: they are in the answer. */
        HOLDS,
        /** No op after it: its log ends there or before. */
        NOTHING_AFTER,
        /** Its log holds that op with another hash chain: it took another branch at or before it. */
        CHAIN_DIFFERS,
        /** It released that op into a checkpoint, so it cannot compare chains or send entries after it. */
        RELEASED,
        /** It has no readable log (recovering, or repairing holes of its own there). */
        UNAVAILABLE
    }

    /**
     * Asks a replica of a later epoch than the sender's ({@code view} is the sender's) for the committed log after
     * {@code commitNumber} ({@link EpochProtocol}); a member leaving the group ({@code leaving}) asks only whether the
     * receiver started its epoch, and gets no entries.
     */
    record EpochRequest(long view, long commitNumber, boolean leaving, int from) implements Message {
    }

    /**
     * The answer to an {@link EpochRequest}: the sender's view and epoch's members, whether it started that epoch (a
     * voter normal in a view of it, its view state durable), its commit number, and committed entries after the
     * requester's commit number (the hash chain before the first is {@code parentChain}), or after its checkpoint
     * ({@code checkpoint}, fetched in chunks) when the requester is behind its released log.
     */
    record EpochState(long view, Membership membership, boolean started, long commitNumber, CheckpointRef checkpoint,
                      long parentChain, List<LogEntry> entries, int from) implements Message {
        public EpochState {
            entries = List.copyOf(entries);
        }
    }

    /**
     * Tells the sender of a message of an earlier epoch (or a removed member's) the view and members of the
     * sender's epoch: the receiver catches up, or learns that it was removed.
     */
    record EpochNotice(long view, Membership membership, int from) implements Message {
    }

    /** A backup asks the primary for a read index for one batch of reads (DESIGN §3). */
    record ReadIndexRequest(long view, long batchId, int from) implements Message {
    }

    /** The primary's answer: once the backup has applied {@code readIndex}, the batch may be served locally. */
    record ReadIndexResponse(long view, long batchId, long readIndex, int from) implements Message {
    }
}
