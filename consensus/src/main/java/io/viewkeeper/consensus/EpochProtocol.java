package io.viewkeeper.consensus;

import java.util.Arrays;
import java.util.List;

/**
 * Epochs (VR Revisited §7): the primary's decision on a reconfiguration, the switch to the next epoch once one is
 * applied, the members that leave, and the catch-up of a replica that learns of a later epoch.
 *
 * <p>The switch. A replica that applied an accepted reconfiguration at op k makes its log durable through k (its
 * committed prefix; nothing of the old epoch follows k) and then, if it is a member of the next epoch, records the
 * next members durably and starts a view change to the epoch's first view: a voter votes in it, a learner fetches
 * its log. The first view of an epoch is started by a view change like any other, so that no replica can start it
 * twice (a primary of the first view that lost its disk and recovered from the old epoch's members finds that
 * view settled at its peers). A joining voter is a learner of the old epoch, so every voter of the next epoch holds
 * the log through k: no state moves in the switch.
 *
 * <p>Leaving. A member left out of the next epoch serves nothing more (no reads, no requests, no votes) once it
 * applied the reconfiguration; it answers a message of its old epoch with a notice of the next one, from which the
 * sender catches up, and serves the committed log to any replica catching up. It asks the next epoch's voters
 * whether they started it; once a majority of them did, it records that it was removed (its next members without
 * it) and reports so ({@link Replica#isRemoved}).
 *
 * <p>Catch-up across epochs. A message of a later epoch than this replica's is looked at before anything else (the
 * sender check, every {@code primaryOf} and quorum, which know only this epoch's voters): this replica asks the
 * sender for the committed log after its commit number ({@link Message.EpochRequest}), or a checkpoint below the
 * sender's released log, applies it, and switches at each reconfiguration it finds. A message of an earlier epoch
 * is answered with a notice ({@link Message.EpochNotice}) at most once per resend interval per sender.
 */
final class EpochProtocol {

    /** At most this many committed entries per catch-up answer; the requester asks again while it is behind. */
    static final int CATCH_UP_OPS_MAX = 4096;

    private final Replica r;
    /** An accepted reconfiguration applied and not switched to yet (null: none): the op and the next members. */
    private Membership due;
    private long dueOp;
    /** The next epoch's members when this replica applied a reconfiguration that leaves it out; null otherwise. */
    private Membership successor;
    private long successorOp;
    private final boolean[] startedAt = new boolean[ReplicaConfiguration.SLOTS];
    private boolean removed;
    private long lastRequestTick = Long.MIN_VALUE / 2;
    private final long[] noticeTick = new long[ReplicaConfiguration.SLOTS];

    EpochProtocol(Replica replica) {
        this.r = replica;
        Arrays.fill(noticeTick, Long.MIN_VALUE / 2);
    }

    /** Whether a reconfiguration was applied that this replica has not acted on: applying waits for the switch. */
    boolean switchDue() {
        return due != null;
    }

    /** Whether this replica applied a reconfiguration that leaves it out of the next epoch. */
    boolean leaving() {
        return successor != null;
    }

    boolean removed() {
        return removed;
    }

    /** The members of the epoch this replica was left out of; null unless {@link #leaving}. */
    Membership successor() {
        return successor;
    }

    /** The latest epoch this replica knows committed: its own, or the one it was left out of. */
    long knownEpoch() {
        return successor != null ? successor.epoch() : r.configuration.epoch();
    }

    /** Execution applied an accepted reconfiguration (or installed a checkpoint) naming {@code next} at {@code op}. */
    void onApplied(long op, Membership next) {
        if (next.epoch() > knownEpoch() && (due == null || next.epoch() > due.epoch())) {
            due = next;
            dueOp = op;
        }
    }

