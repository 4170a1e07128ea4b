package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * A Viewstamped Replication replica (VR Revisited, Liskov and Cowling 2012) as a pure state machine: requests,
 * messages, persistence callbacks and ticks come in; effects go out through the {@link Outbox}. It owns no thread,
 * clock, file or unseeded random source. Requests, the journal and the one status-change point
 * ({@link #transitionTo}) live here; each phase's handlers are in {@link NormalProtocol}, {@link ViewChangeProtocol},
 * {@link StateTransferProtocol} and {@link RecoveryProtocol}, reads in {@link ReadBarrier}, commits in
 * {@link Execution}, checkpoint transfer in {@link CheckpointTransfer}, phases in {@link ViewChange},
 * {@link StateTransfer} and {@link Recovery}, what learners send and take in {@link LearnerTraffic}.
 *
 * <p>Invariants: {@code log.startOp <= commitNumber <= opNumber}; {@code durableOp <= issuedOp <= opNumber}; ops
 * are committed in order without gaps; no entry failing its checksum is acknowledged, applied or sent; the status
 * matches the phase object that exists; {@code lastNormalView <= view}, equal in normal status; a learner
 * ({@link ReplicaConfiguration#learner}) is never primary and is in view-change status only to fetch a view's log.
 */
public final class Replica {

    /**
     * VR Revisited §4: a replica is normal, in a view change, or recovering; {@code REPAIRING} when restarted on a
     * disk with damaged log records, fetching them from peers before it starts ({@link RepairProtocol}).
     */
    public enum Status { NORMAL, VIEW_CHANGE, RECOVERING, REPAIRING }

    /** The last normal view persisted while recovery is under way: restarting from it means recovering again. */
    public static final long RECOVERING_MARK = -1;

    /**
     * The view persisted with {@link #RECOVERING_MARK} by a replica that was pristine when it recorded recovery: it
     * has voted in no view change and acknowledged no op since it had no state, so on restart it still answers a
     * pristine replica as pristine ({@link Recovery#answersAsPristine}) until it is normal in a view.
     */
    public static final long PRISTINE_RECOVERING_VIEW = -1;

    /** Changed only by {@link #adoptConfiguration}, when this replica enters a later epoch. */
    ReplicaConfiguration configuration;
    final ReplicaOptions options;
    final Outbox outbox;
    final RandomGenerator random;
    final Set<PlantedBug> bugs;
    final ReplicaLog log;
    final ClientTable clients;
    final ReadBarrier reads;
    final NormalProtocol normalProtocol;
    final ViewChangeProtocol viewChangeProtocol;
    final StateTransferProtocol stateTransferProtocol;
    final RecoveryProtocol recoveryProtocol;
    final RepairProtocol repairProtocol;
    final CheckpointTransfer transfers;
    final EpochProtocol epochs;
    private final List<LogEntry> pendingPersist = new ArrayList<>();
    private final List<LogEntry> pendingPrepare = new ArrayList<>();
    /** Changed only by {@link #transitionTo}. */
    private Status status = Status.NORMAL;
    /** Changed only by {@link #transitionTo}; never decreases. */
    private long view;
    private long lastNormalView;
    /**
     * The last normal view as recorded on disk ({@link #RECOVERING_MARK} while recovery is recorded); it reaches
     * {@code view} only once the view's log is durable.
     */
    private long durableLastNormalView;
    /** The op-number at which this replica entered its current normal view (the log it was given then). */
    private long viewStartOp;
    private long durableOp;
    private long issuedOp;
    private long ticks;
    /** Heartbeats and the view-change timeout. */
    final Heartbeats heartbeats = new Heartbeats(this);
    /** When this replica was last part of a working normal view ({@link #inQuorumContact}). */
    final QuorumContact contact;
    final IgnoredMessages ignored = new IgnoredMessages();
    final Execution execution;

    /** A one-replica group continuing after {@code startOp}, with the first server's behaviour (no dedup). */
    public Replica(ReplicaConfiguration configuration, Outbox outbox, long startOp) {
        this(configuration, ReplicaOptions.single(), outbox, new SplittableRandom(configuration.replicaIndex()),
                startOp, EnumSet.noneOf(PlantedBug.class));
        if (configuration.replicaCount() != 1) {
            throw new IllegalArgumentException("this constructor builds a one-replica group; pass options and a PRNG");
        }
    }

    /** A replica of a new group, starting in view 0 with an empty log. */
    public Replica(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox, RandomGenerator random) {
        this(configuration, options, outbox, random, 0, EnumSet.noneOf(PlantedBug.class));
    }

    Replica(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox, RandomGenerator random,
            long startOp, Set<PlantedBug> bugs) {
        if (startOp < 0) {
            throw new IllegalArgumentException("startOp must not be negative: " + startOp);
        }
        this.configuration = configuration;
        this.options = options;
        this.outbox = outbox;
        this.random = random;
        this.bugs = Set.copyOf(bugs);
        this.log = new ReplicaLog(startOp, 0);
        this.clients = new ClientTable(options.clientTableMax());
        this.reads = new ReadBarrier(this, options.readQueueMax(), random.nextLong());
        this.normalProtocol = new NormalProtocol(this);
        this.viewChangeProtocol = new ViewChangeProtocol(this);
        this.stateTransferProtocol = new StateTransferProtocol(this);
        this.recoveryProtocol = new RecoveryProtocol(this);
        this.repairProtocol = new RepairProtocol(this);
        this.transfers = new CheckpointTransfer(this);
        this.epochs = new EpochProtocol(this);
        this.contact = new QuorumContact(this);
        this.execution = new Execution(this, startOp);
        this.durableOp = startOp;
        this.issuedOp = startOp;
        heartbeats.resetTimeout();
    }

    /**
     * A replica restarting on its own disk. It rejoins without forgetting what it acknowledged: its log holds
     * every entry it made durable. Damaged records the disk could skip ({@link DurableState#holes}) and an unreadable
     * last write are resolved with the peers first ({@link RepairProtocol}, {@link TailRepair}); a disk that fails
     * its checks otherwise (a corrupt entry, a gap) is treated as lost and the replica recovers from its peers
     * (§4.3) instead of acknowledging or serving damaged entries.
     */
    public static Replica restart(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                                  RandomGenerator random, DurableState disk) {
        return ReplicaStarts.restart(configuration, options, outbox, random, disk, EnumSet.noneOf(PlantedBug.class));
    }

    /** A replica whose disk was lost: it votes in nothing and answers nothing until it has recovered (§4.3). */
    public static Replica recovering(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                                     RandomGenerator random) {
        return ReplicaStarts.recovering(configuration, options, outbox, random, EnumSet.noneOf(PlantedBug.class));
    }

    /**
     * A replica with no durable state at all (an empty data directory): new in a new group, or wiped after it
     * acknowledged ops; it cannot tell which. It behaves as a recovering replica (it votes in nothing,
     * acknowledges nothing, answers no client) and recovers from a normal primary as usual (§4.3), but its
     * Recovery says it is pristine, and it persists nothing until it takes state (recording recovery first, so a
     * crash then restarts it recovering) or starts the group. It starts the group, normal in view 0 with an empty
     * log and its view state persisted first, once every other replica (all of them, not a quorum) answered its
     * current nonce that it is pristine or holds no op. Pristine answers also count toward the f + 1 answers of
     * its recovery, naming no view. Why starting the group is safe is argued on {@link RecoveryProtocol}. A learner
     * with no state starts normal in view 0: a quorum never counted on anything it held; it catches up as a backup.
     */
    public static Replica pristine(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                                   RandomGenerator random) {
        return ReplicaStarts.pristine(configuration, options, outbox, random, EnumSet.noneOf(PlantedBug.class));
    }

    /** Whether this replica has persisted no view state yet (see {@link #pristine}). */
    public boolean isPristine() {
        return recoveryProtocol.phase() != null && recoveryProtocol.phase().pristine();
    }

    /**
     * A client operation arrives at this replica (§4.1 step 1). At the primary it is assigned the next op-number
     * and handed to {@link Outbox#persist} and to a Prepare when {@link #flush()} runs, so many requests form one
     * batch. A backup forwards it to the primary.
     *
     * @return the op-number assigned; 0 when forwarded, answered from the client table or already in progress;
     *     -1 when rejected (not in normal status, or the pipeline is at {@code pipelineOpMax})
     */
    public long onRequest(long clientId, long requestNumber, byte[] body) {
        return onRequest(clientId, requestNumber, Message.Request.NO_PREVIOUS, body);
    }

    /**
     * A client request that must follow the client's request {@code previousRequestNumber} ({@link
     * Message.Request#NO_PREVIOUS}: none). With deduplication on, the primary rejects it (-1) while that request is
     * neither executed nor in its log, so a driver may submit a client's requests one after another without waiting
     * for each to commit: if one is lost on the way, those after it are refused until it is offered again. A client
     * the primary knows nothing of (never seen, or evicted from the client table) is not checked.
     */
    public long onRequest(long clientId, long requestNumber, long previousRequestNumber, byte[] body) {
        long op = normalProtocol.onRequest(clientId, requestNumber, previousRequestNumber, body);
        afterEvent();
        return op;
    }

    /** The primary orders {@code entry}: appended, to be persisted and prepared with the batch. */
    void appendOrdered(LogEntry entry) {
        log.append(entry);
        pendingPersist.add(entry);
        pendingPrepare.add(entry);
        if (pendingPersist.size() >= configuration.batchOpMax()) {
            flush();
        }
    }

    /**
     * A linearizable read arrives. {@link Outbox#readReady} reports when it may be evaluated.
     *
     * @return false when rejected because the read queue is at its limit
     */
    public boolean onRead(long readId) {
        return reads.onRead(readId);
    }

    /** Emits the batch of entries and reads accepted since the last flush. The driver calls it once per duty cycle. */
    public void flush() {
        applyCommitted();
        issuePersists();
        if (epochs.leaving()) {
            afterEvent();
            return;
        }
        if (status == Status.NORMAL && isPrimary() && !pendingPrepare.isEmpty()) {
            List<LogEntry> batch = List.copyOf(pendingPrepare);
            pendingPrepare.clear();
            long parentChain = log.chain(batch.get(0).op() - 1);
            broadcast(new Message.Prepare(view, commitNumber(), parentChain, batch, releasableOp(), replicaIndex()));
        }
        if (status == Status.NORMAL) {
            reads.flush(isPrimary(), ticks);
        }
        announceCommit();
        afterEvent();
    }

    /** Hands the entries appended since the last flush to {@link Outbox#persist}. */
    private void issuePersists() {
        if (!pendingPersist.isEmpty()) {
            List<LogEntry> batch = List.copyOf(pendingPersist);
            pendingPersist.clear();
            issuedOp = batch.get(batch.size() - 1).op();
            outbox.persist(batch);
        }
    }

    /** Makes the log durable through {@code lastOpKept} and drops what follows it (see {@link #truncateLog}). */
    void makeDurableThrough(long lastOpKept) {
        issuePersists();
        truncateLog(lastOpKept);
    }

    /** Acts on what the event applied ({@link EpochProtocol#switchIfDue}), then checks the invariants. */
    private void afterEvent() {
        epochs.switchIfDue();
        checkInvariants();
    }

    /** This replica enters a later epoch with these members ({@link EpochProtocol}). */
    void adoptConfiguration(ReplicaConfiguration next) {
        check(next.epoch() > configuration.epoch() && next.replicaIndex() == configuration.replicaIndex(),
                "configuration " + next + " adopted after " + configuration);
        configuration = next;
    }

    /**
     * A primary tells the backups at once when its commit number moved and no Prepare or Commit carried it in this
     * flush, instead of waiting for the next heartbeat: backups then apply, answer the writes they forwarded and
     * serve reads waiting for their read index without a heartbeat's delay (VR Revisited §4.1 step 7).
     */
    private void announceCommit() {
        if (status == Status.NORMAL && isPrimary() && configuration.replicaCount() > 1
                && commitNumber() > heartbeats.announcedCommit()) {
            broadcast(new Message.Commit(view, commitNumber(), 0, releasableOp(), replicaIndex()));
        }
    }

    /** Entries up to {@code op} are durable (reports arrive in persist order). */
    public void onPersisted(long op) {
        if (op <= durableOp) {
            return;
        }
        if (op > opNumber() || op > issuedOp) {
            throw new IllegalStateException("persisted op " + op + " beyond op-number " + opNumber()
                    + " or issued op " + issuedOp);
        }
        durableOp = op;
        if (status == Status.RECOVERING) {
            recoveryProtocol.completeRecoveryIfDurable();
        } else if (status == Status.NORMAL) {
            makeNormalViewDurableIfHeld();
            if (isPrimary()) {
                normalProtocol.commitFromAcks();
            } else if (!bugs.contains(PlantedBug.ACK_BEFORE_PERSIST)) {
                normalProtocol.sendPrepareOk();
            }
        }
        afterEvent();
    }

    /** Time passes by one tick: heartbeats, retransmissions and timeouts (§4.1 step 7, §4.2). */
    public void onTick() {
        if (status == Status.REPAIRING) {
            // not started yet: its own ticks stay at 0 until the repair completes
            repairProtocol.onTick();
            checkInvariants();
            return;
        }
        ticks++;
        applyCommitted();
        transfers.onTick();
        if (epochs.leaving()) {
            epochs.onTickLeaving();
            afterEvent();
            return;
        }
        // reads held while out of contact go once contact is back, whatever brought it back
        reads.serveReady();
        switch (status) {
            case NORMAL -> normalProtocol.onTick();
            case VIEW_CHANGE -> viewChangeProtocol.onTick();
            case RECOVERING -> recoveryProtocol.onTick();
            case REPAIRING -> throw new IllegalStateException("repairing replica ticked as started");
        }
        afterEvent();
    }

    /** A message from another replica. */
    public void onMessage(Message message) {
        if (message.from() < 0 || message.from() >= ReplicaConfiguration.SLOTS || message.from() == replicaIndex()) {
            ignored.ignore(Ignored.BAD_SENDER);
            return;
        }
        if (!epochs.route(message)) {
            afterEvent();
            return;
        }
        if (!configuration.isMember(message.from()) && !(message instanceof Message.CheckpointRequest)
                && !(message instanceof Message.CheckpointChunk)) {
            // a non-member may fetch a checkpoint a catch-up across epochs offered, or offer one
            ignored.ignore(Ignored.BAD_SENDER);
            return;
        }
        if (!LearnerTraffic.taken(configuration, message)) {
            ignored.ignore(Ignored.LEARNER);
            return;
        }
        if (status == Status.REPAIRING) {
            repairProtocol.onMessageWhileRepairing(message);
            checkInvariants();
            return;
        }
        if (status == Status.RECOVERING && !(message instanceof Message.RecoveryResponse)
                && !(message instanceof Message.Recovery) && !(message instanceof Message.CheckpointChunk)
                && !(message instanceof Message.RepairRequest) && !(message instanceof Message.TailRequest)) {
            ignored.ignore(Ignored.RECOVERING);
            return;
        }
        switch (message) {
            case Message.Request m -> normalProtocol.onForwardedRequest(m);
            case Message.Prepare m -> normalProtocol.onPrepare(m);
            case Message.PrepareOk m -> normalProtocol.onPrepareOk(m);
            case Message.Commit m -> normalProtocol.onCommit(m);
            case Message.CommitOk m -> normalProtocol.onCommitOk(m);
            case Message.StartViewChange m -> viewChangeProtocol.onStartViewChange(m);
            case Message.DoViewChange m -> viewChangeProtocol.onDoViewChange(m);
            case Message.StartView m -> viewChangeProtocol.onStartView(m);
            case Message.Recovery m -> recoveryProtocol.onRecovery(m);
            case Message.RecoveryResponse m -> recoveryProtocol.onRecoveryResponse(m);
            case Message.GetState m -> stateTransferProtocol.onGetState(m);
            case Message.NewState m -> stateTransferProtocol.onNewState(m);
            case Message.CheckpointRequest m -> transfers.onRequest(m);
            case Message.CheckpointChunk m -> stateTransferProtocol.onCheckpointChunk(m);
            case Message.ReadIndexRequest m -> normalProtocol.onReadIndexRequest(m);
            case Message.ReadIndexResponse m -> normalProtocol.onReadIndexResponse(m);
            case Message.RepairRequest m -> repairProtocol.onRequest(m);
            case Message.RepairResponse m -> ignored.ignore(Ignored.UNWANTED);
            case Message.TailRequest m -> repairProtocol.onTailRequest(m);
            case Message.TailResponse m -> ignored.ignore(Ignored.UNWANTED);
            case Message.EpochRequest m -> throw new IllegalStateException("epoch message not routed: " + m);
            case Message.EpochState m -> throw new IllegalStateException("epoch message not routed: " + m);
            case Message.EpochNotice m -> throw new IllegalStateException("epoch message not routed: " + m);
        }
        afterEvent();
    }

    /**
     * The last normal view goes to disk only once the log this replica was given on entering the view is durable:
     * a replica that records view v as its last normal view must hold v's starting log, which contains every op
     * committed before v (§4.2 log choice depends on it). Until then it acknowledges nothing in the view.
     */
    void makeNormalViewDurableIfHeld() {
        if (status == Status.NORMAL && durableLastNormalView != view && durableOp >= viewStartOp) {
            durableLastNormalView = view;
            persistViewState();
        }
    }

    /**
     * The one place status and view change (VR Revisited §4, §4.2, §4.3). A view never decreases. Normal status
     * follows a view change or recovery in the same view or a newer one, and normal status only in a newer view; a
     * view change is always to a newer view, from normal status or an older view change; recovery only begins a
     * replica's life (normal in view 0, holding nothing, before its first tick), and nothing but normal status
     * follows it. Entering a status drops the phases of the others, and creates the view-change phase (the
     * recovery phase is created by its caller, which knows whether the replica is pristine).
     *
     * @throws IllegalStateException on any other transition: a programmer error, which stops the replica
     */
    void transitionTo(Status next, long nextView) {
        if (!transitionAllowed(next, nextView)) {
            throw new IllegalStateException("illegal transition of " + this + " to " + next + " in view " + nextView);
        }
        status = next;
        view = nextView;
        pendingPrepare.clear();
        switch (next) {
            case NORMAL -> {
                lastNormalView = nextView;
                viewStartOp = opNumber();
                viewChangeProtocol.end();
                recoveryProtocol.end();
            }
            case VIEW_CHANGE -> {
                viewChangeProtocol.begin(nextView);
                stateTransferProtocol.end();
                recoveryProtocol.stopAwaitingStartedBackups();
            }
            case RECOVERING -> {
                viewChangeProtocol.end();
                stateTransferProtocol.end();
                recoveryProtocol.end();
            }
            case REPAIRING -> { } // entered only at start, before any other phase began
        }
    }

    private boolean transitionAllowed(Status next, long nextView) {
        if (nextView < view) {
            return false;
        }
        return switch (next) {
            case NORMAL -> status != Status.NORMAL || nextView > view;
            case VIEW_CHANGE -> status != Status.RECOVERING && nextView > view;
            case RECOVERING, REPAIRING -> status == Status.NORMAL && view == 0 && nextView == 0 && ticks == 0
                    && opNumber() == 0 && recoveryProtocol.phase() == null && !repairProtocol.active();
        };
    }

    /** The one place a replica enters normal status; the view state is durable before it acts in the view. */
    void transitionToNormal(long newView) {
        transitionTo(Status.NORMAL, newView);
        persistViewState();
        makeNormalViewDurableIfHeld();
        contact.onNormalEntered();
        reads.onViewChange();
        reads.onNormal(isPrimary(), ticks);
        heartbeats.resetTimeout();
    }

    boolean normalViewDurable() {
        return status == Status.NORMAL && durableLastNormalView == view;
    }

    void persistViewState() {
        outbox.persistViewState(view, durableLastNormalView);
    }

    /**
     * Whether this replica was part of a working normal view (as a backup that heard its primary, or a primary
     * that heard a quorum) within the last {@link #cutOffTicks()} ticks. A replica that is not cannot tell whether
     * the rest of the group moved on without it (a newer view, sessions expired there), so its frontend sends
     * clients away instead of keeping them. A one-replica group is its own quorum whenever it is normal.
     */
    public boolean inQuorumContact() {
        if (epochs.leaving()) {
            return false;
        }
        if (configuration.replicaCount() == 1) {
            return status == Status.NORMAL;
        }
        return contact.ticksSince() < cutOffTicks();
    }

    /** Ticks without quorum contact after which a replica counts as cut off: the longest view-change timeout. */
    public long cutOffTicks() {
        return 2L * options.viewChangeTimeoutTicks();
    }

    /** Ticks since this replica last knew itself part of a working normal view (see {@link #inQuorumContact}). */
    public long ticksSinceQuorumContact() {
        return contact.ticksSince();
    }

    /** What the repair at restart is doing, while repairing, or did ({@link RepairProtocol}); null when none ran. */
    public String repairSummary() {
        return repairProtocol.summary();
    }

    /** How many messages this replica ignored, by reason, since it started. */
    public java.util.Map<Ignored, Long> ignoredCounts() {
        return ignored.counts();
    }

    /** §4.1 step 5 and §4.2: ops up to {@code op} are committed; applied in bounded batches ({@link Execution}). */
    void commitUpTo(long op) {
        execution.commitUpTo(op);
    }

    void applyCommitted() {
        execution.applyCommitted();
    }

    void releaseLog() {
        execution.releaseLog();
    }

    /** The highest op this replica knows committed (applied up to {@link #commitNumber()}). */
    public long commitTarget() {
        return execution.commitTarget();
    }

    /** Whether committed ops wait to be applied: the driver runs its next cycle at once rather than waiting. */
    public boolean applyPending() {
        return commitNumber() < commitTarget();
    }

    /**
     * Takes a checkpoint at the current commit number now, beside the op-count rule: the driver asks when its log
     * grows too large or too old, an operator when they want one. Refused (false) outside normal status, before
     * anything was committed, while one is being saved, or when the latest is already at the commit number.
     */
    public boolean requestCheckpoint() {
        if (status != Status.NORMAL || commitNumber() == 0 || execution.saving()
                || (latestCheckpoint() != null && latestCheckpoint().op() >= commitNumber())) {
            return false;
        }
        execution.takeCheckpoint();
        releaseLog();
        return execution.saving() || latestCheckpoint() != null && latestCheckpoint().op() == commitNumber();
    }

    /** The driver's save of the checkpoint at {@code op} ({@link Outbox#SAVING}) ended: durable, or failed. */
    public void onCheckpointSaved(long op, boolean durable) {
        execution.checkpointSaved(op, durable);
    }

    /**
     * Durably drops entries after {@code lastOpKept}. The truncate completes earlier persists first, so whatever
     * was issued up to {@code lastOpKept} is durable afterwards.
     */
    void truncateLog(long lastOpKept) {
        if (lastOpKept < commitTarget()) {
            throw new IllegalStateException("truncate below commit " + commitTarget() + " (applied " + commitNumber()
                    + "): " + lastOpKept);
        }
        log.truncateAfter(lastOpKept);
        pendingPersist.removeIf(entry -> entry.op() > lastOpKept);
        pendingPrepare.removeIf(entry -> entry.op() > lastOpKept);
        outbox.truncate(lastOpKept);
        issuedOp = Math.min(issuedOp, lastOpKept);
        durableOp = issuedOp;
        if (!pendingPersist.isEmpty()) {
            durableOp = Math.min(durableOp, pendingPersist.get(0).op() - 1);
        }
    }

    /** Appends an entry that extends the log (received, not assigned here) and queues it for persistence. */
    void appendReceived(LogEntry entry) {
        log.append(entry);
        pendingPersist.add(entry);
    }

    void send(int replicaIndex, Message message) {
        if (replicaIndex != replicaIndex()) {
            outbox.send(replicaIndex, message);
        }
    }

    void broadcast(Message message) {
        heartbeats.onBroadcast(message);
        IntStream.concat(IntStream.of(configuration.voters()), LearnerTraffic.sentToLearners(message)
                ? IntStream.of(configuration.learners()) : IntStream.empty()).forEach(member -> send(member, message));
    }

    /**
     * An operator asks for a view change (§4.2 step 1, started by request instead of by a timeout). A backup starts
     * one as if the primary had gone quiet; the primary steps down by starting the change to the next view, whose
     * primary is the next replica. Safety does not depend on who starts a view change, only on the quorums that
     * complete it. Refused (false) outside normal status, in a one-replica group, which has no other primary, and at
     * a learner, which votes in no view change.
     */
    public boolean requestViewChange() {
        boolean started = viewChangeProtocol.startRequested();
        checkInvariants();
        return started;
    }

    /** The snapshot {@link Outbox#checkpointForTransfer} was not ready to give: offered if still the latest. */
    public void onTransferImageReady(Checkpoint whole) {
        transfers.onImageReady(whole);
        checkInvariants();
    }

    /**
     * The driver lost its connection to replica {@code index}: a backup whose primary that is stops waiting out the
     * whole view-change timeout. Unless it hears from the primary within a heartbeat interval and a tick, it starts
     * a view change then (§4.2); a connection can drop while its process lives on. Any message from the primary
     * cancels the suspicion, as it resets the timeout; only liveness depends on it, never safety.
     */
    public void onPeerUnreachable(int index) {
        if (status != Status.NORMAL || isPrimary() || index != primaryIndex()) {
            return;
        }
        heartbeats.suspectPrimary();
        checkInvariants();
    }

    /**
     * The driver's attempt to open a connection to replica {@code index} was refused: nothing listens at its
     * address, the process is gone. A backup whose primary that is starts a view change now; a learner waits to
     * hear the next primary.
     */
    public void onPeerRefused(int index) {
        viewChangeProtocol.onPeerRefused(index);
        checkInvariants();
    }

    /** Whether a reconfiguration left this replica out: it serves nothing, waiting to be removed. */
    public boolean isLeaving() {
        return epochs.leaving();
    }

    /** Whether a reconfiguration is ordered here and not applied yet: no request is taken meanwhile. */
    public boolean reconfigurationUnderWay() {
        return epochs.reconfigurationOrdered();
    }

    /** Whether this replica was removed from the group: its driver stops it ({@link Outbox#persistMembership}). */
    public boolean isRemoved() {
        return epochs.removed();
    }

    /** The group this replica belongs to: its voters and learners, and whether it is a learner itself. */
    public ReplicaConfiguration configuration() {
        return configuration;
    }

    /** At the primary: the highest op replica {@code index} acknowledged durable in this view (§4.1 step 5), or 0. */
    public long ackedOp(int index) {
        return normalProtocol.ackedOp(index);
    }

    /** At the normal primary: other members (learners, or voters) heard within {@link #cutOffTicks()}; else -1. */
    public int membersHeard(boolean learners) {
        return status == Status.NORMAL && isPrimary() ? normalProtocol.membersHeard(learners, cutOffTicks()) : -1;
    }

    long ticks() {
        return ticks;
    }

    long issuedOp() {
        return issuedOp;
    }

    long releasableOp() {
        return execution.releasableOp();
    }

    /** Entries appended and not yet handed to {@link Outbox#persist}. */
    boolean persistPending() {
        return !pendingPersist.isEmpty();
    }

    /**
     * Durably records that recovery is under way ({@link #RECOVERING_MARK}, with {@code markedView} as the view), and
     * says so in {@code durableLastNormalView}, which is what the disk holds.
     */
    void recordRecoveryMark(long markedView) {
        Replica.check(status == Status.RECOVERING || ticks == 0, "recovery recorded by a started replica");
        outbox.persistViewState(markedView, RECOVERING_MARK);
        durableLastNormalView = RECOVERING_MARK;
    }

    /** Replaces state and log by {@code state} (committed); {@code latest} (null: none) is the latest checkpoint. */
    void resetTo(Checkpoint state, Checkpoint latest) {
        log.resetTo(state.op(), state.chain());
        clients.restore(state.clients());
        durableOp = state.op();
        issuedOp = state.op();
        pendingPersist.clear();
        pendingPrepare.clear();
        execution.restart(state.op(), state.op(), latest);
        execution.restartMembers(state.op(), state.membership());
    }

    /** A restarting replica loaded its log from disk ({@link RecoveryProtocol#loadDisk}): all of it is durable. */
    void loadedFromDisk() {
        check(ticks == 0 && pendingPersist.isEmpty(), "disk loaded into a started replica");
        durableOp = opNumber();
        issuedOp = opNumber();
    }

    /** The last normal view a restarting replica finds on its disk, before it takes a status from it. */
    void restoreLastNormalView(long diskLastNormalView) {
        check(ticks == 0 && status == Status.NORMAL && view == 0, "view state restored into a started replica");
        lastNormalView = diskLastNormalView;
        durableLastNormalView = diskLastNormalView;
    }

    public long view() {
        return view;
    }

    public long lastNormalView() {
        return lastNormalView;
    }

    public long opNumber() {
        return log.lastOp();
    }

    public long commitNumber() {
        return execution.commitNumber();
    }

    public long durableOp() {
        return durableOp;
    }

    public Status status() {
        return status;
    }

    /** The first op still held in memory; ops at or below {@code logStartOp()} were released. */
    public long logStartOp() {
        return log.startOp();
    }

    /** The entry at {@code op} if this replica holds it, else null. */
    public LogEntry entry(long op) {
        return log.holds(op) ? log.entry(op) : null;
    }

    public Checkpoint latestCheckpoint() {
        return execution.checkpoint();
    }

    /** The hash chain at {@code op} (a driver stores it beside each entry): for ops in the log and the one before. */
    public long chainAt(long op) {
        return log.chain(op);
    }

    public int replicaIndex() {
        return configuration.replicaIndex();
    }

    int quorum() {
        return configuration.quorum();
    }

    /** The index of the primary of the current view. */
    public int primaryIndex() {
        return primaryOf(view);
    }

    /** The primary of {@code someView}: configuration[view mod n] (§4), as {@link ReplicaConfiguration} says. */
    public int primaryOf(long someView) {
        return configuration.primaryOf(someView);
    }

    /** Whether this replica is the primary of its view: configuration[view mod n] (§4). */
    public boolean isPrimary() {
        return configuration.replicaIndex() == primaryIndex();
    }

    /** The whole-replica invariants ({@link ReplicaInvariants}); the simulator runs them after every event. */
    public void checkInvariants() {
        ReplicaInvariants.check(this);
        if (durableLastNormalView > lastNormalView) {
            throw violated("durable last normal view " + durableLastNormalView + " after last normal view "
                    + lastNormalView);
        }
        if (!pendingPersist.isEmpty() && pendingPersist.get(0).op() != issuedOp + 1) {
            throw violated("pending persist does not follow issued op " + issuedOp);
        }
        if (!pendingPrepare.isEmpty() && !isPrimary()) {
            throw violated("prepare batch at a backup");
        }
    }

    static IllegalStateException violated(String message) {
        return new IllegalStateException("invariant violated: " + message);
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw violated(message);
        }
    }

    @Override
    public String toString() {
        return "[r" + replicaIndex() + " v" + Membership.viewName(view) + " "
                + status.name().toLowerCase(java.util.Locale.ROOT) + " op"
                + opNumber() + " c" + commitNumber() + "]";
    }
}
