package io.viewkeeper.consensus;

/**
 * Execution of committed ops (VR Revisited §4.1 step 5, §5.1): applies them in op order through the client table,
 * a bounded batch per call, takes the checkpoints due on the way and releases the log below what every replica
 * holds. Invariant: {@code commitNumber <= commitTarget <= opNumber}; an op is applied once, after every op before
 * it, and only with a valid checksum.
 */
final class Execution {
    private final Replica r;
    /** The last op applied: what the replica reports and serves reads at. */
    private long commitNumber;
    /** The highest op known committed (at most the op-number); ops up to it are applied in bounded batches. */
    private long commitTarget;
    /** The lowest op every replica holds durably, as the primary last said; the log below it may be released. */
    private long releasableOp;
    private Checkpoint checkpoint;
    /** A checkpoint the driver is still saving ({@link Outbox#SAVING}); at most one at a time. */
    private Checkpoint saving;
    /**
     * The group's members after the last applied op, which the checkpoints taken carry; null while unknown here (a
     * replica that joined a later epoch replaying ops from before the first reconfiguration, which no replica that
     * installs such a checkpoint needs: it is at epoch 0 itself, or joined later).
     */
    private Membership appliedMembership;

    Execution(Replica replica, long startOp) {
        this.r = replica;
        this.commitNumber = startOp;
        this.commitTarget = startOp;
        this.appliedMembership = replica.configuration.epoch() == 0 && startOp == 0
                ? replica.configuration.membership() : null;
    }

    long commitNumber() {
        return commitNumber;
    }

    long commitTarget() {
        return commitTarget;
    }

    long releasableOp() {
        return releasableOp;
    }

    /** The latest checkpoint, or null before the first. */
    Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * The replica's state was replaced (a checkpoint installed, or its disk loaded on restart): ops up to
     * {@code appliedOp} are applied, up to {@code target} known committed, and {@code latest} is its checkpoint.
     */
    void restart(long appliedOp, long target, Checkpoint latest) {
        Replica.check(appliedOp <= target && target <= r.opNumber(), "restart at applied op " + appliedOp
                + " target " + target + " op " + r.opNumber());
        commitNumber = appliedOp;
        commitTarget = target;
        checkpoint = latest;
        saving = null; // the state it was of is gone; a report of it is ignored
    }

    /** The state was replaced by a checkpoint at {@code op} with these members (null: unknown). */
    void restartMembers(long op, Membership members) {
        appliedMembership = members != null ? members
                : op == 0 && r.configuration.epoch() == 0 ? r.configuration.membership() : null;
        if (members != null) {
            r.epochs.onApplied(op, members);
        }
    }

    /** Whether a checkpoint is being saved: none is taken meanwhile. */
    boolean saving() {
        return saving != null;
    }

    /**
     * The driver reports the end of the save of the checkpoint at {@code op}: durable, it becomes the latest and the
     * log it covers may go; failed, the next checkpoint may be taken. A report of a save the replica no longer waits
     * for (its state was replaced since) is ignored.
     */
    void checkpointSaved(long op, boolean durable) {
        if (saving == null || saving.op() != op) {
            return;
        }
        if (durable && (checkpoint == null || op > checkpoint.op())) {
            checkpoint = saving;
        }
        saving = null;
        releaseLog();
    }

    /** The primary says every replica holds the log up to {@code op} durably: release what a checkpoint covers. */
    void raiseReleasableOp(long op) {
        if (op > releasableOp) {
            releasableOp = op;
            releaseLog();
        }
    }

    /**
     * Ops up to {@code op} (and this replica's op-number) are committed; they are applied in order, updating the
     * client table, a bounded batch now and the rest in the next calls of {@link Replica#flush} and
     * {@link Replica#onTick}.
     */
    void commitUpTo(long op) {
        long target = Math.min(op, r.opNumber());
        if (target > commitTarget) {
            commitTarget = target;
        }
        applyCommitted();
    }