    /**
     * Messages between epochs ({@link EpochProtocol}), looked at before anything that knows only this epoch's
     * members: false when the message was handled here.
     */
    boolean route(Message message) {
        switch (message) {
            case Message.EpochRequest m -> {
                onEpochRequest(m);
                return false;
            }
            case Message.EpochState m -> {
                onEpochState(m);
                return false;
            }
            case Message.EpochNotice m -> {
                onNotice(m);
                return false;
            }
            default -> {
            }
        }
        if (r.status() == Replica.Status.RECOVERING && message instanceof Message.RecoveryResponse) {
            return true;
        }
        if (message instanceof Message.CheckpointChunk || message instanceof Message.CheckpointRequest) {
            return true;
        }
        if (leaving()) {
            onMessageWhileLeaving(message);
            return false;
        }
        long epoch = Membership.epochOf(message.view());
        if (epoch > r.configuration.epoch()) {
            if (r.status() == Replica.Status.REPAIRING) {
                r.repairProtocol.onLaterEpoch();
            } else {
                catchUp(message.from());
            }
            return false;
        }
        if ((epoch >= 0 && epoch < r.configuration.epoch()) || (!r.configuration.isMember(message.from())
                && !(message instanceof Message.RepairResponse) && !(message instanceof Message.TailResponse))) {
            // an old member, or one removed since: it learns of this epoch from the notice
            notice(message.from());
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- the primary's decision

    /** Whether an accepted reconfiguration is in the log above the commit number: no request is taken meanwhile. */
    boolean reconfigurationOrdered() {
        // not applied yet (commit number, not commit target): until it is, the switch has not happened
        return r.log.lastReconfigurationOp() > r.commitNumber() || due != null;
    }

    /**
     * The body to order for a reconfiguration request at the primary: the request with the primary's decision
     * ({@link Reconfiguration.Decision}); null when the body is not a reconfiguration.
     */
    byte[] decide(byte[] body) {
        Replica.check(r.status() == Replica.Status.NORMAL && r.isPrimary() && !leaving(),
                "a reconfiguration decided at " + r);
        Reconfiguration proposal;
        try {
            proposal = Reconfiguration.parse(body);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
        long epoch = r.configuration.epoch() + 1;
        if (epoch > Membership.EPOCH_MAX) {
            return proposal.decided(Reconfiguration.Decision.BAD_MEMBERS, r.configuration.epoch());
        }
        if (proposal.membership().epoch() != epoch) {
            // proposed as the change of another epoch than this one's: computed from members that changed since
            return proposal.decided(Reconfiguration.Decision.STALE, epoch);
        }
        return proposal.decided(decision(proposal.membership()), epoch);
    }

    /** The primary's decision on {@code next} (the same members are a change too: the driver's part may differ). */
    private Reconfiguration.Decision decision(Membership next) {
        ReplicaConfiguration now = r.configuration;
        int caughtUp = 0;
        for (int voter : next.voters()) {
            if (!now.isMember(voter)) {
                // a joining voter is a learner first, so that the switch moves no state
                return Reconfiguration.Decision.BAD_MEMBERS;
            }
            boolean current = voter == r.replicaIndex() || r.normalProtocol.caughtUp(voter, r.options.pipelineOpMax());
            if (!current && now.isLearner(voter)) {
                return Reconfiguration.Decision.NOT_CAUGHT_UP;
            }
            caughtUp += current ? 1 : 0;
        }
        return caughtUp >= next.quorum() ? Reconfiguration.Decision.ACCEPTED
                : Reconfiguration.Decision.NOT_CAUGHT_UP;
    }

    // ---------------------------------------------------------------- the switch

    /** After each event: acts on an applied reconfiguration (see the class comment). */
    void switchIfDue() {
        if (due == null) {
            return;
        }
        Membership next = due;
        long op = dueOp;
        due = null;
        long oldView = r.view();
        boolean wasNormalPrimary = r.status() == Replica.Status.NORMAL && r.isPrimary() && !leaving();
        Replica.check(r.commitNumber() >= op, "switch to epoch " + next.epoch() + " before applying its op " + op);
        // reads confirmed in the old epoch are confirmed again in the new one (or refused, leaving)
        r.reads.requeueAll();
        r.makeDurableThrough(Math.max(op, r.commitTarget()));
        if (wasNormalPrimary) {
            // the old epoch's backups learn at once that the reconfiguration committed
            r.broadcast(new Message.Commit(oldView, r.commitNumber(), 0, r.releasableOp(), r.replicaIndex()));
        }
        ReplicaConfiguration mine = r.configuration.in(next);
        if (mine == null) {
            if (successor == null || next.epoch() > successor.epoch()) {
                successor = next;
                successorOp = op;
                Arrays.fill(startedAt, false);
                askWhetherStarted();
            }
            return;
        }
        r.outbox.persistMembership(next, op);
        successor = null;
        r.adoptConfiguration(mine);
        long view = Membership.firstView(next.epoch());
        if (mine.learner()) {
            r.viewChangeProtocol.enterViewByStateTransfer(view);
        } else {
            r.viewChangeProtocol.transitionToViewChange(view);
        }
    }

    // ---------------------------------------------------------------- leaving

    void onTickLeaving() {
        if (!removed && r.ticks() - lastRequestTick >= r.options.resendTicks()) {
            askWhetherStarted();
        }
    }

    private void askWhetherStarted() {
        lastRequestTick = r.ticks();
        for (int voter : successor.voters()) {
            r.send(voter, new Message.EpochRequest(r.view(), r.commitTarget(), true, r.replicaIndex()));
        }
    }

    /** A leaving or removed replica answers everything but the epoch messages with a notice of the next epoch. */
    void onMessageWhileLeaving(Message message) {
        notice(message.from());
    }

    /** A recovering replica learned of an epoch it is not a member of: it was removed while without state. */
    void removedWhileRecovering(Membership members) {
        successor = members;
        removed = true;
        r.outbox.persistMembership(members, 0);
    }

    // ---------------------------------------------------------------- catch-up across epochs

    /** Answers a message of an earlier epoch with this replica's view and members, once per resend interval. */
    void notice(int to) {
        if (to < 0 || to >= ReplicaConfiguration.SLOTS || r.ticks() - noticeTick[to] < r.options.resendTicks()) {
            return;
        }
        noticeTick[to] = r.ticks();
        Membership members = successor != null ? successor : r.configuration.membership();
        long view = Membership.firstView(members.epoch()) > r.view() ? Membership.firstView(members.epoch()) : r.view();
        r.send(to, new Message.EpochNotice(view, members, r.replicaIndex()));
    }

    /**
     * A learner that has not heard its primary for a view-change timeout asks a voter in turn whether the group
     * moved to a later epoch without it (a learner sends nothing else on its own; a voter's view change does).
     */
    void probe() {
        int[] voters = r.configuration.voters();
        int target = voters[(int) Math.floorMod(r.ticks() / Math.max(1, r.options.resendTicks()), voters.length)];
        if (r.ticks() - lastRequestTick >= r.options.resendTicks()) {
            lastRequestTick = r.ticks();
            r.send(target, new Message.EpochRequest(r.view(), r.commitTarget(), false, r.replicaIndex()));
        }
    }

    /** A message of a later epoch arrived from {@code from}: ask it for the committed log after this replica's. */
    void catchUp(int from) {
        if (r.transfers.busy() || r.ticks() - lastRequestTick < r.options.resendTicks()
                || r.status() == Replica.Status.RECOVERING || r.status() == Replica.Status.REPAIRING) {
            return;
        }
        lastRequestTick = r.ticks();
        r.send(from, new Message.EpochRequest(r.view(), r.commitTarget(), false, r.replicaIndex()));
    }

    void onNotice(Message.EpochNotice notice) {
        if (Membership.epochOf(notice.view()) <= knownEpoch()) {
            r.ignored.ignore(Ignored.STALE_VIEW);
            return;
        }
        if (r.status() == Replica.Status.REPAIRING) {
            r.repairProtocol.onLaterEpoch();
        }
        if (r.status() == Replica.Status.RECOVERING) {
            r.recoveryProtocol.onLaterMembers(notice.membership());
            return;
        }
        catchUp(notice.from());
    }

    /**
     * Any replica that knows a later epoch than the requester's serves its committed log after the requester's
     * commit number (or its checkpoint, below its released log), saying whether it started that epoch: a voter
     * normal in a view of it, its view state durable.
     */
    void onEpochRequest(Message.EpochRequest request) {
        Replica.check(request.from() != r.replicaIndex(), "an epoch request from this replica itself");
        long theirs = Membership.epochOf(request.view());
        if (theirs > knownEpoch()) {
            catchUp(request.from());
            return;
        }
        if (theirs == knownEpoch() || r.status() == Replica.Status.RECOVERING
                || r.status() == Replica.Status.REPAIRING) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        boolean started = !leaving() && r.normalViewDurable() && !r.configuration.learner();
        Membership members = successor != null ? successor : r.configuration.membership();
        long after = Math.min(request.commitNumber(), r.commitNumber());
        CheckpointRef checkpoint = null;
        List<LogEntry> entries = List.of();
        if (!request.leaving()) {
            if (after < r.log.startOp()) {
                checkpoint = r.latestCheckpoint() != null && r.latestCheckpoint().op() >= r.log.startOp()
                        ? r.transfers.offer() : null;
                if (checkpoint == null) {
                    r.ignored.ignore(Ignored.STATE_UNAVAILABLE);
                    return;
                }
                after = checkpoint.op();
            }
            entries = r.log.suffix(after + 1, (int) Math.min(CATCH_UP_OPS_MAX, r.commitNumber() - after));
        } else {
            after = r.log.startOp();
        }
        long view = Math.max(Membership.firstView(members.epoch()), r.view());
        r.send(request.from(), new Message.EpochState(view, members, started, r.commitNumber(), checkpoint,
                r.log.chain(after), entries, r.replicaIndex()));
    }

    void onEpochState(Message.EpochState state) {
        long theirs = Membership.epochOf(state.view());
        Replica.check(state.membership() == null || state.membership().epoch() <= theirs,
                "epoch state of view " + state.view() + " names the members of epoch " + state.membership());
        if (leaving()) {
            Membership later = state.membership();
            if (later != null && later.epoch() > successor.epoch() && !later.isMember(r.replicaIndex())) {
                // the group changed again since: the voters of the latest epoch it hears of say whether it started
                successor = later;
                Arrays.fill(startedAt, false);
            }
            if (state.started() && theirs >= successor.epoch() && successor.isVoter(state.from())) {
                startedAt[state.from()] = true;
                countStarted();
            }
            return;
        }
        if (theirs <= knownEpoch() || r.status() == Replica.Status.RECOVERING
                || r.status() == Replica.Status.REPAIRING || !r.ignored.entriesValid(state.entries())) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        CheckpointRef offered = state.checkpoint();
        if (offered != null && offered.op() > r.commitTarget()) {
            CheckpointTransfer.Fetched fetched = r.transfers.fetch(offered, state.from(), state);
            if (fetched != null) {
                apply(state, fetched.checkpoint());
            }
            return;
        }
        apply(state, null);
    }

    /** A fetched checkpoint came for {@code state}: applies both if this replica still lags that epoch. */
    void onCheckpointFetched(Message.EpochState state, Checkpoint checkpoint) {
        if (!leaving() && Membership.epochOf(state.view()) > knownEpoch()
                && r.status() != Replica.Status.RECOVERING && r.status() != Replica.Status.REPAIRING) {
            apply(state, checkpoint);
        }
    }

    /**
     * Takes committed state: the checkpoint (if newer than what this replica knows committed), then the committed
     * entries after it, which replace any uncommitted suffix of another branch, and commits them.
     */
    private void apply(Message.EpochState state, Checkpoint checkpoint) {
        if (checkpoint != null && checkpoint.op() > r.commitTarget()) {
            r.stateTransferProtocol.installCheckpoint(checkpoint);
        }
        List<LogEntry> entries = state.entries().stream().filter(e -> e.op() > r.log.startOp()).toList();
        if (entries.isEmpty()) {
            return;
        }
        long parentOp = entries.get(0).op() - 1;
        if (parentOp > r.commitTarget() || parentOp > r.opNumber()) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (parentOp == state.entries().get(0).op() - 1) {
            Replica.check(r.log.chain(parentOp) == state.parentChain(), "committed prefix differs at op " + parentOp
                    + " from the log of a later epoch");
        }
        for (LogEntry entry : entries) {
            if (entry.op() <= r.opNumber()) {
                if (r.log.entry(entry.op()).equals(entry)) {
                    continue;
                }
                // committed entries are the same everywhere: only an uncommitted suffix of another branch differs
                Replica.check(entry.op() > r.commitTarget(), "committed op " + entry.op() + " differs from the log"
                        + " of a later epoch");
                r.truncateLog(entry.op() - 1);
            }
            r.appendReceived(entry);
        }
        long last = entries.get(entries.size() - 1).op();
        r.normalProtocol.confirmUpTo(last);
        r.commitUpTo(last);
    }

    private void countStarted() {
        int count = 0;
        for (int voter : successor.voters()) {
            count += startedAt[voter] ? 1 : 0;
        }
        if (count >= successor.quorum() && !removed) {
            removed = true;
            r.outbox.persistMembership(successor, successorOp);
        }
    }
}
