package io.viewkeeper.consensus;

import java.util.List;

/**
 * The message handlers of a {@link Replica} beyond the primary's normal path: backups in normal operation
 * (§4.1), view change (§4.2), state transfer and checkpoint transfer (§5.1, §5.2), and timers; recovery and
 * restart are in {@link RecoveryProtocol}.
 * It holds no state of its own; every field it changes belongs to the replica, and the replica checks its
 * invariants after each call.
 */
final class ReplicaProtocol {

    private final Replica r;

    ReplicaProtocol(Replica replica) {
        this.r = replica;
    }

    // ---------------------------------------------------------------- timers

    void onTick() {
        switch (r.status()) {
            case NORMAL -> {
                if (r.isPrimary()) {
                    tickPrimary();
                } else {
                    tickBackup();
                }
            }
            case VIEW_CHANGE -> tickViewChange();
            case RECOVERING -> r.recoveryProtocol.onTick();
        }
    }

    private void tickPrimary() {
        if (!r.inQuorumContact()) {
            // A primary that has heard no quorum for longer than a view change takes steps down, as a ZooKeeper
            // leader does: its heartbeats would keep the backups on its side of a partition serving their clients
            // while the majority moves on and expires their sessions.
            transitionToViewChange(r.view() + 1);
            return;
        }
        if (r.ticks - r.lastBroadcastTick >= r.options.heartbeatTicks()) {
            r.broadcast(new Message.Commit(r.view(), r.commitNumber, 0, r.releasableOp, r.replicaIndex()));
            r.lastBroadcastTick = r.ticks;
        }
        if (r.ticks - r.lastResendTick >= r.options.resendTicks()) {
            r.lastResendTick = r.ticks;
            resendPrepares();
        }
    }

    /** Prepares may be lost: resend to each backup what it has not acknowledged, beyond the commit point. */
    private void resendPrepares() {
        for (int i = 0; i < r.ackedOp.length; i++) {
            long from = Math.max(r.ackedOp[i], r.commitNumber) + 1;
            if (i == r.replicaIndex() || from > r.issuedOp || from <= r.log.startOp()) {
                continue;
            }
            List<LogEntry> entries = r.log.suffix(from, r.configuration.batchOpMax());
            entries = entries.stream().filter(entry -> entry.op() <= r.issuedOp).toList();
            r.send(i, new Message.Prepare(r.view(), r.commitNumber, r.log.chain(from - 1), entries, r.releasableOp,
                    r.replicaIndex()));
        }
    }

    private void tickBackup() {
        if (r.ticks - r.lastPrimaryContactTick >= r.timeoutTicks) {
            transitionToViewChange(r.view() + 1);
            return;
        }
        StateTransfer transfer = r.stateTransfer;
        if (transfer != null && r.ticks - transfer.lastSendTick >= r.options.resendTicks() && !r.transfers.busy()) {
            transfer.advanceTarget(r.replicaIndex(), r.configuration.replicaCount());
            sendGetState();
        }
        r.reads.onTick(true, r.ticks, r.options.resendTicks());
    }

    private void tickViewChange() {
        ViewChange phase = r.viewChange;
        if (r.ticks - phase.startTick >= r.timeoutTicks) {
            transitionToViewChange(r.view() + 1);
            return;
        }
        if (r.ticks - phase.lastSendTick >= r.options.resendTicks()) {
            phase.lastSendTick = r.ticks;
            if (phase.catchingUp && !r.transfers.busy()) {
                phase.catchUpTarget = (phase.catchUpTarget + 1) % r.configuration.replicaCount();
                sendCatchUp(phase);
            }
            r.broadcast(new Message.StartViewChange(r.view(), r.commitTarget, r.replicaIndex()));
            if (phase.doViewChangeSent && r.primaryIndex() != r.replicaIndex()) {
                r.send(r.primaryIndex(), doViewChange(phase));
            }
        }
    }

    // ---------------------------------------------------------------- normal operation at a backup (§4.1)

