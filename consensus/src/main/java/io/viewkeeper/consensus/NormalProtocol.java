package io.viewkeeper.consensus;

import java.util.List;

/**
 * Normal operation (VR Revisited §4.1) at the primary and at a backup: Prepare, PrepareOk, Commit, the read-index
 * round trip, heartbeats and the resending of Prepares, and the commit point the primary derives from the
 * acknowledgements. It acts only while the replica is normal; a message of a newer view sends the replica to catch
 * up with that view ({@link ViewChangeProtocol#enterViewByStateTransfer}).
 */
final class NormalProtocol {

    private final Replica r;
    /**
     * At the primary, per member (learners too): the highest op it acknowledged as durable in this view (§4.1 step
     * 5). Only the voters' count toward commitment; every member's pins the log (up to a bound).
     */
    private final long[] ackedOp;
    /** At the primary, per member: the tick of its last acknowledgement in this view (PrepareOk or CommitOk). */
    private final long[] heardTick;
    /** At the primary, per member: whether it acknowledged anything in this view at all. */
    private final boolean[] heardInView;
    private long lastResendTick;
    /**
     * At a learner: the highest op of its log known to be the primary's of its view (its hash chain matched what the
     * primary sent, or the primary or a peer normal in the view sent it). A learner commits no further: it votes in
     * no view, and the voters may start the group afresh without it (every voter pristine or empty), so an
     * uncommitted suffix it held from before can be another branch in a view of the same number.
     */
    private long confirmedOp;

    NormalProtocol(Replica replica) {
        this.r = replica;
        this.ackedOp = new long[ReplicaConfiguration.SLOTS];
        this.heardTick = new long[ReplicaConfiguration.SLOTS];
        this.heardInView = new boolean[ReplicaConfiguration.SLOTS];
    }

    long ackedOp(int index) {
        return ackedOp[index];
    }

    /** This learner's log up to {@code op} is the primary's of its view (see {@link #confirmedOp}). */
    void confirmUpTo(long op) {
        confirmedOp = Math.max(confirmedOp, Math.min(op, r.opNumber()));
    }

    /** How far a commit number taken from the primary may commit here: at a learner, its confirmed log only. */
    long commitLimit(long commitNumber) {
        return r.configuration.learner() ? Math.min(commitNumber, Math.max(confirmedOp, r.commitTarget()))
                : commitNumber;
    }

    /**
     * A learner's log differs from its primary's above its commit number: an uncommitted suffix of another branch
     * (see {@link #confirmedOp}). It asks for the view's log after its commit number, which replaces the suffix
     * ({@link StateTransferProtocol}). Anywhere else the difference breaks an invariant.
     */
    private boolean learnerSuffixStale(long op) {
        if (!r.configuration.learner() || op <= r.commitTarget()) {
            return false;
        }
        confirmedOp = Math.min(confirmedOp, r.commitTarget());
        r.stateTransferProtocol.requestState();
        return true;
    }

    /** A new primary counts acknowledgements of its own view only, and has heard every member as it starts. */
    void forgetAcks() {
        java.util.Arrays.fill(ackedOp, 0);
        java.util.Arrays.fill(heardTick, r.ticks());
        java.util.Arrays.fill(heardInView, false);
    }

    /**
     * At the primary: whether member {@code slot} was heard within the cut-off and holds this view's log up to
     * {@code opsBehindMax} ops before the op-number (a reconfiguration names only such members as voters).
     */
    boolean caughtUp(int slot, long opsBehindMax) {
        return heardInView[slot] && heardWithin(slot, r.cutOffTicks())
                && ackedOp[slot] >= r.opNumber() - opsBehindMax;
    }

    /** How many other members, learners or voters, acknowledged anything within {@code ticks} ticks. */
    int membersHeard(boolean learners, long ticks) {
        int heard = 0;
        for (int i = 0; i < heardTick.length; i++) {
            if (i != r.replicaIndex() && r.configuration.isMember(i) && r.configuration.isLearner(i) == learners
                    && heardWithin(i, ticks)) {
                heard++;
            }
        }
        return heard;
    }

    void onTick() {
        if (r.isPrimary()) {
            tickPrimary();
        } else {
            tickBackup();
        }
    }

    private void tickPrimary() {
        if (!r.inQuorumContact()) {
            // A primary that has heard no quorum for longer than a view change takes steps down, as a ZooKeeper
            // leader does: its heartbeats would keep the backups on its side of a partition serving their clients
            // while the majority moves on and expires their sessions.
            r.viewChangeProtocol.transitionToViewChange(r.view() + 1);
            return;
        }
        if (r.heartbeats.ticksSinceBroadcast() >= r.options.heartbeatTicks()) {
            r.broadcast(new Message.Commit(r.view(), r.commitNumber(), 0, r.releasableOp(), r.replicaIndex()));
        }
        if (r.ticks() - lastResendTick >= r.options.resendTicks()) {
            lastResendTick = r.ticks();
            resendPrepares();
        }
    }

