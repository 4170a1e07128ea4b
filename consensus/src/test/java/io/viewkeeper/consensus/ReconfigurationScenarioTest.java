package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Groups that change their members (VR Revisited §7), step by step: a spare joins as a learner, replaces a voter,
 * the group grows to five voters and shrinks back, a reconfiguration the primary must refuse is refused, and a
 * member cut off through several reconfigurations catches up or learns that it was removed. Each scenario ends with
 * the liveness phase and the linearizability check of every write and read the clients made.
 */
class ReconfigurationScenarioTest {

    private static final int[] NONE = {};

    /** Writes {@code count} keys in turn from {@code client}, each acknowledged before the next. */
    private static void write(Scenario group, int client, int count) {
        group.writeKeysInTurn(client, count);
    }

    private static void addLearnersAndWaitUntilCaughtUp(Scenario group, int[] voters, int[] learners) {
        int primary = group.primary();
        assertThat(group.reconfigure(primary, voters, learners)).isPositive();
        group.runUntil(() -> group.lastDecision() != null);
        assertThat(group.lastDecision()).isEqualTo(Reconfiguration.Decision.ACCEPTED);
        group.runUntil(() -> {
            int p = group.primary();
            if (p < 0) {
                return false;
            }
            for (int learner : learners) {
                if (!group.up(learner) || group.replica(learner).commitNumber() != group.replica(p).commitNumber()
                        || group.replica(p).ackedOp(learner) < group.replica(p).opNumber()) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void shouldReplaceAVoterByASpareThatJoinedAsALearner() {
        Scenario group = Scenario.changing(3, 0, 1);
        int client = group.client(0);
        group.runUntilAllNormal();
        write(group, client, 5);
        addLearnersAndWaitUntilCaughtUp(group, new int[] {0, 1, 2}, new int[] {3});
        assertThat(group.replica(3).configuration().learner()).isTrue();
        write(group, client, 3);

        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 3}, NONE)).isPositive();
        group.runUntil(() -> group.removed(2) && group.primary() >= 0
                && group.replica(group.primary()).configuration().epoch() == 2);
        write(group, client, 5);
        assertThat(group.latestMembers()).isEqualTo(new Membership(2, new int[] {0, 1, 3}, NONE));
        for (int member : new int[] {0, 1, 3}) {
            assertThat(group.replica(member).configuration().epoch()).isEqualTo(2);
            assertThat(group.replica(member).configuration().learner()).isFalse();
        }
        assertThat(group.primary()).isNotEqualTo(2);
        group.finishSafely();
    }

    @Test
    void shouldGrowFromThreeVotersToFiveAndShrinkBack() {
        Scenario group = Scenario.changing(3, 0, 2);
        int client = group.client(1);
        group.runUntilAllNormal();
        write(group, client, 4);
        addLearnersAndWaitUntilCaughtUp(group, new int[] {0, 1, 2}, new int[] {3, 4});

        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 2, 3, 4}, NONE)).isPositive();
        group.runUntil(() -> group.lastDecision() != null && group.primary() >= 0
                && group.replica(group.primary()).configuration().epoch() == 2);
        assertThat(group.replica(group.primary()).configuration().quorum()).isEqualTo(3);
        write(group, client, 4);

        // shrink to three, two of them the voters that joined: the two that leave were a quorum of nothing
        assertThat(group.reconfigure(group.primary(), new int[] {0, 3, 4}, NONE)).isPositive();
        group.runUntil(() -> group.removed(1) && group.removed(2) && group.primary() >= 0
                && group.replica(group.primary()).configuration().epoch() == 3);
        write(group, client == 1 ? group.client(3) : client, 4);
        assertThat(group.latestMembers().voters()).containsExactly(0, 3, 4);
        group.finishSafely();
    }

    @Test
    void shouldRefuseAVoterThatIsNoLearnerOrNotCaughtUpAndOneReconfigurationAtATime() {
        Scenario group = Scenario.changing(3, 0, 1);
        int client = group.client(0);
        group.runUntilAllNormal();
        write(group, client, 3);

        // a spare is not a member: it must be a caught-up learner before it votes
        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 3}, NONE)).isPositive();
        group.runUntil(() -> group.lastDecision() != null);
        assertThat(group.lastDecision()).isEqualTo(Reconfiguration.Decision.BAD_MEMBERS);

        addLearnersAndWaitUntilCaughtUp(group, new int[] {0, 1, 2}, new int[] {3});
        // a change proposed as epoch 1, which began already (computed from older members): refused as stale
        assertThat(group.reconfigureAs(group.primary(), 1, new int[] {0, 1, 2}, NONE)).isPositive();
        group.runUntil(() -> group.lastDecision() != null);
        assertThat(group.lastDecision()).isEqualTo(Reconfiguration.Decision.STALE);
        // a learner down for longer than the cut-off is not caught up
        group.crash(3);
        group.runTicks((int) group.replica(group.primary()).cutOffTicks() + 10);
        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 3}, NONE)).isPositive();
        group.runUntil(() -> group.lastDecision() != null);
        assertThat(group.lastDecision()).isEqualTo(Reconfiguration.Decision.NOT_CAUGHT_UP);
        assertThat(group.replica(group.primary()).configuration().epoch()).isEqualTo(1);

        // while one is ordered and not committed, the primary takes no other request
        group.restart(3);
        group.runUntil(() -> group.replica(3).commitNumber() == group.replica(group.primary()).commitNumber());
        int primary = group.primary();
        group.drop(Message.PrepareOk.class, primary);
        assertThat(group.reconfigure(primary, new int[] {0, 1, 2}, NONE)).isPositive();
        assertThat(group.replica(primary).onRequest(99, 1, KvApplication.write(1, 1))).isEqualTo(-1);
        assertThat(group.reconfigure(primary, new int[] {0, 1, 3}, NONE)).isEqualTo(-1);
        group.heal();
        group.runUntil(() -> group.removed(3));
        write(group, client, 3);
        group.finishSafely();
    }

    @Test
    void shouldBringAVoterCutOffThroughTwoEpochsIntoTheLatest() {
        Scenario group = Scenario.changing(3, 0, 1);
        int client = group.client(1);
        group.runUntilAllNormal();
        group.runUntilPrimaryIs(0);
        write(group, client, 3);
        group.isolate(2);
        addLearnersAndWaitUntilCaughtUp(group, new int[] {0, 1, 2}, new int[] {3});
        write(group, client, 3);
        // epoch 2 makes the learner a voter and the cut-off voter a learner: it must follow both changes
        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 3}, new int[] {2})).isPositive();
        group.runUntil(() -> group.primary() >= 0 && group.replica(group.primary()).configuration().epoch() == 2);
        write(group, client, 3);
        assertThat(group.replica(2).configuration().epoch()).as("cut off").isZero();

        group.heal();
        group.runUntil(() -> group.replica(2).configuration().epoch() == 2
                && group.replica(2).status() == Replica.Status.NORMAL
                && group.replica(2).commitNumber() == group.replica(group.primary()).commitNumber());
        assertThat(group.replica(2).configuration().learner()).isTrue();
        group.finishSafely();
    }

    @Test
    void shouldTellAVoterRemovedWhileCutOffThatItWasRemoved() {
        Scenario group = Scenario.changing(3, 0, 1);
        int client = group.client(0);
        group.runUntilAllNormal();
        group.runUntilPrimaryIs(0);
        // right after a view change the primary has heard no backup in its view: it would refuse, not caught up
        write(group, client, 2);
        addLearnersAndWaitUntilCaughtUp(group, new int[] {0, 1, 2}, new int[] {3});
        group.isolate(2);
        assertThat(group.reconfigure(group.primary(), new int[] {0, 1, 3}, NONE)).isPositive();
        group.runUntil(() -> group.primary() >= 0 && group.replica(group.primary()).configuration().epoch() == 2);
        write(group, client, 3);
        assertThat(group.removed(2)).isFalse();

        group.heal();
        group.runUntil(() -> group.removed(2));
        write(group, client, 3);
        group.finishSafely();
    }
}
