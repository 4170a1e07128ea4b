package io.viewkeeper.consensus;

import java.util.List;

/**
 * The recovery (VR Revisited §4.3) and restart handlers of a {@link Replica}: a replica that lost its state, a
 * pristine one starting or joining a group, and one loading its own disk. Like the other protocol classes it owns
 * its phase (the {@link Recovery}), and the wait of a primary that started the group for its backups.
 *
 * <p>Why starting the group is safe ({@link Replica#pristine}). A replica answers "pristine" only while it has never
 * persisted view state, or has persisted only the recovery it recorded while pristine ({@link
 * Replica#PRISTINE_RECOVERING_VIEW}) and has not been normal since, so it has acknowledged nothing and voted in nothing
 * (whatever it took from a primary is held by that primary and the backups that acknowledged it); a replica that is not
 * pristine says it holds no op only when its log is empty; and a replica never drops a committed op unless it loses its
 * disk. The nonce is drawn after this replica's disk became empty, so every answer came after any acknowledgement this
 * replica sent before: an op committed with its acknowledgement is still held by the other replicas that acknowledged
 * it, and they answer otherwise, unless they too lost their disks while this one was without state (two disks lost at
 * once, which for three replicas is more than f). The same assumption makes pristine answers safe to count in recovery:
 * a replica that answers pristine never voted, so the f + 1 still include one that knows the latest view. Ops committed
 * after this replica started carry nothing of it, and view 0 with an empty log is where every replica starts: starting
 * late is a backup that missed every message, whose log any view change ranks last. The races: if one replica starts
 * the group and commits with others while this one is still pristine, those replicas hold ops and say so, and this one
 * recovers from them; if a replica started the group and then another replica's disk is wiped, the started one answers
 * as not pristine (with the ops it holds), so the wiped one recovers rather than starting afresh.
 */
final class RecoveryProtocol {

    private final Replica r;
    /** The phase: exists only while the replica is recovering. */
    private Recovery phase;
    /**
     * Set while this replica, having started the group as primary of view 0, waits for f backups to say they are
     * normal in view 0; it accepts no request meanwhile, so that it holds no op while others may still be pristine.
     */
    private boolean[] startedBackups;

    RecoveryProtocol(Replica replica) {
        this.r = replica;
    }

    Recovery phase() {
        return phase;
    }

    /** The replica left recovering status (or never was recovering): no phase, and no wait for backups. */
    void end() {
        phase = null;
        startedBackups = null;
    }

    boolean awaitingStartedBackups() {
        return startedBackups != null;
    }

    void stopAwaitingStartedBackups() {
        startedBackups = null;
    }

    /** §4.3 step 1 again until answered; not while the primary's state is being installed or fetched. */
    void onTick() {
        if (phase.installed() != null || r.transfers.busy()) {
            return;
        }
        if (r.ticks() - phase.lastSendTick() >= r.options.resendTicks() || r.ticks() == 1) {
            phase.sentAt(r.ticks());
            r.broadcast(new Message.Recovery(phase.nonce, phase.pristine(), r.replicaIndex()));
        }
    }

    /**
     * §4.3: this replica lost its state. The loss is recorded durably first (last normal view -1), so that a crash
     * before recovery completes leads to recovery again, never to a restart on a partial state. A pristine replica
     * ({@link Replica#pristine}) records nothing yet: it stays pristine on restart until it takes state or starts
     * the group. A replica that recorded recovery while pristine ({@code recordedWhilePristine}, restarted on that
     * mark) keeps the mark saying so.
     */
    void transitionToRecovering(boolean pristine, boolean recordedWhilePristine) {
        Replica.check(!(pristine && recordedWhilePristine), "a pristine replica has recorded nothing");
        if (!pristine) {
            recordRecovering(recordedWhilePristine);
        }
        r.transitionTo(Replica.Status.RECOVERING, 0);
        phase = new Recovery(r.random.nextLong(), r.ticks(), pristine,
                recordedWhilePristine);
        r.reads.requeueAll();
        bootstrapIfOthersHoldNothing();
    }

