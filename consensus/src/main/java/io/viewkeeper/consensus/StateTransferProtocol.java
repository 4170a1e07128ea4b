package io.viewkeeper.consensus;

import java.util.List;

/**
 * State transfer (VR Revisited §5.2) and checkpoint installs (§5.1): a lagging backup asks for the log it lacks
 * (its phase is the replica's {@link StateTransfer}, which exists only while a GetState is outstanding); any replica
 * normal in the view answers, with its checkpoint when the requester is behind the released log; a replica
 * catching up with a view installs the answer like a StartView.
 */
final class StateTransferProtocol {

    private final Replica r;
    /** The phase: exists only while a lagging backup in normal status has a GetState outstanding. */
    private StateTransfer transfer;

    StateTransferProtocol(Replica replica) {
        this.r = replica;
    }

    boolean active() {
        return transfer != null;
    }

    /** The replica left normal status, or caught up. */
    void end() {
        transfer = null;
    }

    /** A backup in normal status retries its GetState at the next replica in turn. */
    void onTick() {
        if (transfer != null && r.ticks() - transfer.lastSendTick() >= r.options.resendTicks() && !r.transfers.busy()) {
            transfer.advanceTarget(r.configuration);
            sendGetState();
        }
    }

    // ---------------------------------------------------------------- state transfer (§5.2) and checkpoints (§5.1)

    void requestState() {
        if (transfer == null) {
            transfer = new StateTransfer(r.primaryIndex(), r.ticks());
            sendGetState();
        }
    }

    /**
     * Asks for the log after this replica's op-number. A learner asks for it after its commit number, or after its
     * op-number if the peer's log holds that op with the same hash chain: its uncommitted suffix may be of another
     * branch (NormalProtocol's confirmed op), and the answer then replaces it.
     */
    private void sendGetState() {
        transfer.sentAt(r.ticks());
        long after = r.configuration.learner() ? r.commitTarget() : r.opNumber();
        r.send(transfer.target(), new Message.GetState(r.view(), after, r.opNumber(), r.log.chain(r.opNumber()),
                r.replicaIndex()));
    }