    void onForwardedRequest(Message.Request message) {
        if (message.view() == r.view() && r.isPrimary()) {
            r.onRequest(message.clientId(), message.requestNumber(), message.previousRequestNumber(), message.body());
        }
    }

    /** §4.1 step 4: append in order, PrepareOk only once durable; a gap starts state transfer (§5.2). */
    void onPrepare(Message.Prepare message) {
        if (ignoreOrCatchUp(message.view(), message.from())) {
            return;
        }
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        long parentOp = message.firstOp() - 1;
        if (parentOp >= r.log.startOp() && parentOp <= r.opNumber()
                && r.log.chain(parentOp) != message.parentChain()) {
            throw Replica.violated("hash chain of view " + r.view() + " differs at op " + parentOp
                    + " from the primary's");
        }
        for (LogEntry entry : message.entries()) {
            if (entry.op() <= r.opNumber()) {
                if (entry.op() > r.log.startOp() && !r.log.entry(entry.op()).equals(entry)) {
                    throw Replica.violated("two entries for op " + entry.op() + " in view " + r.view());
                }
                continue;
            }
            if (entry.op() > r.opNumber() + 1) {
                requestState();
                break;
            }
            r.appendReceived(entry);
        }
        acceptCommitAndRelease(message.commitNumber(), message.releasableOp());
        if (r.bugs.contains(PlantedBug.ACK_BEFORE_PERSIST)) {
            r.send(r.primaryIndex(), new Message.PrepareOk(r.view(), r.opNumber(), r.replicaIndex()));
        } else if (r.durableOp >= message.firstOp()) {
            r.sendPrepareOk();
        }
    }

    /** §4.1 step 7: a heartbeat with the commit number; with a read round, confirm the view for reads. */
    void onCommit(Message.Commit message) {
        if (ignoreOrCatchUp(message.view(), message.from())) {
            return;
        }
        acceptCommitAndRelease(message.commitNumber(), message.releasableOp());
        // A read round must be answered; a heartbeat is answered when the primary heard nothing else from this
        // backup for a heartbeat interval, so that an idle primary knows whether it still has a quorum.
        if (message.readRound() > 0 || r.contact.heartbeatAnswerDue()) {
            r.send(message.from(), new Message.CommitOk(r.view(), message.readRound(), r.replicaIndex()));
            r.contact.onAcknowledged();
        }
        if (r.view() == 0 && r.durableOp == 0 && r.normalViewDurable()) {
            // A primary that started the group waits for its backups to say they are normal (onBackupStarted).
            r.send(r.primaryIndex(), new Message.PrepareOk(r.view(), 0, r.replicaIndex()));
        }
    }

    private void acceptCommitAndRelease(long commitNumber, long releasableOp) {
        r.commitUpTo(commitNumber);
        if (commitNumber > r.opNumber()) {
            requestState();
        }
        if (releasableOp > r.releasableOp) {
            r.releasableOp = releasableOp;
            r.releaseLog();
        }
    }

    /**
     * The guard for messages from the primary of a view: stale views are ignored; a newer view, or the current
     * view while still in view change, means this replica missed the StartView: it fetches the view's log
     * before acting in the view ({@link #enterViewByStateTransfer}).
     */
    private boolean ignoreOrCatchUp(long messageView, int from) {
        if (messageView < r.view() || r.primaryOf(messageView) != from) {
            return r.ignored.ignore(Ignored.STALE_VIEW);
        }
        if (messageView > r.view() || r.status() == Replica.Status.VIEW_CHANGE) {
            enterViewByStateTransfer(messageView);
            return true;
        }
        if (r.isPrimary()) {
            return true;
        }
        r.lastPrimaryContactTick = r.ticks;
        r.contact.onPrimaryHeard();
        return false;
    }