    /** Prepares may be lost: resend to each backup what it has not acknowledged, beyond the commit point. */
    private void resendPrepares() {
        for (int i = 0; i < ackedOp.length; i++) {
            long from = Math.max(ackedOp[i], r.commitNumber()) + 1;
            if (i == r.replicaIndex() || !r.configuration.isMember(i) || from > r.issuedOp()
                    || from <= r.log.startOp()) {
                continue;
            }
            List<LogEntry> entries = r.log.suffix(from, r.configuration.batchOpMax());
            entries = entries.stream().filter(entry -> entry.op() <= r.issuedOp()).toList();
            r.send(i, new Message.Prepare(r.view(), r.commitNumber(), r.log.chain(from - 1), entries, r.releasableOp(),
                    r.replicaIndex()));
        }
    }

    private void tickBackup() {
        // A learner never starts a view change: it waits to hear the primary of whatever view the voters form.
        if (r.heartbeats.primaryTimedOut() && !r.configuration.learner()) {
            r.viewChangeProtocol.transitionToViewChange(r.view() + 1);
            return;
        }
        if (r.heartbeats.primaryTimedOut()) {
            r.epochs.probe();
        }
        r.stateTransferProtocol.onTick();
        r.reads.onTick(true, r.ticks(), r.options.resendTicks());
    }

    /** {@link Replica#onRequest}: ordered at the primary, forwarded by a backup. */
    long onRequest(long clientId, long requestNumber, long previousRequestNumber, byte[] body) {
        if (r.status() != Replica.Status.NORMAL || r.recoveryProtocol.awaitingStartedBackups()
                || r.epochs.leaving()) {
            return -1;
        }
        // a reconfiguration's request number only names it to its proposer (proposers at different replicas do not
        // share a sequence); a repeated one is decided again, and refused when it changes nothing
        boolean deduplicate = r.options.deduplicateRequests() && !r.bugs.contains(PlantedBug.IGNORE_CLIENT_TABLE)
                && clientId != Reconfiguration.CLIENT;
        if (deduplicate && answerFromClientTable(clientId, requestNumber)) {
            return 0;
        }
        if (!r.isPrimary()) {
            r.send(r.primaryIndex(), new Message.Request(r.view(), clientId, requestNumber, previousRequestNumber,
                    body, r.replicaIndex()));
            return 0;
        }
        // Before the duplicate scan below, which walks the unapplied log: bounded by this check, never a whole
        // backlog (a restarted group may know tens of thousands of ops committed before it has applied them).
        if (r.opNumber() - r.commitNumber() >= r.options.pipelineOpMax() || r.epochs.reconfigurationOrdered()) {
            return -1;
        }
        if (deduplicate) {
            long inProgress = highestInProgress(clientId);
            if (inProgress >= requestNumber) {
                return 0;
            }
            if (previousRequestNumber != Message.Request.NO_PREVIOUS
                    && !previousOrdered(clientId, previousRequestNumber, inProgress)) {
                return -1;
            }
        }
        if (Reconfiguration.isBody(body)) {
            body = r.epochs.decide(body);
            if (body == null) {
                return -1;
            }
        }
        LogEntry entry = LogEntry.of(r.opNumber() + 1, r.view(), clientId, requestNumber, body);
        r.appendOrdered(entry);
        return entry.op();
    }

    // ---------------------------------------------------------------- normal operation at a backup (§4.1)

    void onForwardedRequest(Message.Request message) {
        if (message.view() != r.view() || !r.isPrimary()) {
            r.ignored.ignore(Ignored.NOT_PRIMARY);
            return;
        }
        r.onRequest(message.clientId(), message.requestNumber(), message.previousRequestNumber(), message.body());
    }

