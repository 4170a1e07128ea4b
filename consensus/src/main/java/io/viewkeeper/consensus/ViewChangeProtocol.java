package io.viewkeeper.consensus;

import java.util.List;

/**
 * The view change (VR Revisited §4.2): StartViewChange, DoViewChange and StartView, the new primary's choice of log,
 * and the catch-up of a replica that missed a view's StartView (§5.2). Its phase is the replica's {@link ViewChange},
 * which exists only while the replica is in view-change status.
 */
final class ViewChangeProtocol {

    private final Replica r;
    /** The phase: exists only while the replica is in view-change status. */
    private ViewChange phase;

    ViewChangeProtocol(Replica replica) {
        this.r = replica;
    }

    ViewChange phase() {
        return phase;
    }

    /** The replica entered view-change status in {@code view} ({@link Replica#transitionTo}). */
    void begin(long view) {
        phase = new ViewChange(view, r.ticks());
    }

    /** The replica left view-change status. */
    void end() {
        phase = null;
    }

    void onTick() {
        ViewChange phase = this.phase;
        if (r.configuration.learner()) {
            // A learner is here only to fetch a view's log: it keeps asking, and votes for no view.
            if (r.ticks() - phase.lastSendTick() >= r.options.resendTicks() && !r.transfers.busy()) {
                phase.sentAt(r.ticks());
                phase.nextCatchUpTarget(r.configuration);
                sendCatchUp(phase);
            }
            return;
        }
        if (r.ticks() - phase.startTick >= r.heartbeats.timeoutTicks()) {
            transitionToViewChange(r.view() + 1);
            return;
        }
        if (r.ticks() - phase.lastSendTick() >= r.options.resendTicks()) {
            phase.sentAt(r.ticks());
            if (phase.catchingUp() && !r.transfers.busy()) {
                phase.nextCatchUpTarget(r.configuration);
                sendCatchUp(phase);
            }
            r.broadcast(new Message.StartViewChange(r.view(), r.commitTarget(), r.replicaIndex()));
            if (phase.doViewChangeSent() && r.primaryIndex() != r.replicaIndex()) {
                r.send(r.primaryIndex(), doViewChange(phase));
            }
        }
    }

    /**
     * This replica missed the StartView of {@code newView} (§5.2). It must not truncate its log or claim the new
     * view as its last normal view before it holds the new view's log: it may have acknowledged ops the new log
     * has, and an inflated last normal view with a short log would win a later view change and lose them. So it
     * stays in view-change status in the new view and asks a replica of that view for the log after its commit
     * number; {@link #onNewState} then installs it like a StartView.
     */
    void enterViewByStateTransfer(long newView) {
        if (newView > r.view() || r.status() != Replica.Status.VIEW_CHANGE) {
            enterViewChangeStatus(newView);
        }
        ViewChange phase = this.phase;
        if (!phase.catchingUp()) {
            phase.startCatchingUp(r.primaryIndex(), r.ticks());
            sendCatchUp(phase);
        }
    }

    private void sendCatchUp(ViewChange phase) {
        r.send(phase.catchUpTarget(), new Message.GetState(r.view(), r.commitNumber(), r.opNumber(),
                r.log.chain(r.opNumber()), r.replicaIndex()));
    }

    // ---------------------------------------------------------------- view change (§4.2)

    /** An operator's request ({@link Replica#requestViewChange}): false outside normal status, alone or a learner. */
    boolean startRequested() {
        if (r.status() != Replica.Status.NORMAL || r.configuration.replicaCount() == 1 || r.configuration.learner()) {
            return false;
        }
        long from = r.view();
        transitionToViewChange(from + 1);
        Replica.check(r.view() == from + 1 && r.status() == Replica.Status.VIEW_CHANGE,
                "requested view change did not start view " + (from + 1));
        return true;
    }

    /** The driver found replica {@code index} refusing connections ({@link Replica#onPeerRefused}). */
    void onPeerRefused(int index) {
        if (r.status() == Replica.Status.NORMAL && !r.isPrimary() && index == r.primaryIndex()
                && !r.configuration.learner()) {
            transitionToViewChange(r.view() + 1);
        }
    }

    /** §4.2 step 1: the one place a replica moves to a newer view's view change; the view is durable first. */
    void transitionToViewChange(long newView) {
        Replica.check(newView > r.view() || r.status() != Replica.Status.VIEW_CHANGE, "view change to old view");
        Replica.check(!r.configuration.learner(), "a learner started a view change to view " + newView);
        // a view number never runs into the next epoch's bits
        Replica.check(Membership.epochOf(newView) == r.configuration.epoch(), "view change to view " + newView
                + " outside epoch " + r.configuration.epoch());
        enterViewChangeStatus(newView);
        r.broadcast(new Message.StartViewChange(newView, r.commitTarget(), r.replicaIndex()));
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
        r.heartbeats.resetTimeout();
    }

    void onStartViewChange(Message.StartViewChange message) {
        if (message.view() < r.view()) {
            r.ignored.ignore(Ignored.STALE_VIEW);
            return;
        }
        if (message.view() == r.view() && r.status() != Replica.Status.VIEW_CHANGE) {
            r.ignored.ignore(Ignored.VIEW_SETTLED);
            return;
        }
        if (message.view() > r.view()) {
            transitionToViewChange(message.view());
        }
        Replica.check(r.status() == Replica.Status.VIEW_CHANGE && phase.view == message.view(),
                "StartViewChange for view " + message.view() + " outside its view change");
        phase.recordStartViewChange(message.from(), message.commitNumber());
        maybeSendDoViewChange();
    }

