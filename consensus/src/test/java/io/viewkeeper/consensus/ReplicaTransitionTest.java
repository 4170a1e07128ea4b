package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The one door status and view pass through ({@link Replica#transitionTo}): the transitions the protocol makes are
 * let through, any other is refused as a programmer error and leaves the replica as it was.
 */
class ReplicaTransitionTest {

    private final List<String> viewStates = new ArrayList<>();
    private final Outbox outbox = new Outbox() {
        @Override
        public void persist(List<LogEntry> entries) {
        }

        @Override
        public void commit(LogEntry entry) {
        }

        @Override
        public void send(int replicaIndex, Message message) {
        }

        @Override
        public void truncate(long lastOpKept) {
        }

        @Override
        public void persistMembership(Membership membership, long op) {
            throw new UnsupportedOperationException("these tests never reconfigure");
        }

        @Override
        public void persistViewState(long view, long lastNormalView) {
            viewStates.add(view + "/" + lastNormalView);
        }

        @Override
        public void repairLog(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("no replica here restarts with damaged records");
        }

        @Override
        public void resolveTail(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("no replica here restarts on an unreadable last write");
        }
    };

    private Replica backup() {
        return new Replica(new ReplicaConfiguration(3, 1, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(3));
    }

    @Test
    void shouldRefuseViewThatGoesBackWhenNormal() {
        Replica replica = backup();
        replica.transitionTo(Replica.Status.VIEW_CHANGE, 4);
        replica.transitionTo(Replica.Status.NORMAL, 4);
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.NORMAL, 3))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("illegal transition");
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.view()).isEqualTo(4);
        replica.checkInvariants();
    }

    @Test
    void shouldRefuseViewChangeToSameViewWhenInViewChange() {
        Replica replica = backup();
        replica.transitionTo(Replica.Status.VIEW_CHANGE, 2);
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.VIEW_CHANGE, 2))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.VIEW_CHANGE, 1))
                .isInstanceOf(IllegalStateException.class);
        assertThat(replica.view()).isEqualTo(2);
        replica.transitionTo(Replica.Status.VIEW_CHANGE, 3);
        assertThat(replica.view()).isEqualTo(3);
    }

    @Test
    void shouldRefuseNormalInSameViewWhenAlreadyNormal() {
        Replica replica = backup();
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.NORMAL, 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRefuseRecoveringWhenReplicaHasStarted() {
        Replica replica = backup();
        replica.onTick();
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.RECOVERING, 0))
                .isInstanceOf(IllegalStateException.class);
        Replica other = backup();
        other.transitionTo(Replica.Status.VIEW_CHANGE, 1);
        assertThatThrownBy(() -> other.transitionTo(Replica.Status.RECOVERING, 1))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRefuseViewChangeWhenRecovering() {
        Replica replica = Replica.recovering(new ReplicaConfiguration(3, 1, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(3));
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.VIEW_CHANGE, 1))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> replica.transitionTo(Replica.Status.RECOVERING, 0))
                .isInstanceOf(IllegalStateException.class);
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        replica.checkInvariants();
    }

    @Test
    void shouldRefuseRequestedViewChangeThroughTheDoorWhenRecovering() {
        Replica replica = Replica.recovering(new ReplicaConfiguration(3, 1, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(3));
        assertThat(replica.requestViewChange()).isFalse();
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(viewStates).containsExactly("0/-1");
    }

    @Test
    void shouldCountReasonWhenGuardIgnoresViewChangeAndStateMessages() {
        Replica replica = backup();
        replica.transitionTo(Replica.Status.VIEW_CHANGE, 4);
        replica.transitionTo(Replica.Status.NORMAL, 4);
        replica.onMessage(new Message.StartViewChange(3, 0, 2));
        replica.onMessage(new Message.StartViewChange(4, 0, 2));
        replica.onMessage(new Message.GetState(5, 0, 0, 0, 2));
        replica.onMessage(new Message.NewState(4, 0, 0, null, 0, List.of(), 2));
        assertThat(replica.ignoredCounts()).containsEntry(Ignored.STALE_VIEW, 1L)
                .containsEntry(Ignored.VIEW_SETTLED, 1L).containsEntry(Ignored.NOT_NORMAL, 1L)
                .containsEntry(Ignored.UNWANTED, 1L);
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.view()).isEqualTo(4);
    }
}