    /**
     * Applies committed ops not yet applied, at most {@link ReplicaOptions#applyOpsMax()} of them, so that a long
     * backlog (a restarted group commits its whole log tail at once) never keeps the replica from its ticks,
     * heartbeats and peers for longer than one batch takes.
     */
    void applyCommitted() {
        Replica.check(commitNumber <= commitTarget && commitTarget <= r.opNumber(), "commit "
                + commitNumber + " target " + commitTarget + " op " + r.opNumber());
        int applied = 0;
        while (commitNumber < commitTarget && applied < r.options.applyOpsMax() && !r.epochs.switchDue()) {
            LogEntry entry = r.log.entry(commitNumber + 1);
            if (!entry.checksumValid()) {
                throw new IllegalStateException("entry failed its checksum before apply: " + entry);
            }
            apply(entry);
            Replica.check(entry.op() == commitNumber + 1, "applied op " + entry.op() + " after "
                    + commitNumber);
            commitNumber = entry.op();
            applied++;
            takeCheckpointIfDue();
        }
        if (applied > 0) {
            r.reads.serveReady();
            releaseLog();
        }
    }

    private void apply(LogEntry entry) {
        ClientTable clients = r.clients;
        Outbox outbox = r.outbox;
        boolean tabled = r.options.deduplicateRequests() && entry.clientId() != Reconfiguration.CLIENT;
        if (tabled && !r.bugs.contains(PlantedBug.IGNORE_CLIENT_TABLE)
                && clients.executed(entry.clientId(), entry.requestNumber())) {
            ClientTable.Session session = clients.session(entry.clientId());
            if (session.requestNumber() == entry.requestNumber()) {
                outbox.reply(entry.clientId(), entry.requestNumber(), session.op(), session.result());
            }
            return;
        }
        byte[] result = outbox.apply(entry);
        Reconfiguration reconfiguration = Reconfiguration.of(entry);
        if (reconfiguration != null && reconfiguration.accepted()) {
            if (appliedMembership == null || reconfiguration.membership().epoch() > appliedMembership.epoch()) {
                appliedMembership = reconfiguration.membership();
            }
            r.epochs.onApplied(entry.op(), reconfiguration.membership());
        }
        if (tabled) {
            if (outbox.endsClient(entry)) {
                clients.end(entry.clientId());
            } else if (!clients.executed(entry.clientId(), entry.requestNumber())) {
                clients.record(entry.clientId(), entry.requestNumber(), entry.op(), result);
            }
        }
        outbox.reply(entry.clientId(), entry.requestNumber(), entry.op(), result);
    }

    private void takeCheckpointIfDue() {
        int interval = r.options.checkpointIntervalOps();
        if (interval == 0 || commitNumber % interval != 0 || saving != null) {
            return;
        }
        takeCheckpoint();
    }

    void takeCheckpoint() {
        long op = commitNumber;
        byte[] snapshot = r.outbox.checkpoint(op, r.log.chain(op), r.clients.snapshot(), appliedMembership);
        if (snapshot == Outbox.SAVING) {
            saving = new Checkpoint(op, r.log.chain(op), Outbox.NO_RESULT, r.clients.snapshot(), appliedMembership);
        } else if (snapshot != null) {
            checkpoint = new Checkpoint(op, r.log.chain(op), snapshot, r.clients.snapshot(), appliedMembership);
        }
    }

    /**
     * §5.1 log GC: release below min(latest checkpoint, the op every replica holds durably); when a replica lags by
     * more than {@code logRetainedOpsMax} it no longer pins the log and will be served by checkpoint transfer.
     */
    void releaseLog() {
        if (r.configuration.replicaCount() == 1) {
            // No peer will ever ask for these entries: a one-replica group keeps only the uncommitted suffix.
            if (commitNumber > r.log.startOp()) {
                r.log.releaseUpTo(commitNumber);
                r.outbox.release(commitNumber);
            }
            return;
        }
        if (checkpoint == null) {
            return;
        }
        boolean pinnedTooLong = r.opNumber() - releasableOp > r.options.logRetainedOpsMax();
        long target = pinnedTooLong ? checkpoint.op() : Math.min(checkpoint.op(), releasableOp);
        target = Math.min(target, commitNumber);
        // Entries not yet handed to the disk stay in memory: the driver stores each with its chain when it does.
        target = Math.min(target, r.issuedOp());
        if (target > r.log.startOp()) {
            r.log.releaseUpTo(target);
            r.outbox.release(target);
        }
    }
}