    /**
     * This replica missed the StartView of {@code newView} (§5.2). It must not truncate its log or claim the new
     * view as its last normal view before it holds the new view's log: it may have acknowledged ops the new log
     * has, and an inflated last normal view with a short log would win a later view change and lose them. So it
     * stays in view-change status in the new view and asks a replica of that view for the log after its commit
     * number; {@link #onNewState} then installs it like a StartView.
     */
    private void enterViewByStateTransfer(long newView) {
        if (newView > r.view() || r.status() != Replica.Status.VIEW_CHANGE) {
            enterViewChangeStatus(newView);
        }
        ViewChange phase = r.viewChange;
        if (!phase.catchingUp) {
            phase.catchingUp = true;
            phase.catchUpTarget = r.primaryIndex();
            phase.lastSendTick = r.ticks;
            sendCatchUp(phase);
        }
    }

    private void sendCatchUp(ViewChange phase) {
        r.send(phase.catchUpTarget, new Message.GetState(r.view(), r.commitNumber, r.opNumber(),
                r.log.chain(r.opNumber()), r.replicaIndex()));
    }

    // ---------------------------------------------------------------- view change (§4.2)

    /** §4.2 step 1: the one place a replica moves to a newer view's view change; the view is durable first. */
    void transitionToViewChange(long newView) {
        Replica.check(newView > r.view() || r.status() != Replica.Status.VIEW_CHANGE, "view change to old view");
        enterViewChangeStatus(newView);
        r.broadcast(new Message.StartViewChange(newView, r.commitTarget, r.replicaIndex()));
        maybeSendDoViewChange();
    }

    /**
     * The view, durable first, and view-change status with a new phase: what both ways into a view change share
     * (this one, and a replica that missed a StartView).
     */
    private void enterViewChangeStatus(long newView) {
        r.transitionTo(Replica.Status.VIEW_CHANGE, newView);
        r.persistViewState();
        r.reads.onViewChange();
        r.resetTimeout();
    }

    void onStartViewChange(Message.StartViewChange message) {
        if (message.view() < r.view() || (message.view() == r.view() && r.status() != Replica.Status.VIEW_CHANGE)) {
            return;
        }
        if (message.view() > r.view()) {
            transitionToViewChange(message.view());
        }
        r.viewChange.recordStartViewChange(message.from(), message.commitNumber());
        maybeSendDoViewChange();
    }

    /** §4.2 step 2: after f StartViewChange votes from others, send the log suffix to the new primary. */
    private void maybeSendDoViewChange() {
        ViewChange phase = r.viewChange;
        if (phase.doViewChangeSent || phase.startViewChangeCount(r.replicaIndex()) < r.quorum() - 1) {
            return;
        }
        phase.doViewChangeSent = true;
        Message.DoViewChange message = doViewChange(phase);
        if (r.primaryIndex() == r.replicaIndex()) {
            onDoViewChange(message);
        } else {
            r.send(r.primaryIndex(), message);
        }
    }

    /**
     * The DoViewChange of this replica: the suffix after the lower of its own commit number and the new primary's
     * (whose prefix up to there is committed, hence identical at both), or the whole retained log if the new
     * primary's commit number is unknown.
     */
    private Message.DoViewChange doViewChange(ViewChange phase) {
        long primaryCommit = phase.commitOf(r.primaryIndex());
        long base = primaryCommit < 0 ? r.log.startOp() : Math.min(r.commitTarget, primaryCommit);
        base = Math.max(base, r.log.startOp());
        return new Message.DoViewChange(r.view(), r.lastNormalView, r.opNumber(), r.commitTarget, base + 1,
                r.log.suffix(base + 1, Integer.MAX_VALUE), r.replicaIndex());
    }

    void onDoViewChange(Message.DoViewChange message) {
        if (message.view() < r.view() || r.primaryOf(message.view()) != r.replicaIndex()) {
            return;
        }
        if (message.view() > r.view()) {
            transitionToViewChange(message.view());
        } else if (r.status() != Replica.Status.VIEW_CHANGE) {
            return;
        }
        ViewChange phase = r.viewChange;
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        phase.recordDoViewChange(message);
        if (!phase.hasDoViewChange(r.replicaIndex())) {
            phase.recordDoViewChange(doViewChange(phase));
        }
        if (phase.doViewChangeCount() >= r.quorum()) {
            completeViewChange(phase);
        }
    }

