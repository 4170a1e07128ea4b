package io.viewkeeper.server;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.CheckpointRef;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.HeldPart;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.Reconfiguration;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.ClientInput;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.ReplicaInbox;
import io.viewkeeper.frontend.WritePath;
import io.viewkeeper.server.disk.LogWriter;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.server.metrics.RecentActivity;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.server.replay.InputLog;
import io.viewkeeper.server.replay.ReplicaStart;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import io.viewkeeper.storage.checkpoint.CheckpointSnapshot;
import io.viewkeeper.storage.checkpoint.CorruptCheckpointException;
import io.viewkeeper.storage.wal.WalRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica thread: the one thread that owns the {@link Replica}, the state machine and the frontend core.
 * Its duty cycle reads the injected clock once for its work (and once more to size its sleep), drains the bounded queue of {@link Input}s fed by the I/O threads
 * (client input, peer messages, log syncs, admin queries), ticks the replica, the frontend and the reaper when due
 * ({@link CycleTimers}), and flushes the replica's effects: entries to persist (held in memory until the
 * write-ahead log exists, so durable when handed over), messages to peers, commits to apply. Everything on this
 * thread takes the time from that one reading ({@link #now}). I/O threads only offer to the queue
 * ({@link ReplicaInbox}): a full queue makes a client connection hold its input and stop reading until
 * {@link #whenRoom} calls it back, and drops a peer's input, never blocking the thread. Inputs are counted by kind.
 * Fail-stop: any exception on this thread stops the replica before the cycle flushes, and the node with it
 * ({@link FailStop}).
 */
final class ReplicaLoop implements WritePath, Outbox, ReplicaInbox, Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLoop.class);
    private static final int INPUTS_PER_CYCLE_MAX = 4096;
    private static final int FLUSH_ROUNDS_MAX = 64;
    /** The commit hint is rewritten at most this often. */
    private static final long COMMIT_HINT_MS = 1000;

    private final ReplicaInputs inputs = new ReplicaInputs();
    private final LongSupplier clock;
    /** The clock as this cycle read it; any thread may read it (the frontend's clock, figures). */
    private volatile long cycleNow;
    private final long replicaTickMs;
    private final long frontendTickMs;
    private final long reaperMs;
    private final FailStop failStop;
    private final int replicaCount;
    private final boolean linearizableReads;
    private Replica replica;
    /** The consensus core's inputs, written for an offline replay (debug.inputLog); a no-op when off. */
    private InputLog inputLog = InputLog.off();
    private FrontendCore core;
    private PeerTransport transport;
    private ReplicaDisk disk;
    private LogWriter writer;
    private DiskSettings diskSettings;
    private long reportedPersistedOp;
    private long checkpointOp;
    private long checkpointAtMs;
    private long logBytesSinceCheckpoint;
    private long commitHintWritten;
    private long commitHintAtMs;
    /**
     * zxid minus op-number: 0 in a group that started empty, and it only grows, when a restore or an import moves
     * the state's zxids up to a ZooKeeper ensemble's. Follows from the state (its last zxid against the op it is
     * at), so every replica has the same one at the same op, and a restart finds it again from its checkpoint.
     */
    private long zxidOffset;
    private long decodedOp = -1;
    private Txn decodedTxn;
    private Replica.Status lastStatus;
    private boolean repairReported; // the outcome of the repair of damaged records at start was logged
    private long lastView = -1;
    private long lastNormalView = -1; // last seen normal in: entering a newer one re-offers pending writes
    /** The group's members and the reconfigurations this node proposed ({@link MembersChange}). */
    private MembersChange membersChange;
    /** Builds the whole snapshot a peer fetches off this thread ({@link TransferBuilder}). */
    private final TransferBuilder transferBuilder = new TransferBuilder(this::execute);
    /** The last minutes of requests and events; any thread may read it. */
    RecentActivity activity() {
        return activity;
    }

    private final CheckpointSaver saver = new CheckpointSaver(this::execute);
    private volatile boolean running = true;
    private Thread thread;
    /** The last minutes of requests and events, for the console. */
    private final RecentActivity activity = new RecentActivity(System::currentTimeMillis);

    ReplicaLoop(long replicaTickMs, long frontendTickMs, long reaperMs, int replicaCount, boolean linearizableReads,
            FailStop failStop, LongSupplier clock) {
        this.clock = clock;
        this.cycleNow = clock.getAsLong();
        this.replicaTickMs = replicaTickMs;
        this.frontendTickMs = frontendTickMs;
        this.reaperMs = reaperMs;
        this.failStop = failStop;
        this.replicaCount = replicaCount;
        this.linearizableReads = linearizableReads;
    }

    /**
     * Builds the replica with this loop as its outbox and starts the thread; entries, view state and checkpoints
     * go to {@code replicaDisk}, the log through a group-commit writer thread.
     */
    void start(ReplicaStart replicaStart, FrontendCore frontendCore, PeerTransport peers,
            ReplicaDisk replicaDisk, DiskSettings settings, LogWriter.SyncListener syncListener,
            MembersChange members) {
        this.membersChange = members;
        this.disk = replicaDisk;
        this.diskSettings = settings;
        this.writer = new LogWriter(replicaDisk.wal(), () -> inputs.offer(new Input.LogSynced()), syncListener);
        this.core = frontendCore;
        this.transport = peers;
        Checkpoint stored = replicaDisk.start().durable() == null ? null
                : replicaDisk.start().durable().checkpoint();
        this.checkpointOp = stored == null ? 0 : stored.op();
        this.zxidOffset = stored == null ? 0 : frontendCore.stateMachine().lastZxid() - stored.op();
        this.checkpointAtMs = cycleNow;
        if (settings.inputLog() != null) {
            ZnodeStateMachine machine = frontendCore.stateMachine();
            try {
                inputLog = InputLog.open(settings.inputLog(), replicaStart, TreeSnapshot.write(machine),
                        machine.extendedTypesEnabled(), machine.enforceQuota());
                log.info("writing the consensus core's inputs to {} (debug.inputLog)", settings.inputLog());
            } catch (IOException e) {
                log.error("the input log {} cannot be opened ({}); the replica runs without it",
                        settings.inputLog(), e.toString());
            }
        }
        this.replica = replicaStart.create(this);
        // A replica recovering from damage starts below what the log holds; those entries are never reported.
        this.reportedPersistedOp = Math.max(replica.durableOp(), writer.durableOp());
        thread = new Thread(this, "replica-loop");
        thread.start();
    }

    /** The time as the replica thread's current cycle read it: the clock of everything on that thread. */
    long now() {
        return cycleNow;
    }

    /**
     * Queues an input, in the order given; blocks while the queue is full. Never from an I/O thread: they offer
     * ({@link #offer}, {@link #offerFromPeer}) and wait for room without blocking.
     */
    void execute(Input input) {
        if (!running) {
            return;
        }
        try {
            inputs.put(input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Offers a client connection's input without blocking; false when the queue is three quarters full or the loop
     * stopped. The last quarter is kept for peers ({@link #offerFromPeer}), so that a flood of client input never
     * crowds out the heartbeats and prepares that keep the group in its view.
     */
    @Override
    public boolean offer(ClientInput input) {
        return offerLimited(new Input.Client(input));
    }

    /** Offers an admin query or command, with the same limit as client input. */
    boolean offerAdmin(String what, Runnable job) {
        return offerLimited(new Input.Admin(what, job));
    }

    private boolean offerLimited(Input input) {
        return running && inputs.offerLimited(input);
    }

    /** Called back on {@code executor} once the queue is at most half full (checked every duty cycle). */
    @Override
    public void whenRoom(java.util.concurrent.Executor executor, Runnable retry) {
        inputs.whenRoom(executor, retry);
    }

    /** A peer's input, offered without blocking: with the queue full it is dropped and counted, as a lost message. */
    void offerFromPeer(Input input) {
        long dropped = running ? inputs.offerFromPeer(input) : 0;
        if (dropped > 0 && Long.bitCount(dropped) == 1) {
            log.warn("{} the replica thread's queue is full: {} peer inputs dropped so far", prefix(), dropped);
        }
    }

    ReplicaInputs.Figures queueFigures() {
        return inputs.figures();
    }

    /** Inputs consumed since start, by kind; any thread. */
    long consumed(Input.Kind kind) {
        return inputs.consumedCount(kind);
    }

    /**
     * The thread root. Any exception or error from a task, a tick or a flush is a broken promise about the replica's
     * state (a failed invariant, a bug in apply, a disk step that failed): the replica stops at once, before the
     * cycle flushes anything it wrote, and the node is stopped through {@link FailStop}. Restarting from disk, or
     * recovering from the peers, is the repair; going on half-mutated is never an option.
     */
    @Override
    public void run() {
        long now = clock.getAsLong();
        CycleTimers timers = new CycleTimers(now, replicaTickMs, frontendTickMs, reaperMs);
        try {
            while (running) {
                // committed ops still to apply: look at the inputs and go on at once rather than wait for them
                // the sleep is measured from the time now, not the cycle's reading: a long cycle must not delay
                // the next tick by its own length
                // and a whole checkpoint's copy of the tree under way takes its next slice as soon as it can
                long wait = replica.applyPending() || saver.copying() ? 0 : timers.waitMs(clock.getAsLong());
                Input first = inputs.poll(wait);
                // the one clock reading of this cycle: every input, tick and flush below takes its time from it
                now = clock.getAsLong();
                cycleNow = now;
                if (first != null) {
                    handle(first);
                    drainInputs();
                }
                inputs.wakeRoomWaiters();
                if (timers.due(CycleTimers.Timer.REPLICA_TICK, now)) {
                    inputLog.tick();
                    replica.onTick();
                }
                if (timers.due(CycleTimers.Timer.FRONTEND_TICK, now)) {
                    frontendTick();
                }
                if (timers.due(CycleTimers.Timer.REAPER, now)) {
                    core.onReaperTick();
                }
                logStatusChange();
                saver.advance(); // between ops: every input of this cycle is applied
                flushReplica();
                flushWrites();
                inputLog.endCycle();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            if (!running) {
                // the node is closing: a disk step cut short by the interrupt is its doing, not a failure
                log.info("{} stopped while closing: {}", prefix(), e.toString());
                return;
            }
            failStop(e);
        }
    }

    /** Stops this replica for good after {@code cause}: one line with its state, then the node's fail-stop. */
    private void failStop(Throwable cause) {
        running = false;
        boolean disk = cause instanceof DiskFailure;
        String state = replica == null ? "no replica" : "status " + replica.status() + ", view " + replica.view()
                + ", op " + replica.opNumber() + ", commit " + replica.commitNumber() + ", checkpoint "
                + (replica.latestCheckpoint() == null ? "none" : "op " + replica.latestCheckpoint().op());
        log.error("{} stops: {} ({}); nothing more is applied, acknowledged or sent", prefix(),
                disk ? cause.getMessage() : cause.toString(), state, cause);
        failStop.stopped(disk ? FailStop.EXIT_DISK : FailStop.EXIT_BROKEN_INVARIANT, cause);
    }

    private void drainInputs() {
        for (int i = 0; i < INPUTS_PER_CYCLE_MAX; i++) {
            Input next = inputs.poll();
            if (next == null) {
                return;
            }
            handle(next);
        }
    }

    /** The duty cycle's one door for inputs: each kind goes where it belongs. */
    private void handle(Input input) {
        inputs.consumed(input.kind());
        switch (input) {
            case Input.Client client -> client.input().deliverTo(core);
            case Input.PeerMessage peer -> {
                inputLog.message(peer.message());
                replica.onMessage(peer.message());
            }
            case Input.SessionTouches touches -> core.onSessionTouches(touches.sessionIds());
            case Input.PeerLost lost -> {
                inputLog.peerUnreachable(lost.index());
                replica.onPeerUnreachable(lost.index());
            }
            case Input.PeerRefused refused -> {
                inputLog.peerRefused(refused.index());
                replica.onPeerRefused(refused.index());
            }
            case Input.LogSynced synced -> {
                // the flush at the end of this cycle reads how far the log is durable
            }
            case Input.TransferImageReady ready -> {
                transferBuilder.done();
                if (ready.image() != null) {
                    inputLog.transferImage(ready.image());
                    replica.onTransferImageReady(ready.image());
                }
            }
            case Input.CheckpointSaved saved -> onCheckpointSaved(saved);
            case Input.Admin admin -> admin.job().run();
        }
    }

    /**
     * The commit this replica knows, for its next start ({@link ReplicaDisk#writeCommitHint}): at most once a
     * second, when it moved, so a busy replica thread pays one small write a second, not one per tick. A failure
     * to write it costs nothing but the hint, so it is logged and retried.
     */
    private void writeCommitHint() {
        // at most the durable op, so that the log read back after a crash holds the op the hint names
        long known = Math.min(replica.commitTarget(), replica.durableOp());
        long now = cycleNow;
        if (known <= commitHintWritten || known < replica.logStartOp() || now - commitHintAtMs < COMMIT_HINT_MS) {
            return;
        }
        try {
            disk.writeCommitHint(known, replica.chainAt(known));
            commitHintWritten = known;
            commitHintAtMs = now;
        } catch (IOException e) {
            log.warn("{} cannot write the commit hint: {}", prefix(), e.toString());
        }
    }

    private void frontendTick() {
        core.onTick();
        writeCommitHint();
        checkpointIfDue();
        if (transport != null && !isPrimary()) {
            long[] touched = core.takeTouchedSessions();
            if (touched.length > 0) {
                transport.sendSessionTouches(primaryIndex(), touched);
            }
        }
    }

    /** Sends what this cycle wrote to peers and clients, one flush per channel. */
    private void flushWrites() {
        if (transport != null) {
            transport.flushWrites();
        }
        if (core != null) {
            core.flushWrites();
        }
    }

    /**
     * Hands the batch to persistence and reports it durable, repeating while commits submit further writes (a
     * one-replica group commits on persist, so a commit can order the next write within the same cycle).
     */
    private void flushReplica() {
        for (int round = 0; round < FLUSH_ROUNDS_MAX; round++) {
            long opBefore = replica.opNumber();
            inputLog.flush();
            replica.flush();
            long durable = writer.durableOp();
            if (durable > reportedPersistedOp) {
                reportedPersistedOp = durable;
                inputLog.persisted(durable);
                replica.onPersisted(durable);
            }
            if (replica.opNumber() == opBefore) {
                return;
            }
        }
    }

    /**
     * Runs every cycle: logs a new status or view (the role follows from the view), and on entering normal status
     * in a view newer than the last normal one has the frontend offer its pending writes again.
     */
    private void logStatusChange() {
        if (replica.isRemoved()) {
            // a reconfiguration left it out and a majority of the next voters started their epoch
            running = false;
            log.warn("{} was removed from the group (the members of epoch {} leave it out): it stops", prefix(),
                    membersChange.members().epoch());
            failStop.stopped(FailStop.EXIT_REMOVED, new IllegalStateException("removed from the group"));
            return;
        }
        Replica.Status status = replica.status();
        long view = replica.view();
        if (status == lastStatus && view == lastView) {
            return;
        }
        lastStatus = status;
        lastView = view;
        if (replica.status() != Replica.Status.REPAIRING && replica.repairSummary() != null && !repairReported) {
            repairReported = true;
            log.warn("{} damaged log records at start: {}", prefix(), replica.repairSummary());
            activity.event("repair", replica.repairSummary());
        }
        log.info("{} now {} v{} {}", prefix(), status, io.viewkeeper.consensus.Membership.viewName(view),
                isPrimary() ? "primary" : "backup");
        activity.event("status", status.name().toLowerCase(java.util.Locale.ROOT) + " in view " + view + " as "
                + (isPrimary() ? "primary" : "backup"));
        if (status == Replica.Status.NORMAL && view != lastNormalView) {
            lastNormalView = view;
            core.onViewEntered();
        }
    }

    private String prefix() {
        return replica == null ? "[replica]" : "[r" + replica.replicaIndex() + " v"
                + io.viewkeeper.consensus.Membership.viewName(replica.view()) + " "
                + replica.status().name().toLowerCase(java.util.Locale.ROOT) + "]";
    }

    private int primaryIndex() {
        return replica.primaryIndex();
    }

    // ---- WritePath: what the frontend asks of the replica ----

    @Override
    public long submit(Txn txn, long clientId, long requestNumber, long previousRequestNumber) {
        return submit(clientId, requestNumber, previousRequestNumber, txn.op() instanceof Operation.Reconfig
                reconfig ? membersChange.requestBody(txn, reconfig) : OperationCodec.encode(txn));
    }

    private long submit(long clientId, long requestNumber, long previousRequestNumber, byte[] body) {
        inputLog.request(clientId, requestNumber, previousRequestNumber, body);
        return replica.onRequest(clientId, requestNumber, previousRequestNumber, body);
    }

    @Override
    public boolean needsBarrier(boolean sync) {
        return replicaCount > 1 && (sync || linearizableReads);
    }

    @Override
    public boolean read(long readId) {
        inputLog.read(readId);
        return replica.onRead(readId);
    }

    /** Cut off out of contact longer than a view change takes ({@link Replica#inQuorumContact}); else by status. */
    @Override
    public Standing standing() {
        if (!replica.inQuorumContact()) {
            return Standing.CUT_OFF;
        }
        return replica.status() == Replica.Status.NORMAL ? Standing.SERVING : Standing.WAITING;
    }

    @Override
    public boolean isPrimary() {
        return replica.isPrimary() && replica.status() == Replica.Status.NORMAL;
    }

    /** ZooKeeper's names for the role: standalone for one node, leader, follower and observer in a group. */
    @Override
    public String role() {
        if (replicaCount == 1) {
            return "standalone";
        }
        if (replica.configuration().learner()) {
            return "observer";
        }
        return isPrimary() ? "leader" : "follower";
    }

    @Override
    public ReplicaFigures figures() {
        int followers = replica.membersHeard(false);
        return new ReplicaFigures(replica.status().name().toLowerCase(java.util.Locale.ROOT), replica.view(),
                replica.opNumber(), replica.commitNumber(), replica.configuration().replicaCount(),
                followers < 0 ? -1 : replica.configuration().memberCount() - 1, followers, replica.membersHeard(true));
    }

    Replica replica() {
        return replica;
    }

    /** On this thread: the state machine's digest. */
    long stateDigest() {
        return core.stateMachine().tree().digest();
    }

    // ---- Outbox: what the replica asks of the world ----

    /** Hands the batch to the log writer, each entry with its hash chain; it reports them durable when synced. */
    @Override
    public void persist(List<LogEntry> entries) {
        List<WalRecord> records = new ArrayList<>(entries.size());
        for (LogEntry e : entries) {
            records.add(new WalRecord(e.op(), e.view(), e.clientId(), e.requestNumber(), e.checksum(),
                    replica.chainAt(e.op()), e.body()));
            logBytesSinceCheckpoint += e.body().length;
        }
        writer.append(records);
    }

    @Override
    public void commit(LogEntry entry) {
        inputLog.commitBegin(entry.op());
        core.onCommitted(entry.op() + zxidOffset, decode(entry), entry.clientId(), entry.requestNumber());
        long offset = core.stateMachine().lastZxid() - entry.op();
        if (offset < zxidOffset) {
            throw new IllegalStateException("zxids went back: op " + entry.op() + " leaves the state at zxid 0x"
                    + Long.toHexString(core.stateMachine().lastZxid()) + ", offset " + offset + " below " + zxidOffset);
        }
        zxidOffset = offset;
        inputLog.commitEnd(entry.op(), core.stateMachine().tree().digest(), core.stateMachine().lastZxid());
        if (Reconfiguration.is(entry)) {
            membersChange.applied(entry, core.stateMachine().lastZxid());
        }
    }

    /** Replica thread: proposes {@code next} as the members ({@link MembersChange#propose}). */
    void proposeMembers(GroupMembers next, java.util.function.Consumer<MembersChange.Outcome> done) {
        membersChange.propose(next, cycleNow, (client, number, body) -> submit(client, number,
                Message.Request.NO_PREVIOUS, body), replica::reconfigurationUnderWay, done);
    }

    MembersChange membersChange() { return membersChange; }

    /** Asked of the entry just committed: served from the one decode of that entry. */
    @Override
    public boolean endsClient(LogEntry entry) {
        return decode(entry).op() instanceof Operation.CloseSession;
    }

    /** Decodes an entry once: the replica asks about an entry right after (or before) committing it. */
    private Txn decode(LogEntry entry) {
        if (decodedOp == entry.op() && decodedTxn != null) {
            return decodedTxn;
        }
        try {
            decodedTxn = Reconfiguration.is(entry) ? MembersChange.txnOf(entry, entry.op() + zxidOffset)
                    : OperationCodec.decode(entry.body());
            decodedOp = entry.op();
            return decodedTxn;
        } catch (OperationCodec.MalformedOperationException e) {
            throw new IllegalStateException("committed entry " + entry.op() + " does not decode", e);
        }
    }

    @Override
    public void send(int replicaIndex, Message message) {
        if (transport != null) {
            transport.send(replicaIndex, message);
        }
    }

    @Override
    public void readReady(long readId) {
        inputLog.readReadyBegin(readId);
        core.onReadReady(readId);
        inputLog.readReadyEnd(readId);
    }

    @Override
    public void truncate(long lastOpKept) {
        runOnDisk("truncate the log after op " + lastOpKept, () -> writer.runNow(wal -> {
            wal.truncateAfter(lastOpKept);
            writer.lowerDurableOp(lastOpKept);
        }));
        reportedPersistedOp = Math.min(reportedPersistedOp, lastOpKept);
    }

    @Override
    public void persistViewState(long view, long lastNormalView) {
        runOnDisk("record view " + view, () -> disk.persistViewState(view, lastNormalView));
    }

    @Override
    public void persistMembership(Membership membership, long op) {
        runOnDisk("record the members of epoch " + membership.epoch(), () -> disk.persistMembership(membership, op));
        log.info("{} recorded the members of epoch {} (reconfiguration at op {}): {}", prefix(), membership.epoch(),
                op, membership);
    }

    /** Writes the entries peers sent in place of the damaged records the log found on start, and syncs them. */
    @Override
    public void repairLog(List<LogEntry> entries, long[] chains) {
        List<WalRecord> records = walRecords(entries, chains);
        runOnDisk("repair " + entries.size() + " damaged log records", () -> writer.runNow(wal -> wal.repair(records)));
    }

    /** The log records of {@code entries}, {@code chains[i]} being the hash chain at {@code entries.get(i)}. */
    private static List<WalRecord> walRecords(List<LogEntry> entries, long[] chains) {
        List<WalRecord> records = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            records.add(new WalRecord(e.op(), e.view(), e.clientId(), e.requestNumber(), e.checksum(), chains[i],
                    e.body()));
        }
        return records;
    }

    /** Appends the entries peers hold after the unreadable last write the log found on start, then forgets it. */
    @Override
    public void resolveTail(List<LogEntry> entries, long[] chains) {
        List<WalRecord> records = walRecords(entries, chains);
        runOnDisk("resolve the unreadable last write with " + entries.size() + " entries from peers",
                () -> writer.runNow(wal -> wal.resolveTail(records)));
    }

    /**
     * Has the saver prepare the checkpoint here and write it elsewhere ({@link CheckpointSaver}). Declined (null)
     * while the store is read for a transfer or written by a save, or a restore's parts are staged (no checkpoint
     * holds them: the log keeps them until the restore applies).
     */
    @Override
    public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients, Membership membership) {
        boolean taken = !transferBuilder.building() && saver.savingOp() < 0 && !core.stateMachine().restoreStaged()
                && saver.start(disk.checkpoints(), core.stateMachine(), op, chain,
                        ReplicaDisk.encodeConsensus(clients, membership), prefix());
        inputLog.checkpointSaved(op, taken);
        if (taken) {
            checkpointAtMs = cycleNow;
            logBytesSinceCheckpoint = 0;
        }
        return taken ? Outbox.SAVING : null;
    }

    /** The saver's outcome: the consensus learns of the checkpoint once it is durable, or that it failed. */
    private void onCheckpointSaved(Input.CheckpointSaved saved) {
        saver.finished(saved.op());
        if (saved.bug() != null) {
            throw new IllegalStateException("the checkpoint save at op " + saved.op() + " failed", saved.bug());
        }
        if (saved.durable()) {
            checkpointOp = Math.max(checkpointOp, saved.op());
            log.info("{} checkpoint at op {} saved in {} ms ({} ms on the replica thread; {} records{})", prefix(),
                    saved.op(), saved.savedMs(), saved.preparedMs(), saved.records(), saved.full() ? ", full" : "");
            activity.event("checkpoint", "at op " + saved.op() + ", saved in " + saved.savedMs() + " ms");
        } else if (saved.failure() != null) {
            log.warn("{} checkpoint at op {} failed; the log is kept: {}", prefix(), saved.op(), saved.failure());
        }
        inputLog.checkpointDurable(saved.op(), saved.durable());
        replica.onCheckpointSaved(saved.op(), saved.durable());
    }

    /**
     * The whole snapshot of the latest checkpoint, read from the store on another thread: null now, handed to the
     * replica when built ({@link Replica#onTransferImageReady}), which keeps it while peers fetch it in chunks, so it
     * is built once per checkpoint offered. One is built at a time; peers ask again meanwhile.
     */
    @Override
    public Checkpoint checkpointForTransfer(Checkpoint checkpoint) {
        if (checkpoint.application().length > 0) {
            return checkpoint;
        }
        transferBuilder.start(disk.checkpoints(), checkpoint, prefix());
        return null;
    }

    @Override
    public List<HeldPart> heldParts(CheckpointRef ref, byte[] prefix, int length) {
        // not while the store is read for a transfer on another thread: the core asks again with the next chunk
        return inputLog.heldParts(ref.op(), transferBuilder.building() || saver.savingOp() >= 0 ? null
                : disk.heldParts(ref, prefix, length, prefix()));
    }

    @Override
    public void installCheckpoint(Checkpoint checkpoint) {
        TreeSnapshot.Image image;
        if (checkpoint.application().length == 0) {
            image = new TreeSnapshot.Image(new DataTree(), new SessionTable(), checkpoint.op());
        } else {
            try {
                image = CheckpointSnapshot.read(checkpoint.op(), checkpoint.application());
            } catch (CorruptCheckpointException e) {
                throw new IllegalStateException("checkpoint at op " + checkpoint.op() + " does not decode", e);
            }
        }
        inputLog.installBegin(checkpoint.op());
        core.onStateInstalled(image);
        membersChange.installed(checkpoint.membership(), image.tree().get(ZnodeStateMachine.CONFIG_PATH).data());
        zxidOffset = image.lastZxid() - checkpoint.op();
        if (zxidOffset < 0) {
            throw new IllegalStateException("the checkpoint at op " + checkpoint.op() + " holds last zxid 0x"
                    + Long.toHexString(image.lastZxid()) + ", below its op: zxids are never below op numbers");
        }
        inputLog.installEnd(checkpoint.op(), core.stateMachine().tree().digest());
        byte[] clients = ReplicaDisk.encodeConsensus(checkpoint.clients(), checkpoint.membership());
        runOnDisk("install the checkpoint at op " + checkpoint.op(), () -> writer.runNow(wal -> {
            wal.beginReset(checkpoint.op());
            disk.checkpoints().replaceAll(image, checkpoint.op(), checkpoint.chain(), clients);
            wal.reset(checkpoint.op());
            writer.resetDurableOp(checkpoint.op());
        }));
        reportedPersistedOp = checkpoint.op();
        checkpointOp = checkpoint.op();
        checkpointAtMs = cycleNow;
        logBytesSinceCheckpoint = 0;
        disk.forgetDamagedCheckpoint();
        log.info("{} installed checkpoint at op {}", prefix(), checkpoint.op());
        activity.event("installed", "a checkpoint at op " + checkpoint.op() + " from a peer");
    }

    /** Deletes log segments below both {@code op} and the latest durable checkpoint. */
    @Override
    public void release(long op) {
        long upTo = Math.min(op, checkpointOp);
        if (upTo > 0) {
            writer.submit(wal -> wal.releaseUpTo(upTo));
        }
    }

    /** The driver's checkpoint rule: enough ops, enough log bytes, or enough time with new commits. */
    private void checkpointIfDue() {
        long committedSince = replica.commitNumber() - checkpointOp;
        if (committedSince <= 0 || saver.savingOp() >= 0 || core.stateMachine().restoreStaged()) {
            return;
        }
        boolean due = committedSince >= diskSettings.checkpointOps()
                || logBytesSinceCheckpoint >= diskSettings.checkpointLogBytes()
                || cycleNow - checkpointAtMs >= diskSettings.checkpointIntervalMs();
        if (due) {
            checkpointNow();
        }
    }

    /** Takes a checkpoint now, if there is anything new to put in it (also an operator's request). */
    boolean checkpointNow() {
        inputLog.requestCheckpoint();
        return replica.requestCheckpoint();
    }

    long checkpointSavingOp() { // the op of the save under way, or -1
        return saver.savingOp();
    }

    /** An operator hands the primary on: false when not in normal status. */
    boolean requestViewChange() {
        inputLog.requestViewChange();
        return replica.requestViewChange();
    }

    private interface DiskAction {
        void run() throws IOException;
    }

    /**
     * Runs a synchronous disk step the replica relies on. If it fails, the replica cannot keep its promises
     * (durable view state, an exact log), so this node stops serving rather than risk them; its peers go on.
     */
    private void runOnDisk(String what, DiskAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new DiskFailure("disk failure: cannot " + what + ": " + e, e);
        }
    }

    void stop() {
        running = false;
        transferBuilder.shutdownNow();
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        saver.close();
        if (writer != null) {
            writer.close();
        }
        inputLog.close();
        if (disk != null) {
            try {
                disk.close();
            } catch (IOException | RuntimeException e) {
                log.warn("closing the data directory failed: {}", e.toString());
            }
        }
    }
}
