package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Disk faults placed exactly, through the {@link Scenario} DSL: a checkpoint that fails its checksum on restart.
 * Every case ends with the liveness phase and every checker (committed ops never lost or changed, acknowledged
 * writes committed where they were acknowledged, linearizability, convergence).
 */
class DiskFaultScenarioTest {

    /** A backup restarts on a disk whose checkpoint fails its checksum: it recovers, and carries the ops on. */
    @Test
    void shouldRecoverWholeStateWhenCheckpointFailsItsChecksumOnRestart() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withCheckpoints(4, 8), Set.of());
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 10);
        cluster.runTicks(10);
        assertThat(cluster.replica(1).latestCheckpoint().op()).isEqualTo(8);
        cluster.crash(1);
        assertThat(cluster.corruptCheckpoint(1)).isTrue();
        cluster.restart(1);
        assertThat(cluster.replica(1).status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(cluster.faults().count(SimFaults.Kind.CHECKPOINT_DAMAGE_FOUND)).isEqualTo(1);
        cluster.runUntilAllNormal();
        assertThat(cluster.replica(1).commitNumber()).isGreaterThanOrEqualTo(10);
        // The recovered replica is now one of the two that elect the next primary: it must hold every op.
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        assertThat(cluster.replica(1).opNumber()).isGreaterThanOrEqualTo(10);
        int other = cluster.client(2);
        cluster.write(other, 2);
        cluster.runUntilDone(other);
        cluster.restart(0);
        cluster.finishSafely();
        assertThat(cluster.replica(1).commitNumber()).isEqualTo(cluster.replica(0).commitNumber())
                .isGreaterThanOrEqualTo(11);
        assertThat(cluster.simulation().application(1).digest())
                .isEqualTo(cluster.simulation().application(0).digest());
    }
}
