package io.viewkeeper.consensus;

/**
 * The whole-replica invariants of {@link Replica} (its class comment lists them). They run after every event in
 * production too, so each condition is tested first and a message is built only for one that fails.
 */
final class ReplicaInvariants {

    private ReplicaInvariants() {
    }

    static void check(Replica r) {
        if (!(r.log.startOp() <= r.commitNumber() && r.commitNumber() <= r.opNumber())) {
            throw Replica.violated("log start " + r.log.startOp() + " commit " + r.commitNumber() + " op "
                    + r.opNumber());
        }
        if (!(r.commitNumber() <= r.commitTarget() && r.commitTarget() <= r.opNumber())) {
            throw Replica.violated("commit " + r.commitNumber() + " commit target " + r.commitTarget() + " op "
                    + r.opNumber());
        }
        if (!(r.durableOp() <= r.issuedOp() && r.issuedOp() <= r.opNumber())) {
            throw Replica.violated("durable " + r.durableOp() + " issued " + r.issuedOp() + " op " + r.opNumber());
        }
        if (r.lastNormalView() > r.view()) {
            throw Replica.violated("last normal view " + r.lastNormalView() + " after view " + r.view());
        }
        if ((r.status() == Replica.Status.VIEW_CHANGE) != (r.viewChangeProtocol.phase() != null)) {
            throw Replica.violated("view change phase with status " + r.status());
        }
        if ((r.status() == Replica.Status.RECOVERING) != (r.recoveryProtocol.phase() != null)) {
            throw Replica.violated("recovery phase with status " + r.status());
        }
        if ((r.status() == Replica.Status.REPAIRING) != r.repairProtocol.active()) {
            throw Replica.violated("repair phase with status " + r.status());
        }
        if (r.status() == Replica.Status.REPAIRING && !(r.view() == 0 && r.opNumber() == 0 && r.ticks() == 0)) {
            throw Replica.violated("repairing replica started: view " + r.view() + " op " + r.opNumber());
        }
        if (r.isPristine() && !(r.view() == 0 && r.opNumber() == 0 && r.issuedOp() == 0)) {
            throw Replica.violated("pristine replica in view " + r.view() + " holding op " + r.opNumber());
        }
        if (r.recoveryProtocol.awaitingStartedBackups()
                && !(r.status() == Replica.Status.NORMAL && r.view() == 0 && r.opNumber() == 0)) {
            throw Replica.violated("waiting for backups of the group it started in view " + r.view() + " holding op "
                    + r.opNumber());
        }
        if (r.stateTransferProtocol.active() && r.status() != Replica.Status.NORMAL) {
            throw Replica.violated("state transfer outside normal status");
        }
        if (r.configuration.learner() && (r.isPrimary() || r.status() == Replica.Status.VIEW_CHANGE
                && !r.viewChangeProtocol.phase().catchingUp())) {
            throw Replica.violated("learner " + r.replicaIndex() + " electing or primary in view " + r.view());
        }
        long reconfiguration = r.log.lastReconfigurationOp();
        if (reconfiguration > r.log.startOp() && reconfiguration < r.opNumber()
                && Membership.epochOf(r.log.entry(reconfiguration + 1).view())
                <= Membership.epochOf(r.log.entry(reconfiguration).view())) {
            throw Replica.violated("op " + (reconfiguration + 1) + " follows the reconfiguration at op "
                    + reconfiguration + " in its epoch");
        }
        if (r.status() == Replica.Status.NORMAL && r.lastNormalView() != r.view()) {
            throw Replica.violated("normal status in view " + r.view() + " but last normal view "
                    + r.lastNormalView());
        }
    }
}