    /** §4.2 step 2: after f StartViewChange votes from others, send the log suffix to the new primary. */
    private void maybeSendDoViewChange() {
        ViewChange phase = this.phase;
        if (phase.doViewChangeSent() || phase.startViewChangeCount(r.replicaIndex()) < r.quorum() - 1) {
            return;
        }
        if (r.primaryIndex() != r.replicaIndex() && phase.commitOf(r.primaryIndex()) < 0) {
            // Not before the new primary's own StartViewChange (it sends one every resend period while in the view
            // change): its commit number bounds the suffix, which without it is the whole retained log, up to the
            // log bytes a checkpoint waits for, shipped on every view change.
            return;
        }
        phase.markDoViewChangeSent();
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
        long base = primaryCommit < 0 ? r.log.startOp() : Math.min(r.commitTarget(), primaryCommit);
        base = Math.max(base, r.log.startOp());
        return new Message.DoViewChange(r.view(), r.lastNormalView(), r.opNumber(), r.commitTarget(), base + 1,
                r.log.suffix(base + 1, Integer.MAX_VALUE), r.replicaIndex());
    }

    void onDoViewChange(Message.DoViewChange message) {
        if (message.view() < r.view()) {
            r.ignored.ignore(Ignored.STALE_VIEW);
            return;
        }
        if (r.primaryOf(message.view()) != r.replicaIndex()) {
            r.ignored.ignore(Ignored.NOT_PRIMARY);
            return;
        }
        if (message.view() > r.view()) {
            transitionToViewChange(message.view());
        } else if (r.status() != Replica.Status.VIEW_CHANGE) {
            r.ignored.ignore(Ignored.VIEW_SETTLED);
            return;
        }
        ViewChange phase = this.phase;
        Replica.check(r.status() == Replica.Status.VIEW_CHANGE && phase.view == message.view() && r.isPrimary(),
                "DoViewChange for view " + message.view() + " at a replica not electing itself in it");
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
        Replica.check(phase.doViewChangeCount() >= r.quorum() && r.commitTarget() <= r.opNumber(),
                "view change completed with " + phase.doViewChangeCount() + " DoViewChange messages");
        Message.DoViewChange best = phase.best(r.bugs);
        if (best.from() != r.replicaIndex()) {
            if (best.firstOp() - 1 > r.commitTarget()) {
                return;
            }
            installSuffix(best.firstOp(), best.entries());
        }
        Replica.check(r.opNumber() >= r.commitNumber(), "new log shorter than the primary's commit");
        r.transitionToNormal(r.view());
        r.normalProtocol.forgetAcks();
        r.commitUpTo(phase.highestCommit());
        // A one-replica group is its own quorum: what its log holds durably is committed (a restart from disk).
        r.normalProtocol.commitFromAcks();
        // A voter that sent no vote, and every learner, has a commit number unknown here: it gets the log after
        // this commit number, and one that lacks a committed op it needs fetches it (§5.2) instead of taking the
        // whole retained log.
        for (int i : r.configuration.voters()) {
            if (i != r.replicaIndex()) {
                long known = phase.commitOf(i);
                r.send(i, startView(known < 0 ? r.commitTarget() : known));
            }
        }
        for (int i : r.configuration.learners()) {
            r.send(i, startView(r.commitTarget()));
        }
        r.heartbeats.restartHeartbeatInterval();
    }

    private Message.StartView startView(long knownCommit) {
        long base = Math.max(Math.min(knownCommit, r.commitTarget()), r.log.startOp());
        return new Message.StartView(r.view(), r.opNumber(), r.commitTarget(), base + 1, r.log.chain(base),
                r.log.suffix(base + 1, Integer.MAX_VALUE), r.replicaIndex());
    }

    /** §4.2 step 5: replace the uncommitted suffix with the new primary's log, then PrepareOk what is durable. */
    void onStartView(Message.StartView message) {
        if (message.view() < r.view() || r.primaryOf(message.view()) != message.from()) {
            r.ignored.ignore(Ignored.STALE_VIEW);
            return;
        }
        if (message.view() == r.view() && r.status() == Replica.Status.NORMAL) {
            r.ignored.ignore(Ignored.VIEW_SETTLED);
            return;
        }
        Replica.check(r.primaryOf(message.view()) != r.replicaIndex() && r.status() != Replica.Status.RECOVERING,
                "StartView of view " + message.view() + " at its own primary or a recovering replica");
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        long parentOp = message.firstOp() - 1;
        if (parentOp > r.commitTarget() || parentOp > r.opNumber()) {
            enterViewByStateTransfer(message.view());
            return;
        }
        if (parentOp >= r.log.startOp()) {
            Replica.check(r.log.chain(parentOp) == message.parentChain(), "committed prefix differs at op "
                    + parentOp + " from the new primary's");
        }
        installSuffix(message.firstOp(), message.entries());
        r.transitionToNormal(message.view());
        r.normalProtocol.confirmUpTo(r.opNumber());
        r.commitUpTo(message.commitNumber());
        r.normalProtocol.sendPrepareOk();
    }

    /**
     * Installs a log suffix whose first op follows this replica's committed prefix. Entries at or below the
     * released log start are committed, hence identical to what was released, and are skipped.
     */
    private void installSuffix(long firstOp, List<LogEntry> entries) {
        Replica.check(firstOp - 1 <= r.commitTarget(), "suffix from op " + firstOp + " after commit "
                + r.commitTarget() + " (applied " + r.commitNumber() + ")");
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
}