    /**
     * Records durably that recovery is under way, and says so in {@code durableLastNormalView} too, as that field
     * is what the disk holds: the view state written when recovery completes ({@link #transitionToNormal}) then
     * keeps the mark until the recovered log is durable in the new view. Writing the last normal view held before
     * recovery instead would let a crash between that write and the next restart the replica on the recovered log
     * ranked under that old view, so that a view change could prefer a log without the ops it alone still holds.
     * A replica that was pristine records {@link Replica#PRISTINE_RECOVERING_VIEW} as its view: the first view
     * state it writes in normal status ({@link Replica#transitionToNormal}) replaces that by a real view.
     */
    private void recordRecovering(boolean whilePristine) {
        r.recordRecoveryMark(whilePristine ? Replica.PRISTINE_RECOVERING_VIEW : r.view());
    }

    /**
     * §4.3 step 2, and the answers a pristine replica needs: a normal replica answers any Recovery; a replica in a
     * view change tells a pristine one what it holds; a pristine replica tells a pristine one that it is pristine.
     * A replica that recorded recovery while pristine and has not been normal since answers a pristine one as
     * pristine too: it never voted nor acknowledged, so what the argument on {@link Replica#pristine} says of a
     * pristine answer holds of its answer. Without that, a group whose only started replica restarts (it then
     * moves to a view change no one else can join) wedges when another replica crashed right after recording
     * recovery from it while a third is still pristine. Any other recovering replica answers nothing.
     */
    void onRecovery(Message.Recovery message) {
        Replica.check(message.from() != r.replicaIndex(), "Recovery from this replica itself");
        switch (r.status()) {
            case NORMAL -> answerRecovery(message);
            case VIEW_CHANGE -> {
                if (message.pristine()) {
                    r.send(message.from(), holdingResponse(message.nonce()));
                } else {
                    r.ignored.ignore(Ignored.NOT_NORMAL);
                }
            }
            case REPAIRING -> r.ignored.ignore(Ignored.REPAIRING);
            case RECOVERING -> {
                if (!message.pristine() || !phase.answersAsPristine()) {
                    r.ignored.ignore(Ignored.RECOVERING);
                } else {
                    Replica.check(r.view() == 0, "replica answering as pristine in view " + r.view());
                    Replica.check(!phase.pristine() || r.opNumber() == 0, "pristine replica holds op "
                            + r.opNumber());
                    r.send(message.from(), new Message.RecoveryResponse(0, message.nonce(), false, true, 0, 0, null,
                            0, List.of(), r.configuration.membership(), r.replicaIndex()));
                }
            }
        }
    }

    private void answerRecovery(Message.Recovery message) {
        if (!r.isPrimary()) {
            r.send(message.from(), holdingResponse(message.nonce()));
            return;
        }
        if (r.log.startOp() > 0 && (r.latestCheckpoint() == null || r.latestCheckpoint().op() < r.log.startOp())) {
            r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
            return;
        }
        CheckpointRef checkpoint = r.log.startOp() > 0 ? r.transfers.offer() : null;
        if (r.log.startOp() > 0 && checkpoint == null) {
            r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
            return;
        }
        long after = checkpoint == null ? 0 : checkpoint.op();
        r.send(message.from(), new Message.RecoveryResponse(r.view(), message.nonce(), true, false, r.opNumber(),
                r.commitNumber(), checkpoint, r.log.chain(after), r.log.suffix(after + 1, Integer.MAX_VALUE),
                r.configuration.membership(), r.replicaIndex()));
    }

    /** The view and op-number alone: what a replica that is not the normal primary tells a recovering one. */
    private Message.RecoveryResponse holdingResponse(long nonce) {
        return new Message.RecoveryResponse(r.view(), nonce, false, false, r.opNumber(), r.commitNumber(), null, 0,
                List.of(), r.configuration.membership(), r.replicaIndex());
    }