    /**
     * Any replica normal in the same view answers with the entries after the requester's op, or after the last op
     * it holds when this log has that op with the same hash chain (the whole prefix then matches). Below its
     * released log it offers its checkpoint, fetched in chunks ({@link CheckpointTransfer}), and the entries after it.
     */
    void onGetState(Message.GetState message) {
        if (message.view() != r.view() || r.status() != Replica.Status.NORMAL) {
            r.ignored.ignore(Ignored.NOT_NORMAL);
            return;
        }
        if (message.opNumber() > r.opNumber()) {
            r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
            return;
        }
        Replica.check(r.commitNumber() <= r.opNumber() && message.from() != r.replicaIndex(),
                "GetState served at commit " + r.commitNumber() + " op " + r.opNumber());
        long after = message.opNumber();
        long held = message.heldOp();
        boolean sameHeldPrefix = held > after && held <= r.opNumber() && held >= r.log.startOp()
                && r.log.chain(held) == message.heldChain();
        if (sameHeldPrefix) {
            after = held;
        }
        CheckpointRef checkpoint = null;
        if (after < r.log.startOp()) {
            if (r.latestCheckpoint() == null || r.latestCheckpoint().op() < r.log.startOp()) {
                r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
                return;
            }
            checkpoint = r.transfers.offer();
            if (checkpoint == null) {
                r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
                return;
            }
            after = checkpoint.op();
        }
        r.send(message.from(), new Message.NewState(r.view(), r.opNumber(), r.commitNumber(), checkpoint,
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
        Replica.check(r.status() != Replica.Status.RECOVERING && message.view() == r.view(),
                "NewState of view " + message.view() + " taken outside that view");
        CheckpointRef offered = message.checkpoint();
        // a learner's uncommitted suffix may be of another branch (NormalProtocol's confirmed op)
        long held = r.status() == Replica.Status.NORMAL && !r.configuration.learner() ? r.opNumber()
                : r.commitNumber();
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
            return !r.ignored.ignore(Ignored.UNWANTED);
        }
        if (!r.ignored.entriesValid(message.entries())) {
            return false;
        }
        boolean wanted = (r.status() == Replica.Status.VIEW_CHANGE && r.viewChangeProtocol.phase().catchingUp())
                || (r.status() == Replica.Status.NORMAL && transfer != null);
        return wanted || !r.ignored.ignore(Ignored.UNWANTED);
    }

    /** {@code checkpoint}: the one the NewState offered, fetched whole; null when it offered none or none is needed. */
    private void applyNewState(Message.NewState message, Checkpoint checkpoint) {
        if (r.status() == Replica.Status.VIEW_CHANGE) {
            installViewByNewState(message, checkpoint);
            return;
        }
        if (r.configuration.learner()) {
            applyNewStateAtLearner(message, checkpoint);
            return;
        }
        if (checkpoint != null && checkpoint.op() > r.opNumber()) {
            installCheckpoint(checkpoint);
        }
        if (message.entries().isEmpty()) {
            end();
            r.commitUpTo(message.commitNumber());
            return;
        }
        long firstOp = message.entries().get(0).op();
        if (firstOp - 1 > r.opNumber() || firstOp - 1 < r.log.startOp()) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        Replica.check(r.log.chain(firstOp - 1) == message.parentChain(), "state transfer log differs at op "
                + (firstOp - 1));
        for (LogEntry entry : message.entries()) {
            if (entry.op() == r.opNumber() + 1) {
                r.appendReceived(entry);
            }
        }
        end();
        r.commitUpTo(message.commitNumber());
        r.normalProtocol.sendPrepareOk();
    }

    /**
     * A learner in normal status takes the log of a replica normal in its view after the op the answer starts at
     * (its commit number, or the op it held if the hash chains matched there): what it held past that op is not in
     * the view's log and goes; the rest is then the primary's log, and confirmed.
     */
    private void applyNewStateAtLearner(Message.NewState message, Checkpoint checkpoint) {
        if (checkpoint != null && checkpoint.op() > r.commitTarget()) {
            installCheckpoint(checkpoint);
        }
        long firstOp = message.entries().isEmpty() ? message.opNumber() + 1 : message.entries().get(0).op();
        long parentOp = firstOp - 1;
        if (parentOp > r.opNumber() || parentOp < r.log.startOp() || parentOp < r.commitTarget()
                || firstOp + message.entries().size() - 1 != message.opNumber()) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (r.log.chain(parentOp) != message.parentChain()) {
            Replica.check(parentOp > r.commitTarget(), "committed prefix differs at op " + parentOp
                    + " from the log of view " + r.view());
            // the peer's log left this learner's at or below the op it named: ask again from the commit number
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (parentOp < r.opNumber()) {
            r.truncateLog(parentOp);
        }
        for (LogEntry entry : message.entries()) {
            r.appendReceived(entry);
        }
        end();
        r.normalProtocol.confirmUpTo(r.opNumber());
        r.commitUpTo(r.normalProtocol.commitLimit(message.commitNumber()));
        r.normalProtocol.sendPrepareOk();
    }

    /**
     * The answer to a catch-up request: a replica normal in this view sent its log after this replica's commit
     * number (or after a checkpoint). Its log holds the whole new log of the view, so it replaces the uncommitted
     * suffix exactly as a StartView would (§4.2 step 5).
     */
    private void installViewByNewState(Message.NewState message, Checkpoint checkpoint) {
        boolean install = checkpoint != null && checkpoint.op() > r.commitNumber();
        long committed = install ? checkpoint.op() : r.commitNumber();
        long start = install ? checkpoint.op() : r.log.startOp();
        long firstOp = message.entries().isEmpty() ? message.opNumber() + 1 : message.entries().get(0).op();
        long parentOp = firstOp - 1;
        // past the commit number only on the held prefix this replica named (GetState), if it still holds it
        long parentMax = install ? committed : r.opNumber();
        // a peer whose log ends before what this replica knows committed is behind: another is asked
        if (parentOp > parentMax || parentOp < start || message.opNumber() < r.commitTarget()
                || firstOp + message.entries().size() - 1 != message.opNumber()) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (parentOp > committed && r.log.chain(parentOp) != message.parentChain()) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (install) {
            installCheckpoint(checkpoint);
        }
        Replica.check(r.log.chain(parentOp) == message.parentChain(), "committed prefix differs at op " + parentOp
                + " from the log of view " + r.view());
        r.viewChangeProtocol.installLog(firstOp, message.entries());
        r.transitionToNormal(r.view());
        r.normalProtocol.confirmUpTo(r.opNumber());
        r.commitUpTo(message.commitNumber());
        r.normalProtocol.sendPrepareOk();
    }

    /** Replaces state and log by a checkpoint (its op is committed, so everything this replica held is in it). */
    void installCheckpoint(Checkpoint checkpoint) {
        installCheckpoint(checkpoint, checkpoint);
    }

    /** As {@link #installCheckpoint(Checkpoint)}, keeping {@code latest} (null: none) as the latest checkpoint. */
    void installCheckpoint(Checkpoint state, Checkpoint latest) {
        r.outbox.installCheckpoint(state);
        r.transfers.installed();
        r.resetTo(state, latest);
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
                if (r.status() == Replica.Status.RECOVERING && offer.nonce() == r.recoveryProtocol.phase().nonce
                        && r.recoveryProtocol.phase().installed() == null) {
                    r.recoveryProtocol.installRecovered(offer, fetched.checkpoint());
                }
            }
            case Message.EpochState offer -> r.epochs.onCheckpointFetched(offer, fetched.checkpoint());
            default -> throw new IllegalStateException("a checkpoint offered by " + fetched.offer());
        }
    }
}