    /**
     * §4.2 step 3: the new primary adopts the best log, takes the highest commit number, enters normal status and
     * sends each replica the log tail after the commit number it reported (step 4).
     */
    private void completeViewChange(ViewChange phase) {
        Message.DoViewChange best = phase.best(r.bugs);
        if (best.from() != r.replicaIndex()) {
            if (best.firstOp() - 1 > r.commitTarget) {
                return;
            }
            installSuffix(best.firstOp(), best.entries());
        }
        Replica.check(r.opNumber() >= r.commitNumber, "new log shorter than the primary's commit");
        transitionToNormal(r.view());
        java.util.Arrays.fill(r.ackedOp, 0);
        r.commitUpTo(phase.highestCommit());
        // A one-replica group is its own quorum: what its log holds durably is committed (a restart from disk).
        r.commitFromAcks();
        for (int i = 0; i < r.configuration.replicaCount(); i++) {
            if (i != r.replicaIndex()) {
                r.send(i, startView(phase.commitOf(i)));
            }
        }
        r.lastBroadcastTick = r.ticks;
    }

    private Message.StartView startView(long knownCommit) {
        long base = Math.max(Math.min(knownCommit, r.commitTarget), r.log.startOp());
        return new Message.StartView(r.view(), r.opNumber(), r.commitTarget, base + 1, r.log.chain(base),
                r.log.suffix(base + 1, Integer.MAX_VALUE), r.replicaIndex());
    }

    /** §4.2 step 5: replace the uncommitted suffix with the new primary's log, then PrepareOk what is durable. */
    void onStartView(Message.StartView message) {
        if (message.view() < r.view() || r.primaryOf(message.view()) != message.from()
                || (message.view() == r.view() && r.status() == Replica.Status.NORMAL)) {
            return;
        }
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        long parentOp = message.firstOp() - 1;
        if (parentOp > r.commitTarget || parentOp > r.opNumber()) {
            enterViewByStateTransfer(message.view());
            return;
        }
        if (parentOp >= r.log.startOp()) {
            Replica.check(r.log.chain(parentOp) == message.parentChain(), "committed prefix differs at op "
                    + parentOp + " from the new primary's");
        }
        installSuffix(message.firstOp(), message.entries());
        transitionToNormal(message.view());
        r.commitUpTo(message.commitNumber());
        r.sendPrepareOk();
    }

    /**
     * Installs a log suffix whose first op follows this replica's committed prefix. Entries at or below the
     * released log start are committed, hence identical to what was released, and are skipped.
     */
    private void installSuffix(long firstOp, List<LogEntry> entries) {
        Replica.check(firstOp - 1 <= r.commitTarget, "suffix from op " + firstOp + " after commit "
                + r.commitTarget + " (applied " + r.commitNumber + ")");
        if (firstOp > r.log.startOp()) {
            installLog(firstOp, entries);
        } else {
            installLog(r.log.startOp() + 1, entries.stream().filter(entry -> entry.op() > r.log.startOp()).toList());
        }
    }

    /**
     * Makes the log equal to this replica's prefix up to {@code firstOp - 1} followed by {@code entries}: entries
     * already held identically are kept, the first difference and everything after it is durably truncated.
     */
    void installLog(long firstOp, List<LogEntry> entries) {
        long keep = firstOp - 1;
        int index = 0;
        while (index < entries.size()) {
            LogEntry entry = entries.get(index);
            Replica.check(entry.op() == firstOp + index, "new log is not contiguous at op " + entry.op());
            if (entry.op() > r.opNumber() || !r.log.entry(entry.op()).equals(entry)) {
                break;
            }
            keep = entry.op();
            index++;
        }
        if (keep < r.opNumber()) {
            r.truncateLog(keep);
        }
        for (; index < entries.size(); index++) {
            r.appendReceived(entries.get(index));
        }
    }

