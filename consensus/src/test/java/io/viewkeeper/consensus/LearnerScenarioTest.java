package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Learners (ZooKeeper's observers) in a quiet group of three voters: replica 3 is the learner. It holds and applies
 * the log, serves its clients (writes forwarded, reads with a read index from the primary), and is in no quorum.
 */
class LearnerScenarioTest {

    private static final int LEARNER = 3;

    private static Scenario groupWithLearner() {
        return Scenario.cluster(SimSettings.quiet(3).withLearners(1), Set.of());
    }

    @Test
    void shouldApplyTheLogAtALearnerAndServeItsClients() {
        Scenario cluster = groupWithLearner();
        int client = cluster.client(LEARNER);
        cluster.writeKeysInTurn(client, 3);
        cluster.read(client, 1);
        cluster.runUntilDone(client);
        cluster.runUntil(() -> cluster.replica(LEARNER).commitNumber() == cluster.replica(0).commitNumber());
        assertThat(cluster.replica(LEARNER).configuration().learner()).isTrue();
        assertThat(cluster.replica(LEARNER).commitNumber()).isGreaterThanOrEqualTo(3);
        assertThat(cluster.simulation().application(LEARNER).digest())
                .isEqualTo(cluster.simulation().application(0).digest());
        assertThat(cluster.simulation().delivered(Message.ReadIndexRequest.class)).as("the read asked the primary")
                .isPositive();
        cluster.finishSafely();
    }

    @Test
    void shouldCommitNothingOnALearnersAcknowledgement() {
        Scenario cluster = groupWithLearner();
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 1);
        long committed = cluster.replica(0).commitNumber();
        cluster.crash(1);
        cluster.crash(2);
        cluster.write(client, 7);
        cluster.runUntil(() -> cluster.replica(LEARNER).durableOp() > committed);
        cluster.runTicks(200);
        assertThat(cluster.simulation().clients().done(client)).as("the primary and a learner are no quorum")
                .isFalse();
        assertThat(cluster.replica(0).commitNumber()).isEqualTo(committed);
        assertThat(cluster.replica(LEARNER).commitNumber()).isEqualTo(committed);
        cluster.restart(1);
        cluster.runUntilDone(client);
        cluster.restart(2);
        cluster.finishSafely();
    }

    @Test
    void shouldNeverStartAViewChangeAtALearnerAndFollowTheVotersIntoTheirView() {
        Scenario cluster = groupWithLearner();
        int client = cluster.client(LEARNER);
        cluster.writeKeysInTurn(client, 2);
        cluster.isolate(LEARNER);
        cluster.runTicks(600);
        assertThat(cluster.replica(LEARNER).view()).as("a cut-off learner waits").isZero();
        assertThat(cluster.replica(LEARNER).status()).isEqualTo(Replica.Status.NORMAL);
        cluster.heal();
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        cluster.write(client, 5);
        cluster.runUntilDone(client);
        cluster.runUntil(() -> cluster.replica(LEARNER).view() == cluster.replica(1).view()
                && cluster.replica(LEARNER).status() == Replica.Status.NORMAL);
        cluster.restart(0);
        cluster.finishSafely();
    }

    @Test
    void shouldGiveALearnerBehindTheReleasedLogACheckpoint() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withLearners(1).withCheckpoints(4, 8), Set.of());
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 2);
        cluster.isolate(LEARNER);
        cluster.writeKeysInTurn(client, 30);
        cluster.heal();
        cluster.runUntil(() -> cluster.replica(LEARNER).commitNumber() == cluster.replica(0).commitNumber());
        assertThat(cluster.simulation().checkpointTransfers()).as("the learner took a checkpoint").isPositive();
        cluster.finishSafely();
    }

    /**
     * A learner that went silent pins no log: once the primary has not heard it for the cut-off, the voters release
     * their logs past it (the retention bound here is far away), and when it is back it takes a checkpoint.
     */
    @Test
    void shouldReleaseTheLogPastALearnerThatWentSilent() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withLearners(1).withCheckpoints(4, 1_000_000),
                Set.of());
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 2);
        cluster.runUntil(() -> cluster.replica(LEARNER).commitNumber() == cluster.replica(0).commitNumber());
        long held = cluster.replica(LEARNER).opNumber();
        cluster.crash(LEARNER);
        cluster.runTicks((int) cluster.replica(0).cutOffTicks() + 1);
        cluster.writeKeysInTurn(client, 30);
        cluster.runTicks(20);
        assertThat(cluster.replica(0).logStartOp()).as("the primary's released log").isGreaterThan(held);
        cluster.restart(LEARNER);
        cluster.runUntil(() -> cluster.replica(LEARNER).commitNumber() == cluster.replica(0).commitNumber());
        assertThat(cluster.simulation().checkpointTransfers()).as("the learner took a checkpoint").isPositive();
        cluster.finishSafely();
    }

    @Test
    void shouldStartALearnerWhoseDiskWasWipedAfreshAndCatchUp() {
        Scenario cluster = groupWithLearner();
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 4);
        cluster.crash(LEARNER, SimDisk.CrashMode.WIPED);
        cluster.restart(LEARNER);
        assertThat(cluster.replica(LEARNER).status()).as("no recovery: it was in no quorum")
                .isEqualTo(Replica.Status.NORMAL);
        assertThat(cluster.replica(LEARNER).opNumber()).isZero();
        cluster.runUntil(() -> cluster.replica(LEARNER).commitNumber() == cluster.replica(0).commitNumber());
        cluster.finishSafely();
    }

    @Test
    void shouldIgnoreVotesFromALearnerAndViewChangeMessagesSentToOne() {
        Scenario cluster = groupWithLearner();
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 1);
        Replica voter = cluster.replica(1);
        voter.onMessage(new Message.StartViewChange(5, 0, LEARNER));
        voter.onMessage(new Message.DoViewChange(5, 0, 1, 1, 1, java.util.List.of(), LEARNER));
        voter.onMessage(new Message.CommitOk(0, 1, LEARNER));
        assertThat(voter.view()).isZero();
        assertThat(voter.ignoredCounts().get(Ignored.LEARNER)).isEqualTo(3);
        Replica learner = cluster.replica(LEARNER);
        learner.onMessage(new Message.StartViewChange(5, 0, 1));
        assertThat(learner.view()).isZero();
        assertThat(learner.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(learner.requestViewChange()).as("a learner starts no view change").isFalse();
        cluster.finishSafely();
    }
}
