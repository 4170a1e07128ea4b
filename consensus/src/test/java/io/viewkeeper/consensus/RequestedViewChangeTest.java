package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A view change asked for by an operator ({@link Replica#requestViewChange()}): who may ask, where the primary goes,
 * and that requests at any moment, under the simulator's faults, keep every invariant and linearizability.
 */
class RequestedViewChangeTest {

    @Test
    void shouldMovePrimaryToNextReplicaWhenPrimaryRequestsViewChange() {
        Scenario cluster = Scenario.cluster(3);
        int client = cluster.client(1);
        cluster.write(client, 1);
        cluster.runUntilDone(client);
        assertThat(cluster.primary()).isZero();

        assertThat(cluster.replica(0).requestViewChange()).isTrue();
        assertThat(cluster.replica(0).status()).isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(cluster.replica(0).isPrimary()).isFalse();
        cluster.runUntilPrimaryIs(1);

        assertThat(cluster.replica(1).view()).isEqualTo(1);
        cluster.write(client, 2);
        cluster.runUntilDone(client);
        cluster.finishSafely();
        assertThat(cluster.replica(0).commitNumber()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldStartViewChangeForWholeGroupWhenBackupRequestsOne() {
        Scenario cluster = Scenario.cluster(3);
        int client = cluster.client(0);
        cluster.write(client, 5);
        cluster.runUntilDone(client);

        assertThat(cluster.replica(2).requestViewChange()).isTrue();
        cluster.runUntilPrimaryIs(1);

        for (int i = 0; i < 3; i++) {
            assertThat(cluster.replica(i).view()).as("view of r%d", i).isEqualTo(1);
        }
        cluster.finishSafely();
    }

    @Test
    void shouldRefuseRequestWhenViewChangeIsAlreadyUnderWay() {
        Scenario cluster = Scenario.cluster(3);
        assertThat(cluster.replica(0).requestViewChange()).isTrue();
        long view = cluster.replica(0).view();

        assertThat(cluster.replica(0).requestViewChange()).isFalse();
        assertThat(cluster.replica(0).view()).isEqualTo(view);
        cluster.finishSafely();
    }

    @Test
    void shouldRefuseRequestWhenGroupHasOneReplica() {
        Outbox outbox = new OneReplicaOutbox() {
            @Override
            public void persist(List<LogEntry> entries) {
            }

            @Override
            public void commit(LogEntry entry) {
            }
        };
        Replica replica = new Replica(ReplicaConfiguration.single(), ReplicaOptions.single(), outbox,
                new SplittableRandom(3));

        assertThat(replica.requestViewChange()).isFalse();
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.view()).isZero();
    }

    @Test
    void shouldReportAcknowledgedOpsPerBackupAtPrimary() {
        Scenario cluster = Scenario.cluster(3);
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 3);
        cluster.runTicks(10);

        Replica primary = cluster.replica(0);
        assertThat(primary.ackedOp(1)).isEqualTo(primary.opNumber());
        assertThat(primary.ackedOp(2)).isEqualTo(primary.opNumber());
        assertThat(primary.opNumber()).isEqualTo(3);
    }

    /**
     * Random seeds of the fault simulator, with view changes requested at random up replicas on about one tick in
     * fifty during the safety phase: the simulator checks the invariants after every event and linearizability of
     * the client histories at the end.
     */
    @Test
    void shouldKeepInvariantsAndLinearizabilityWhenViewChangesAreRequestedAtRandom() {
        List<String> failures = new ArrayList<>();
        int granted = 0;
        for (long seed = 1; seed <= 60; seed++) {
            Simulation sim = new Simulation(seed, SimSettings.random(seed), Set.of(), false);
            Random requests = new Random(seed * 31 + 7);
            sim.faultsOn = true;
            long lastTick = -1;
            try {
                while (sim.now < sim.settings.safetyTicks()) {
                    sim.step();
                    if (sim.now != lastTick) {
                        lastTick = sim.now;
                        granted += maybeRequest(sim, requests);
                    }
                }
            } catch (RuntimeException exception) {
                failures.add("seed " + seed + ": " + exception);
                continue;
            }
            Simulation.Failure failure = sim.finish();
            if (failure != null) {
                failures.add("seed " + seed + ": " + failure);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(granted).as("view changes started on request").isGreaterThan(100);
    }

    private static int maybeRequest(Simulation sim, Random requests) {
        if (requests.nextInt(50) != 0) {
            return 0;
        }
        SimNode node = sim.nodes[requests.nextInt(sim.nodes.length)];
        if (!node.up || !node.replica.requestViewChange()) {
            return 0;
        }
        node.replica.flush();
        return 1;
    }
}