    /** The one place a replica enters normal status; the view state is durable before it acts in the view. */
    void transitionToNormal(long newView) {
        r.transitionTo(Replica.Status.NORMAL, newView);
        r.persistViewState();
        r.makeNormalViewDurableIfHeld();
        r.contact.onNormalEntered();
        r.reads.onViewChange();
        r.reads.onNormal(r.isPrimary(), r.ticks);
        r.resetTimeout();
    }

    // ---------------------------------------------------------------- state transfer (§5.2) and checkpoints (§5.1)

    void requestState() {
        if (r.stateTransfer == null) {
            r.stateTransfer = new StateTransfer(r.primaryIndex(), r.ticks);
            sendGetState();
        }
    }

    private void sendGetState() {
        r.stateTransfer.lastSendTick = r.ticks;
        r.send(r.stateTransfer.target, new Message.GetState(r.view(), r.opNumber(), r.opNumber(),
                r.log.chain(r.opNumber()), r.replicaIndex()));
    }

    /**
     * Any replica normal in the same view answers with the entries after the requester's op, or after the last op
     * it holds when this log has that op with the same hash chain (the whole prefix then matches). Below its
     * released log it offers its checkpoint, fetched in chunks ({@link CheckpointTransfer}), and the entries after it.
     */
    void onGetState(Message.GetState message) {
        if (message.view() != r.view() || r.status() != Replica.Status.NORMAL || message.opNumber() > r.opNumber()) {
            return;
        }
        long after = message.opNumber();
        long held = message.heldOp();
        boolean sameHeldPrefix = held > after && held <= r.opNumber() && held >= r.log.startOp()
                && r.log.chain(held) == message.heldChain();
        if (sameHeldPrefix) {
            after = held;
        }
        CheckpointRef checkpoint = null;
        if (after < r.log.startOp()) {
            if (r.checkpoint == null || r.checkpoint.op() < r.log.startOp()) {
                return;
            }
            checkpoint = r.transfers.offer();
            if (checkpoint == null) {
                return;
            }
            after = checkpoint.op();
        }
        r.send(message.from(), new Message.NewState(r.view(), r.opNumber(), r.commitNumber, checkpoint,
                r.log.chain(after), r.log.suffix(after + 1, Integer.MAX_VALUE), r.replicaIndex()));
    }

    /**
     * A NewState that offers a checkpoint this replica needs waits until the checkpoint is fetched; it is handled
     * then with it ({@link #onCheckpointChunk}). A lagging replica in normal status needs the checkpoint only if it
     * lacks ops up to it; one catching up with a view needs it above its commit number, since its uncommitted
     * suffix may be of another branch.
     */
    void onNewState(Message.NewState message) {
        if (!wantsNewState(message)) {
            return;
        }
        CheckpointRef offered = message.checkpoint();
        long held = r.status() == Replica.Status.NORMAL ? r.opNumber() : r.commitNumber;
        if (offered != null && offered.op() > held) {
            CheckpointTransfer.Fetched fetched = r.transfers.fetch(offered, message.from(), message);
            if (fetched != null) {
                applyNewState(message, fetched.checkpoint());
            }
            return;
        }
        applyNewState(message, null);
    }

    boolean wantsNewState(Message.NewState message) {
        if (message.view() != r.view()) {
            return false;
        }
        if (!r.ignored.entriesValid(message.entries())) {
            return false;
        }
        return (r.status() == Replica.Status.VIEW_CHANGE && r.viewChange.catchingUp)
                || (r.status() == Replica.Status.NORMAL && r.stateTransfer != null);
    }

