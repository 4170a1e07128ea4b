package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaTest {

    private final List<LogEntry> persisted = new ArrayList<>();
    private final List<LogEntry> committed = new ArrayList<>();
    private final Outbox outbox = new OneReplicaOutbox() {
        @Override
        public void persist(List<LogEntry> entries) {
            persisted.addAll(entries);
        }

        @Override
        public void commit(LogEntry entry) {
            committed.add(entry);
        }
    };

    @Test
    void shouldCommitOnlyAfterPersistedWhenGroupHasOneReplica() {
        Replica replica = new Replica(ReplicaConfiguration.single(), outbox, 0);
        replica.onRequest(7, 1, bytes("a"));
        replica.onRequest(7, 2, bytes("b"));
        assertThat(persisted).isEmpty();
        replica.flush();
        assertThat(persisted).extracting(LogEntry::op).containsExactly(1L, 2L);
        assertThat(committed).isEmpty();
        replica.onPersisted(1);
        assertThat(committed).extracting(LogEntry::op).containsExactly(1L);
        replica.onPersisted(2);
        assertThat(committed).extracting(LogEntry::op).containsExactly(1L, 2L);
        assertThat(replica.commitNumber()).isEqualTo(2);
    }

    @Test
    void shouldContinueOpNumbersFromStartOp() {
        Replica replica = new Replica(ReplicaConfiguration.single(), outbox, 41);
        assertThat(replica.onRequest(1, 1, bytes("x"))).isEqualTo(42);
    }

    @Test
    void shouldRejectPersistedBeyondOpNumber() {
        Replica replica = new Replica(ReplicaConfiguration.single(), outbox, 0);
        replica.onRequest(1, 1, bytes("x"));
        assertThatThrownBy(() -> replica.onPersisted(5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldDetectDamagedEntry() {
        LogEntry entry = LogEntry.of(1, 0, 1, 1, bytes("abc"));
        assertThat(entry.checksumValid()).isTrue();
        entry.body()[0] ^= 1;
        assertThat(entry.checksumValid()).isFalse();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
