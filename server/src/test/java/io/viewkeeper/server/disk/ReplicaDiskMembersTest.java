package io.viewkeeper.server.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The members of a later epoch a replica records (VR Revisited §7): they survive a restart with the view state, and
 * the reconfiguration that made them counts as known committed; a checkpoint's consensus part keeps the members
 * after its op, and reads back the client table of a group that never changed them.
 */
class ReplicaDiskMembersTest {
    private static final ReplicaDisk.Identity IDENTITY = new ReplicaDisk.Identity(0x5eed, 2, "3 members");
    private static final WriteAheadLog.Options OPTIONS = new WriteAheadLog.Options(1 << 20, true, 1 << 16);
    private static final Membership MEMBERS = new Membership(2, new int[] {0, 1, 3}, new int[] {2});

    @TempDir
    Path dir;

    @Test
    void shouldRestartWithTheRecordedMembersAndTheirOpKnownCommitted() throws IOException {
        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            disk.persistViewState(4, 4);
            assertThat(disk.recordedMembers()).as("a group that never changed").isNull();
            disk.persistMembership(MEMBERS, 0);
            disk.persistViewState(2L << 32, 2L << 32);
        }
        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            assertThat(disk.recordedMembers()).isEqualTo(MEMBERS);
            assertThat(disk.start().durable().view()).isEqualTo(2L << 32);
            disk.persistMembership(new Membership(3, new int[] {0, 1, 3}, new int[0]), 57);
        }
        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            assertThat(disk.recordedMembers().epoch()).isEqualTo(3);
            assertThat(disk.recordedMembers().learners()).isEmpty();
            assertThat(disk.start().durable().knownCommit()).as("the op of the reconfiguration applied").isEqualTo(57);
        }
    }

    @Test
    void shouldKeepTheMembersBesideTheClientTableOfACheckpoint() {
        List<ClientTable.Session> sessions = List.of(new ClientTable.Session(9, 3, 40, new byte[] {1, 2}));
        byte[] unchanged = ClientTableCodec.encode(sessions);
        assertThat(ClientTableCodec.decodeState(unchanged).membership()).isNull();
        assertThat(ClientTableCodec.decode(unchanged)).hasSize(1);
        byte[] changed = ClientTableCodec.encode(sessions, MEMBERS);
        ClientTableCodec.State state = ClientTableCodec.decodeState(changed);
        assertThat(state.membership()).isEqualTo(MEMBERS);
        assertThat(state.sessions().get(0).result()).containsExactly(1, 2);
        byte[] cut = Arrays.copyOf(changed, changed.length - 1);
        assertThatThrownBy(() -> ClientTableCodec.decodeState(cut)).isInstanceOf(IllegalArgumentException.class);
    }
}
