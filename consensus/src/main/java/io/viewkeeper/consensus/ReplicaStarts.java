package io.viewkeeper.consensus;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * How a {@link Replica} is built for each way it can start (see {@link Replica#restart}, {@link Replica#recovering}
 * and {@link Replica#pristine}), with the bugs a simulation plants ({@link PlantedBug}).
 */
final class ReplicaStarts {

    private ReplicaStarts() {
    }

    static Replica restart(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                           RandomGenerator random, DurableState disk, Set<PlantedBug> bugs) {
        Replica replica = new Replica(configuration, options, outbox, random, 0, bugs);
        if (disk.lastNormalView() == Replica.RECOVERING_MARK && disk.view() == Replica.PRISTINE_RECOVERING_VIEW) {
            replica.recoveryProtocol.transitionToRecovering(false, true);
            replica.checkInvariants();
            return replica;
        }
        if (disk.lastNormalView() == Replica.RECOVERING_MARK) {
            // Its disk may hold part of a state it was installing: no evidence of what it acknowledged before.
            return recovering(configuration, options, outbox, random, bugs);
        }
        if (!disk.holes().isEmpty()) {
            if (configuration.replicaCount() == 1) {
                return recovering(configuration, options, outbox, random, bugs);
            }
            replica.repairProtocol.begin(disk);
            replica.checkInvariants();
            return replica;
        }
        if (disk.uncertainTailOps() > 0 && !replica.repairProtocol.cutsTailAlone()) {
            replica.repairProtocol.begin(disk);
            replica.checkInvariants();
            return replica;
        }
        if (!replica.recoveryProtocol.loadDisk(disk)) {
            return recovering(configuration, options, outbox, random, bugs);
        }
        replica.checkInvariants();
        return replica;
    }

    static Replica recovering(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                              RandomGenerator random, Set<PlantedBug> bugs) {
        Replica replica = new Replica(configuration, options, outbox, random, 0, bugs);
        replica.recoveryProtocol.transitionToRecovering(false, false);
        return replica;
    }

    static Replica pristine(ReplicaConfiguration configuration, ReplicaOptions options, Outbox outbox,
                            RandomGenerator random, Set<PlantedBug> bugs) {
        if (configuration.learner()) {
            // A learner with no state has nothing a quorum counted on: it starts normal in view 0 with an empty log
            // and fetches the log (or a checkpoint) of whatever view the primary it hears is in. Its view state is
            // recorded first, so that a restart reads the log it writes from then on instead of starting afresh
            // beside stale entries.
            Replica learner = new Replica(configuration, options, outbox, random, 0, bugs);
            if (configuration.epoch() > 0) {
                // joining a group that changed since it started: normal in the first view of that epoch, its
                // members recorded, so that a restart finds them
                learner.outbox.persistMembership(configuration.membership(), 0);
                learner.transitionTo(Replica.Status.NORMAL, Membership.firstView(configuration.epoch()));
            }
            learner.persistViewState();
            learner.checkInvariants();
            return learner;
        }
        Replica replica = new Replica(configuration, options, outbox, random, 0, bugs);
        replica.recoveryProtocol.transitionToRecovering(true, false);
        replica.checkInvariants();
        return replica;
    }
}