    /**
     * §4.3 step 3: with f + 1 answers including the latest view's primary, take its state and become normal. A
     * pristine replica records that it is recovering before it writes anything received, so that from then on it
     * restarts recovering, no longer pristine (it answers a pristine replica as pristine until it is normal).
     */
    void onRecoveryResponse(Message.RecoveryResponse message) {
        if (r.status() != Replica.Status.RECOVERING || message.nonce() != phase.nonce
                || phase.installed() != null) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        Replica.check(r.view() == 0 && r.commitNumber() == 0 && message.from() != r.replicaIndex(),
                "recovery answer taken in view " + r.view() + " at commit " + r.commitNumber());
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        long epoch = Membership.epochOf(message.view());
        if (epoch > r.configuration.epoch()) {
            onLaterMembers(message.membership());
            return;
        }
        if (epoch < r.configuration.epoch() || !r.configuration.isVoter(message.from()) && !message.pristine()) {
            // only voters of the latest epoch it knows complete a recovery: an older epoch's answer says nothing
            // of the views of this one
            r.ignored.ignore(Ignored.STALE_VIEW);
            return;
        }
        phase.record(message);
        Message.RecoveryResponse primary = phase.completion(r.configuration);
        if (primary == null) {
            bootstrapIfOthersHoldNothing();
            return;
        }
        if (primary.checkpoint() == null) {
            installRecovered(primary, null);
            return;
        }
        CheckpointTransfer.Fetched fetched = r.transfers.fetch(primary.checkpoint(), primary.from(), primary);
        if (fetched != null) {
            installRecovered(primary, fetched.checkpoint());
        }
    }

    /**
     * Takes the primary's state: its checkpoint ({@code checkpoint}, fetched whole; null when it offered none)
     * and the log after it, then completes once that is durable.
     */
    void installRecovered(Message.RecoveryResponse primary, Checkpoint checkpoint) {
        Replica.check(r.status() == Replica.Status.RECOVERING && phase.installed() == null && primary.fromPrimary(),
                "recovered state installed twice or not from a primary");
        if (phase.pristine()) {
            recordRecovering(true);
            phase.recordedRecovery();
        }
        Checkpoint state = checkpoint != null ? checkpoint : new Checkpoint(0, 0, Outbox.NO_RESULT, List.of());
        r.stateTransferProtocol.installCheckpoint(state, checkpoint);
        for (LogEntry entry : primary.entries()) {
            r.appendReceived(entry);
        }
        phase.install(primary);
        completeRecoveryIfDurable();
    }

    /**
     * An answer or a notice names a later epoch than this recovering replica's configuration: it takes that epoch's
     * members and asks them again with a new nonce (answers of older epochs no longer count); if it is not one of
     * them, it was removed and stays recovering, answering nothing, for its driver to stop it
     * ({@link Replica#isRemoved}).
     */
    void onLaterMembers(Membership members) {
        if (members == null || members.epoch() <= r.configuration.epoch() || phase.installed() != null
                || r.transfers.busy()) {
            return;
        }
        ReplicaConfiguration mine = r.configuration.in(members);
        if (mine == null) {
            r.epochs.removedWhileRecovering(members);
            return;
        }
        r.adoptConfiguration(mine);
        phase = new Recovery(r.random.nextLong(), r.ticks(), phase.pristine(), phase.answersAsPristine()
                && !phase.pristine());
        phase.sentAt(r.ticks() - r.options.resendTicks());
    }

    /**
     * A pristine replica starts the group, in view 0 with an empty log, once every other replica answered its
     * current nonce that it is pristine or holds no op. Why this is safe is argued in the class comment.
     * The view state is persisted first (in {@link #transitionToNormal}): from then on the replica is not pristine,
     * on restart or in its answers.
     */
    private void bootstrapIfOthersHoldNothing() {
        // only the seed configuration starts afresh: a later epoch exists only because a group ran before
        if (!phase.pristine() || phase.installed() != null || r.configuration.epoch() != 0
                || !phase.othersHoldNothing(r.configuration)) {
            return;
        }
        Replica.check(r.view() == 0 && r.lastNormalView() == 0 && r.commitNumber() == 0,
                "pristine replica in view " + r.view() + " with commit number " + r.commitNumber());
        Replica.check(r.opNumber() == 0 && !r.persistPending(), "pristine replica holds op " + r.opNumber());
        r.transitionToNormal(0);
        if (r.isPrimary() && r.quorum() > 1) {
            startedBackups = new boolean[ReplicaConfiguration.SLOTS];
        }
    }