    /** §4.1 step 4: append in order, PrepareOk only once durable; a gap starts state transfer (§5.2). */
    void onPrepare(Message.Prepare message) {
        if (ignoreOrCatchUp(message.view(), message.from())) {
            return;
        }
        if (!r.ignored.entriesValid(message.entries())) {
            return;
        }
        Replica.check(r.commitTarget() <= r.opNumber() && r.durableOp() <= r.opNumber(), "Prepare taken at commit "
                + r.commitTarget() + " durable " + r.durableOp() + " op " + r.opNumber());
        long parentOp = message.firstOp() - 1;
        if (parentOp >= r.log.startOp() && parentOp <= r.opNumber()
                && r.log.chain(parentOp) != message.parentChain()) {
            if (learnerSuffixStale(parentOp)) {
                return;
            }
            throw Replica.violated("hash chain of view " + r.view() + " differs at op " + parentOp
                    + " from the primary's");
        }
        long verified = parentOp <= r.opNumber() ? parentOp : -1;
        for (LogEntry entry : message.entries()) {
            if (entry.op() <= r.opNumber()) {
                if (entry.op() > r.log.startOp() && !r.log.entry(entry.op()).equals(entry)) {
                    if (learnerSuffixStale(entry.op())) {
                        return;
                    }
                    throw Replica.violated("two entries for op " + entry.op() + " in view " + r.view());
                }
                verified = verified < 0 ? -1 : entry.op();
                continue;
            }
            if (entry.op() > r.opNumber() + 1) {
                r.stateTransferProtocol.requestState();
                break;
            }
            r.appendReceived(entry);
            verified = verified < 0 ? -1 : entry.op();
        }
        confirmUpTo(verified);
        acceptCommitAndRelease(message.commitNumber(), message.releasableOp());
        if (r.bugs.contains(PlantedBug.ACK_BEFORE_PERSIST)) {
            r.send(r.primaryIndex(), new Message.PrepareOk(r.view(), r.opNumber(), r.replicaIndex()));
        } else if (r.durableOp() >= message.firstOp()) {
            sendPrepareOk();
        }
    }

    /** §4.1 step 7: a heartbeat with the commit number; with a read round, confirm the view for reads. */
    void onCommit(Message.Commit message) {
        if (ignoreOrCatchUp(message.view(), message.from())) {
            return;
        }
        acceptCommitAndRelease(message.commitNumber(), message.releasableOp());
        if (r.configuration.learner()) {
            // Read rounds and the primary's quorum contact count voters only. An idle learner still tells the primary
            // what it holds once per heartbeat interval, so that the primary knows it is there.
            if (r.contact.heartbeatAnswerDue()) {
                sendPrepareOk();
            }
            return;
        }
        // A read round must be answered; a heartbeat is answered when the primary heard nothing else from this
        // backup for a heartbeat interval, so that an idle primary knows whether it still has a quorum.
        if (message.readRound() > 0 || r.contact.heartbeatAnswerDue()) {
            r.send(message.from(), new Message.CommitOk(r.view(), message.readRound(), r.replicaIndex()));
            r.contact.onAcknowledged();
        }
        if (r.view() == 0 && r.durableOp() == 0 && r.normalViewDurable()) {
            // A primary that started the group waits for its backups to say they are normal (onBackupStarted).
            r.send(r.primaryIndex(), new Message.PrepareOk(r.view(), 0, r.replicaIndex()));
        }
    }

    private void acceptCommitAndRelease(long commitNumber, long releasableOp) {
        long limit = commitLimit(commitNumber);
        r.commitUpTo(limit);
        r.execution.raiseReleasableOp(releasableOp);
        // a learner that holds ops the primary says are committed but has not confirmed them (it restarted since it
        // took them) asks for the view's log past its commit number, which confirms or replaces them
        if (commitNumber > r.opNumber() || limit < Math.min(commitNumber, r.opNumber())) {
            r.stateTransferProtocol.requestState();
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
            r.viewChangeProtocol.enterViewByStateTransfer(messageView);
            return true;
        }
        // The sender is the primary of this view and not this replica (Replica.onMessage drops its own messages).
        Replica.check(r.status() == Replica.Status.NORMAL && !r.isPrimary() && messageView == r.view(),
                "message of the primary of view " + messageView + " at " + r);
        r.heartbeats.notePrimaryContact();
        r.contact.onPrimaryHeard();
        return false;
    }

    /** §4.1 step 4: a backup acknowledges what it holds durably, once its view state is durable too. */
    void sendPrepareOk() {
        if (r.normalViewDurable() && !r.isPrimary() && r.durableOp() > 0) {
            r.send(r.primaryIndex(), new Message.PrepareOk(r.view(), r.durableOp(), r.replicaIndex()));
            r.contact.onAcknowledged();
        }
    }

    /** §4.1 step 5: the primary counts PrepareOks of its view; acknowledging op n acknowledges all before it. */
    void onPrepareOk(Message.PrepareOk message) {
        if (ignoreUnlessPrimaryOf(message.view())) {
            return;
        }
        if (message.op() > r.opNumber()) {
            // a learner may still hold a suffix of another branch in a view of this number (see confirmedOp)
            if (r.configuration.isLearner(message.from())) {
                r.ignored.ignore(Ignored.UNWANTED);
                return;
            }
            throw new IllegalStateException("PrepareOk for op " + message.op() + " beyond op-number " + r.opNumber());
        }
        Replica.check(message.from() != r.replicaIndex() && r.commitTarget() <= r.opNumber(),
                "PrepareOk from " + message.from() + " at " + r);
        ackedOp[message.from()] = Math.max(ackedOp[message.from()], message.op());
        heardTick[message.from()] = r.ticks();
        heardInView[message.from()] = true;
        if (r.configuration.isLearner(message.from())) {
            updateReleasableAtPrimary();
            return;
        }
        r.contact.onHeardFrom(message.from());
        r.recoveryProtocol.onBackupStarted(message.from());
        commitFromAcks();
        updateReleasableAtPrimary();
    }

