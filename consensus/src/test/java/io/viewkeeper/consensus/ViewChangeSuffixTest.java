package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A view change ships the log after the commit numbers it knows, never the whole retained log (which can hold
 * hundreds of megabytes between checkpoints): a backup waits for the new primary's StartViewChange before sending
 * its DoViewChange, and a voter whose vote the primary never heard gets the log after the primary's commit number.
 */
class ViewChangeSuffixTest {

    @Test
    void shouldShipOnlyTheLogAfterTheCommitNumberWhenTheNewPrimaryHeardNothingFromAVoter() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(5), Set.of());
        int client = cluster.client(1);
        cluster.writeKeysInTurn(client, 40);
        int[] largest = new int[2];
        // replica 4's votes never reach the new primary (1); everything else is delivered and measured
        cluster.simulation().dropWhere(deliver -> {
            Message message = deliver.message();
            if (deliver.from() == 4 && deliver.to() == 1
                    && (message instanceof Message.StartViewChange || message instanceof Message.DoViewChange)) {
                return true;
            }
            if (message instanceof Message.DoViewChange m) {
                largest[0] = Math.max(largest[0], m.entries().size());
            } else if (message instanceof Message.StartView m) {
                largest[1] = Math.max(largest[1], m.entries().size());
            }
            return false;
        });
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        cluster.runUntil(() -> cluster.replica(4).status() == Replica.Status.NORMAL
                && cluster.replica(4).view() == cluster.replica(1).view());
        assertThat(cluster.replica(1).log.startOp()).as("the whole log is retained").isZero();
        assertThat(largest[0]).as("entries in the largest DoViewChange").isLessThanOrEqualTo(2);
        assertThat(largest[1]).as("entries in the largest StartView").isLessThanOrEqualTo(2);
        cluster.write(client, 99);
        cluster.runUntilDone(client);
        cluster.heal();
        cluster.restart(0);
        cluster.finishSafely();
        assertThat(cluster.replica(4).commitNumber()).isGreaterThanOrEqualTo(41);
    }
}