    /** {@code checkpoint}: the one the NewState offered, fetched whole; null when it offered none or none is needed. */
    private void applyNewState(Message.NewState message, Checkpoint checkpoint) {
        if (r.status() == Replica.Status.VIEW_CHANGE) {
            installViewByNewState(message, checkpoint);
            return;
        }
        if (checkpoint != null && checkpoint.op() > r.opNumber()) {
            installCheckpoint(checkpoint);
        }
        if (message.entries().isEmpty()) {
            r.stateTransfer = null;
            r.commitUpTo(message.commitNumber());
            return;
        }
        long firstOp = message.entries().get(0).op();
        if (firstOp - 1 > r.opNumber() || firstOp - 1 < r.log.startOp()) {
            return;
        }
        Replica.check(r.log.chain(firstOp - 1) == message.parentChain(), "state transfer log differs at op "
                + (firstOp - 1));
        for (LogEntry entry : message.entries()) {
            if (entry.op() == r.opNumber() + 1) {
                r.appendReceived(entry);
            }
        }
        r.stateTransfer = null;
        r.commitUpTo(message.commitNumber());
        r.sendPrepareOk();
    }

    /**
     * The answer to a catch-up request: a replica normal in this view sent its log after this replica's commit
     * number (or after a checkpoint). Its log holds the whole new log of the view, so it replaces the uncommitted
     * suffix exactly as a StartView would (§4.2 step 5).
     */
    private void installViewByNewState(Message.NewState message, Checkpoint checkpoint) {
        boolean install = checkpoint != null && checkpoint.op() > r.commitNumber;
        long committed = install ? checkpoint.op() : r.commitNumber;
        long start = install ? checkpoint.op() : r.log.startOp();
        long firstOp = message.entries().isEmpty() ? message.opNumber() + 1 : message.entries().get(0).op();
        long parentOp = firstOp - 1;
        // past the commit number only on the held prefix this replica named (GetState), if it still holds it
        long parentMax = install ? committed : r.opNumber();
        if (parentOp > parentMax || parentOp < start
                || firstOp + message.entries().size() - 1 != message.opNumber()) {
            return;
        }
        if (parentOp > committed && r.log.chain(parentOp) != message.parentChain()) {
            return;
        }
        if (install) {
            installCheckpoint(checkpoint);
        }
        Replica.check(r.log.chain(parentOp) == message.parentChain(), "committed prefix differs at op " + parentOp
                + " from the log of view " + r.view());
        installLog(firstOp, message.entries());
        transitionToNormal(r.view());
        r.commitUpTo(message.commitNumber());
        r.sendPrepareOk();
    }

    /** Replaces state and log by a checkpoint (its op is committed, so everything this replica held is in it). */
    void installCheckpoint(Checkpoint checkpoint) {
        r.outbox.installCheckpoint(checkpoint);
        r.transfers.installed();
        r.log.resetTo(checkpoint.op(), checkpoint.chain());
        r.clients.restore(checkpoint.clients());
        r.checkpoint = checkpoint;
        r.commitNumber = checkpoint.op();
        r.commitTarget = checkpoint.op();
        r.durableOp = checkpoint.op();
        r.issuedOp = checkpoint.op();
        r.pendingPersist.clear();
        r.pendingPrepare.clear();
    }

    /**
     * A chunk of a checkpoint being fetched. Once the whole checkpoint is here, the message that offered it is
     * handled with it, if it still applies: the replica may have moved on (another view, recovery restarted, the
     * ops received otherwise) while the checkpoint travelled.
     */
    void onCheckpointChunk(Message.CheckpointChunk chunk) {
        CheckpointTransfer.Fetched fetched = r.transfers.onChunk(chunk);
        if (fetched == null) {
            return;
        }
        switch (fetched.offer()) {
            case Message.NewState offer -> {
                if (wantsNewState(offer)) {
                    applyNewState(offer, fetched.checkpoint());
                }
            }
            case Message.RecoveryResponse offer -> {
                if (r.status() == Replica.Status.RECOVERING && offer.nonce() == r.recovery.nonce
                        && r.recovery.installed == null) {
                    r.recoveryProtocol.installRecovered(offer, fetched.checkpoint());
                }
            }
            default -> throw new IllegalStateException("a checkpoint offered by " + fetched.offer());
        }
    }
}
