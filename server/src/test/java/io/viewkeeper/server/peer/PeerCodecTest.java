package io.viewkeeper.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.consensus.CheckpointRef;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.Message;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeerCodecTest {

    private static final List<LogEntry> ENTRIES = List.of(
            LogEntry.of(5, 2, 77, 1, "a".getBytes(StandardCharsets.UTF_8)),
            LogEntry.of(6, 2, 78, 9, new byte[0]));
    private static final CheckpointRef CHECKPOINT = new CheckpointRef(4, 123, 3, 0x5eed);
    private static final Membership MEMBERS = new Membership(3, new int[] {0, 2, 4}, new int[] {7});
    private static final CheckpointRef CHANGED = new CheckpointRef(4, 123, 3, 0x5eed, MEMBERS);
    private static final List<ClientTable.Session> CLIENTS = List.of(new ClientTable.Session(77, 1, 3, new byte[] {9}));

    static List<Message> everyKind() {
        return List.of(
                new Message.Request(3, 77, 12, 11, new byte[] {1, 2}, 1),
                new Message.Request(3, 77, 1, Message.Request.NO_PREVIOUS, new byte[0], 1),
                new Message.Prepare(3, 4, 99, ENTRIES, 2, 0),
                new Message.PrepareOk(3, 6, 2),
                new Message.Commit(3, 6, 5, 2, 0),
                new Message.CommitOk(3, 5, 1),
                new Message.StartViewChange(4, 6, 1),
                new Message.DoViewChange(4, 3, 6, 4, 5, ENTRIES, 2),
                new Message.DoViewChange(4, 3, 4, 4, 5, List.of(), 2),
                new Message.StartView(4, 6, 6, 5, 99, ENTRIES, 1),
                new Message.Recovery(42, false, 2),
                new Message.Recovery(43, true, 2),
                new Message.RecoveryResponse(4, 42, true, false, 6, 6, CHECKPOINT, 99, ENTRIES, null, 1),
                new Message.RecoveryResponse(4, 42, false, false, 5, 3, null, 0, List.of(), MEMBERS, 0),
                new Message.RecoveryResponse(0, 43, false, true, 0, 0, null, 0, List.of(), null, 0),
                new Message.GetState(4, 3, 5, -77L, 2),
                new Message.NewState(4, 6, 6, CHECKPOINT, 99, ENTRIES, 1),
                new Message.ReadIndexRequest(4, 17, 2),
                new Message.ReadIndexResponse(4, 17, 6, 1),
                new Message.CheckpointRequest(4, 0x5eed, 1 << 20, 1 << 20, 2),
                new Message.CheckpointChunk(CHECKPOINT, 0, new byte[] {1, 2}, CLIENTS, 1),
                new Message.CheckpointChunk(CHECKPOINT, 2, new byte[] {3}, List.of(), 1),
                new Message.CheckpointChunk(CHECKPOINT, Message.CheckpointChunk.NOT_OFFERED, new byte[0], List.of(),
                        1),
                new Message.RepairRequest(5, 6, -99L, 2),
                new Message.RepairResponse(5, 6, ENTRIES, null, 1),
                new Message.RepairResponse(5, 6, List.of(), Message.RepairRefusal.CHAIN_DIFFERS, 0),
                new Message.TailRequest(5, -99L, 40, 7, 2),
                new Message.TailResponse(5, 7, 3, 3, true, 9, Message.TailAnswer.HOLDS, ENTRIES, 1),
                new Message.TailResponse(5, 7, 4, 3, false, 4, Message.TailAnswer.NOTHING_AFTER, List.of(), 0),
                new Message.NewState(4, 6, 6, CHANGED, 99, ENTRIES, 1),
                new Message.EpochRequest(3L << 32, 12, false, 2),
                new Message.EpochRequest(2L << 32 | 5, 40, true, 4),
                new Message.EpochState((3L << 32) + 1, MEMBERS, true, 44, CHANGED, 99, ENTRIES, 0),
                new Message.EpochState(3L << 32, MEMBERS, false, 12, null, 0, List.of(), 0),
                new Message.EpochNotice(3L << 32, MEMBERS, 2));
    }

    @Test
    void shouldKeepEntriesOrRefusalWhenRepairAnswerCrossesTheWire() throws Exception {
        Message.RepairResponse entries = (Message.RepairResponse) PeerCodec.decode(
                PeerCodec.encode(new Message.RepairResponse(5, 6, ENTRIES, null, 1)));
        assertThat(entries.entries()).isEqualTo(ENTRIES);
        assertThat(entries.refusal()).isNull();
        for (Message.RepairRefusal refusal : Message.RepairRefusal.values()) {
            Message.RepairResponse refused = (Message.RepairResponse) PeerCodec.decode(
                    PeerCodec.encode(new Message.RepairResponse(5, 6, List.of(), refusal, 1)));
            assertThat(refused.refusal()).isEqualTo(refusal);
            assertThat(refused.entries()).isEmpty();
        }
        byte[] bytes = PeerCodec.encode(new Message.RepairResponse(5, 6, List.of(), Message.RepairRefusal.RELEASED,
                1));
        bytes[1 + 16] = 9; // a refusal no build knows
        assertThatThrownBy(() -> PeerCodec.decode(bytes)).isInstanceOf(PeerProtocolException.class)
                .hasMessageContaining("repair refusal");
        byte[] neither = PeerCodec.encode(new Message.RepairResponse(5, 6, List.of(), Message.RepairRefusal.RELEASED,
                1));
        neither[1 + 16] = -1; // no refusal and no entries
        assertThatThrownBy(() -> PeerCodec.decode(neither)).isInstanceOf(PeerProtocolException.class);
    }

    @Test
    void shouldDecodeWhatItEncodesWhenMessageIsOfAnyKind() throws Exception {
        for (Message message : everyKind()) {
            Message decoded = PeerCodec.decode(PeerCodec.encode(message));
            assertThat(PeerCodec.encode(decoded)).as(message.toString()).isEqualTo(PeerCodec.encode(message));
            assertThat(decoded.getClass()).isEqualTo(message.getClass());
            assertThat(decoded.from()).isEqualTo(message.from());
            assertThat(decoded.view()).isEqualTo(message.view());
        }
    }

    @Test
    void shouldKeepMembersWhenEpochMessagesAndCheckpointsCrossTheWire() throws Exception {
        Message.EpochState state = new Message.EpochState((3L << 32) + 1, MEMBERS, true, 44, CHANGED, 99, ENTRIES, 0);
        assertThat(PeerCodec.decode(PeerCodec.encode(state))).isEqualTo(state);
        Message.EpochNotice notice = (Message.EpochNotice) PeerCodec.decode(PeerCodec.encode(
                new Message.EpochNotice(3L << 32, MEMBERS, 2)));
        assertThat(notice.membership()).isEqualTo(MEMBERS);
        Message.NewState offer = (Message.NewState) PeerCodec.decode(PeerCodec.encode(
                new Message.NewState(4, 6, 6, CHANGED, 99, ENTRIES, 1)));
        assertThat(offer.checkpoint().membership()).isEqualTo(MEMBERS);
        byte[] noticeBytes = PeerCodec.encode(new Message.EpochNotice(3L << 32, MEMBERS, 2));
        noticeBytes[9] = 0; // the notice's members flag: a notice without members is malformed
        assertThatThrownBy(() -> PeerCodec.decode(noticeBytes)).isInstanceOf(PeerProtocolException.class);
    }

    @Test
    void shouldKeepEntryChecksumsWhenEntriesCrossTheWire() throws Exception {
        Message.Prepare decoded = (Message.Prepare) PeerCodec.decode(
                PeerCodec.encode(new Message.Prepare(3, 4, 99, ENTRIES, 2, 0)));
        assertThat(decoded.entries()).isEqualTo(ENTRIES);
        assertThat(decoded.entries()).allMatch(LogEntry::checksumValid);
    }

    @Test
    void shouldKeepPristineFlagWhenRecoveryCrossesTheWire() throws Exception {
        Message.Recovery recovery = (Message.Recovery) PeerCodec.decode(
                PeerCodec.encode(new Message.Recovery(43, true, 2)));
        Message.RecoveryResponse response = (Message.RecoveryResponse) PeerCodec.decode(
                PeerCodec.encode(new Message.RecoveryResponse(0, 43, false, true, 0, 0, null, 0, List.of(), null,
                        1)));
        assertThat(recovery).isEqualTo(new Message.Recovery(43, true, 2));
        assertThat(response.pristine()).isTrue();
        assertThat(response.fromPrimary()).isFalse();
        assertThat(response.nonce()).isEqualTo(43);
    }

    @Test
    void shouldKeepChunkBytesAndClientsWhenCheckpointChunkCrossesTheWire() throws Exception {
        Message.CheckpointChunk decoded = (Message.CheckpointChunk) PeerCodec.decode(
                PeerCodec.encode(new Message.CheckpointChunk(CHECKPOINT, 0, new byte[] {1, 2}, CLIENTS, 1)));
        assertThat(decoded.checkpoint()).isEqualTo(CHECKPOINT);
        assertThat(decoded.data()).containsExactly(1, 2);
        assertThat(decoded.clients()).hasSize(1);
        assertThat(decoded.clients().get(0).clientId()).isEqualTo(77);
        assertThat(decoded.clients().get(0).result()).containsExactly(9);
    }

    @Test
    void shouldRejectCheckpointRefWhenItsNumbersCannotBe() {
        byte[] bytes = PeerCodec.encode(new Message.NewState(4, 6, 6, CHECKPOINT, 99, ENTRIES, 1));
        // The ref follows tag (1), view, op-number and commit number (3 longs) and its presence flag (1).
        int refAt = 1 + 3 * 8 + 1;
        byte[] zeroOp = bytes.clone();
        Arrays.fill(zeroOp, refAt, refAt + 8, (byte) 0);
        byte[] negativeLength = bytes.clone();
        negativeLength[refAt + 16] = (byte) 0x80;
        assertThatThrownBy(() -> PeerCodec.decode(zeroOp)).isInstanceOf(PeerProtocolException.class);
        assertThatThrownBy(() -> PeerCodec.decode(negativeLength)).isInstanceOf(PeerProtocolException.class);
    }

    @Test
    void shouldRejectEveryTruncationWhenMessageIsCut() {
        for (Message message : everyKind()) {
            byte[] bytes = PeerCodec.encode(message);
            for (int length = 0; length < bytes.length; length++) {
                byte[] cut = Arrays.copyOf(bytes, length);
                assertThatThrownBy(() -> PeerCodec.decode(cut)).as("%s cut at %d", message, length)
                        .isInstanceOf(PeerProtocolException.class);
            }
        }
    }

    @Test
    void shouldThrowOnlyProtocolExceptionWhenBytesAreRandom() {
        SplittableRandom random = new SplittableRandom(20261122);
        for (int i = 0; i < 20_000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            if (garbage.length > 0) {
                garbage[0] = (byte) random.nextInt(18);
            }
            try {
                PeerCodec.decode(garbage);
            } catch (PeerProtocolException expected) {
                // the only acceptable failure
                continue;
            }
        }
        byte[] hugeCount = {2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, -1, -1, -1};
        assertThatThrownBy(() -> PeerCodec.decode(hugeCount)).isInstanceOf(PeerProtocolException.class);
    }
}
