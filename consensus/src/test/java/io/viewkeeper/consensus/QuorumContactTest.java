package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A replica knows whether it is part of a working normal view: a backup hears its primary, a primary hears a
 * quorum of backups (an idle primary too: backups answer its heartbeats). Cut off for longer than the longest
 * view-change timeout, it says so ({@link Replica#inQuorumContact}), and the frontend sends its clients away; a
 * cut-off primary steps down (its heartbeats would keep its side of a partition serving) and confirms no read (or
 * session) meanwhile.
 */
class QuorumContactTest {

    @Test
    void shouldStayInContactWhenGroupIsIdle() {
        Scenario cluster = Scenario.cluster(3);
        cluster.runUntilAllNormal();
        cluster.runTicks((int) cluster.replica(0).cutOffTicks() * 5);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.replica(i).inQuorumContact()).as("replica %d of an idle group", i).isTrue();
            assertThat(cluster.replica(i).view()).as("no view change in an idle group").isZero();
        }
        cluster.finishSafely();
    }

    @Test
    void shouldStepDownAndServeNoReadWhenPrimaryIsCutOff() {
        Scenario cluster = Scenario.cluster(3);
        cluster.runUntilAllNormal();
        int primary = cluster.primary();
        int onBackup = cluster.client((primary + 1) % 3);
        cluster.write(onBackup, 1);
        cluster.runUntilDone(onBackup);

        cluster.isolate(primary);
        Replica old = cluster.replica(primary);
        long oldView = old.view();
        cluster.runUntil(() -> !old.inQuorumContact());
        assertThat(old.ticksSinceQuorumContact()).isGreaterThanOrEqualTo(old.cutOffTicks());
        cluster.runTicks(1);
        assertThat(old.status()).as("a primary that hears no quorum steps down, as a ZooKeeper leader does")
                .isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(old.view()).isGreaterThan(oldView);
        assertThat(old.onRead(Long.MAX_VALUE)).isTrue();
        cluster.runTicks((int) old.cutOffTicks() * 3);
        assertThat(old.reads.pendingCount()).as("a cut-off primary confirms no read").isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            if (i != primary) {
                assertThat(cluster.replica(i).inQuorumContact()).as("replica %d of the majority", i).isTrue();
                assertThat(cluster.replica(i).view()).isGreaterThan(0);
            }
        }

        cluster.heal();
        cluster.runUntil(() -> old.inQuorumContact() && old.status() == Replica.Status.NORMAL && old.view() > 0);
        cluster.finishSafely();
    }

    @Test
    void shouldLoseContactWhenBackupIsCutOff() {
        Scenario cluster = Scenario.cluster(3);
        cluster.runUntilAllNormal();
        int backup = (cluster.primary() + 1) % 3;
        cluster.isolate(backup);
        Replica cut = cluster.replica(backup);
        cluster.runUntil(() -> !cut.inQuorumContact());
        assertThat(cut.status()).as("it left the view it could not hear").isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(cluster.replica(cluster.primary()).inQuorumContact()).as("the primary keeps a quorum").isTrue();
        cluster.heal();
        cluster.runUntil(cut::inQuorumContact);
        cluster.finishSafely();
    }
}