    /**
     * A primary that started the group accepts requests once f backups are normal in view 0 (each says so with a
     * PrepareOk for op 0 while it holds no op). Until then the replicas that started are at most f and could not
     * commit anyway; holding no op, they let the pristine ones start the group too. Otherwise a primary that took
     * requests and then left view 0 would hold ops that no pristine replica may ignore, while too few replicas
     * with state remain to elect a primary the pristine ones could recover from.
     */
    void onBackupStarted(int backup) {
        boolean[] started = startedBackups;
        if (started == null) {
            return;
        }
        Replica.check(r.view() == 0 && r.isPrimary(), "waiting for backups outside view 0 at the primary");
        started[backup] = r.configuration.isVoter(backup);
        int count = 0;
        for (int voter : r.configuration.voters()) {
            count += started[voter] ? 1 : 0;
        }
        if (count >= r.quorum() - 1) {
            startedBackups = null;
        }
    }

    /**
     * Recovery ends only once the state received is durable: a replica that crashed in between would otherwise
     * restart with part of a log and vote as if it had never lost its state.
     */
    void completeRecoveryIfDurable() {
        Message.RecoveryResponse installed = phase.installed();
        if (installed == null || r.durableOp() < r.opNumber()) {
            return;
        }
        if (r.configuration.epoch() > 0) {
            // a group that changed its members: those it recovered into go to disk before the view
            r.outbox.persistMembership(r.configuration.membership(), 0);
        }
        r.transitionToNormal(installed.view());
        r.commitUpTo(installed.commitNumber());
    }

    /** Loads the disk of a restarting replica; false when it fails its checks and the state must be recovered. */
    boolean loadDisk(DurableState disk) {
        Replica.check(r.ticks() == 0 && r.opNumber() == 0, "disk loaded into a started replica");
        if (Membership.epochOf(disk.view()) > r.configuration.epoch()) {
            // a view of an epoch whose members it does not know: no evidence it can act on
            return false;
        }
        Checkpoint checkpoint = disk.checkpoint();
        long start = checkpoint == null ? 0 : checkpoint.op();
        // checked before anything changes, so that a replica whose disk fails recovers from a clean state
        long op = start;
        for (LogEntry entry : disk.entries()) {
            if (entry.op() > start && (!entry.checksumValid() || entry.op() != ++op)) {
                return false;
            }
        }
        r.log.resetTo(start, checkpoint == null ? 0 : checkpoint.chain());
        if (checkpoint != null) {
            r.clients.restore(checkpoint.clients());
        }
        for (LogEntry entry : disk.entries()) {
            if (entry.op() > start) {
                r.log.append(entry);
            }
        }
        r.loadedFromDisk();
        // The hint may be stale (smaller) or beyond the log that survived; the entries held up to it are committed.
        r.execution.restart(start, Math.max(start, Math.min(disk.knownCommit(), r.opNumber())), checkpoint);
        r.execution.restartMembers(start, checkpoint == null ? null : checkpoint.membership());
        r.restoreLastNormalView(disk.lastNormalView());
        if (Membership.epochOf(disk.view()) < r.configuration.epoch()) {
            // It applied a reconfiguration and recorded the next members, but had not entered the next epoch: it
            // enters it as the switch does, by the view change to its first view ({@link EpochProtocol}).
            long first = Membership.firstView(r.configuration.epoch());
            if (r.configuration.learner()) {
                r.viewChangeProtocol.enterViewByStateTransfer(first);
            } else {
                r.viewChangeProtocol.transitionToViewChange(first);
            }
        } else if (r.configuration.learner()) {
            // A learner votes in no view change: it goes back to the view it was in, fetching its log first when
            // it was not normal in it.
            if (disk.view() != disk.lastNormalView()) {
                r.viewChangeProtocol.enterViewByStateTransfer(disk.view());
            } else if (disk.view() > r.view()) {
                r.transitionTo(Replica.Status.NORMAL, disk.view());
            }
        } else if (r.primaryOf(disk.view()) == r.replicaIndex()) {
            // The primary of this view may already have sent a StartView or Prepares in it, and lost what it had
            // not persisted; backups may hold those ops. Running the view again could give an op-number two
            // different entries in one view, so a restarted primary starts the next view instead.
            r.viewChangeProtocol.transitionToViewChange(disk.view() + 1);
        } else if (disk.view() != disk.lastNormalView()) {
            r.viewChangeProtocol.transitionToViewChange(disk.view());
        } else if (disk.view() > r.view()) {
            // A new replica is normal in view 0 already.
            r.transitionTo(Replica.Status.NORMAL, disk.view());
        }
        return true;
    }
}