    void onCommitOk(Message.CommitOk message) {
        if (!ignoreUnlessPrimaryOf(message.view())) {
            heardTick[message.from()] = r.ticks();
            heardInView[message.from()] = true;
            r.contact.onHeardFrom(message.from());
            r.reads.onCommitOk(message.from(), message.readRound());
        }
    }

    void onReadIndexRequest(Message.ReadIndexRequest message) {
        if (!ignoreUnlessPrimaryOf(message.view())) {
            r.contact.onHeardFrom(message.from());
            r.reads.onReadIndexRequest(message.from(), message.batchId());
        }
    }

    /** A read index from the primary of this view is contact with it, as a Prepare or a Commit is. */
    void onReadIndexResponse(Message.ReadIndexResponse message) {
        if (r.status() == Replica.Status.NORMAL && !r.isPrimary() && message.view() == r.view()
                && message.from() == r.primaryIndex()) {
            r.contact.onPrimaryHeard();
        }
        r.reads.onReadIndexResponse(message.batchId(), message.readIndex());
    }

    boolean ignoreUnlessPrimaryOf(long messageView) {
        boolean primaryOfIt = messageView == r.view() && r.status() == Replica.Status.NORMAL && r.isPrimary();
        return !primaryOfIt && r.ignored.ignore(Ignored.NOT_PRIMARY);
    }

    /** The highest op held durably by a quorum of voters (the primary counts itself once durable) is committed. */
    void commitFromAcks() {
        long candidate = r.commitTarget();
        for (long op = r.commitTarget() + 1; op <= r.opNumber(); op++) {
            int count = r.durableOp() >= op && r.normalViewDurable() ? 1 : 0;
            for (int i : r.configuration.voters()) {
                if (i != r.replicaIndex() && ackedOp[i] >= op) {
                    count++;
                }
            }
            if (count < r.configuration.quorum()) {
                break;
            }
            candidate = op;
        }
        r.commitUpTo(candidate);
    }

    /** The lowest op every member is known to hold durably; the log below it is not needed by any of them. */
    void updateReleasableAtPrimary() {
        long lowest = r.durableOp();
        for (int i = 0; i < ackedOp.length; i++) {
            // A learner not heard within the cut-off pins nothing: when it is back behind the released log, it takes
            // a checkpoint, as a lagging backup does. A silent voter pins the log up to the retention bound.
            if (i != r.replicaIndex() && r.configuration.isMember(i)
                    && (!r.configuration.isLearner(i) || heardWithin(i, r.cutOffTicks()))) {
                lowest = Math.min(lowest, ackedOp[i]);
            }
        }
        r.execution.raiseReleasableOp(lowest);
    }

    private boolean heardWithin(int member, long ticks) {
        return r.ticks() - heardTick[member] < ticks;
    }

    /** §4.1 step 2: a duplicate of the latest executed request gets its recorded result; older ones are dropped. */
    boolean answerFromClientTable(long clientId, long requestNumber) {
        ClientTable.Session session = r.clients.session(clientId);
        if (session == null || requestNumber > session.requestNumber()) {
            return false;
        }
        if (requestNumber == session.requestNumber()) {
            r.outbox.reply(clientId, requestNumber, session.op(), session.result());
        }
        return true;
    }

    /** The client's highest request number in the uncommitted log, or {@link Long#MIN_VALUE}. */
    long highestInProgress(long clientId) {
        long highest = Long.MIN_VALUE;
        for (long op = r.commitNumber() + 1; op <= r.opNumber(); op++) {
            LogEntry entry = r.log.entry(op);
            if (entry.clientId() == clientId) {
                highest = Math.max(highest, entry.requestNumber());
            }
        }
        return highest;
    }

    boolean previousOrdered(long clientId, long previousRequestNumber, long inProgress) {
        ClientTable.Session session = r.clients.session(clientId);
        if (session == null && inProgress == Long.MIN_VALUE) {
            return true;
        }
        long executed = session == null ? Long.MIN_VALUE : session.requestNumber();
        return Math.max(executed, inProgress) >= previousRequestNumber;
    }
}
