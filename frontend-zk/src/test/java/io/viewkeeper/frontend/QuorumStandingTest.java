package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.framed;
import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;
import org.apache.jute.BinaryOutputArchive;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.junit.jupiter.api.Test;

/**
 * What a replica tells clients depends on where it stands with its group: a resumed session is answered only after
 * a read barrier shows the replica's state current; a replica cut off from the group closes its clients and refuses
 * handshakes, or, with read-only mode on, serves read-only sessions that refuse writes; handshakes that cannot be
 * answered are held for a bounded time; pings wait while the replica cannot vouch for sessions.
 */
class QuorumStandingTest {
    private static final byte[] PASSWORD = HexFormat.of().parseHex(FrontendHarness.PASSWORD_HEX);

    private static final java.util.List<org.apache.zookeeper.data.ACL> OPEN = java.util.List.of(
            new org.apache.zookeeper.data.ACL(31, new org.apache.zookeeper.data.Id("world", "anyone")));

    private final FrontendHarness harness = new FrontendHarness();

    @Test
    void shouldAnswerResumedSessionOnlyAfterItsBarrierWhenInGroup() {
        harness.connected();
        harness.writes.linearizableReads = true;
        EmbeddedChannel resumed = harness.open();
        send(resumed, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 0, false));

        assertThat(readAllHex(resumed)).as("no answer before the barrier").isEmpty();
        assertThat(harness.writes.barriers).hasSize(1);
        harness.core.onReadReady(harness.writes.barriers.get(0));

        Reply reply = Reply.parse(readAllHex(resumed));
        assertThat(reply.sessionId()).isEqualTo(FrontendHarness.FIRST_SESSION_ID);
        assertThat(reply.timeoutMs()).isEqualTo(30_000);
        assertThat(reply.readOnly()).isFalse();
    }

    @Test
    void shouldAnswerExpiredAfterBarrierWhenSessionWasClosedMeanwhile() {
        EmbeddedChannel first = harness.connected();
        harness.writes.linearizableReads = true;
        EmbeddedChannel resumed = harness.open();
        send(resumed, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 0, false));
        send(first, request(1, OpCode.CLOSE_SESSION, null));
        harness.core.onReadReady(harness.writes.barriers.get(0));

        assertThat(Reply.parse(readAllHex(resumed)).sessionId()).as("session-expired: id 0").isZero();
        assertThat(resumed.isActive()).isFalse();
    }

    @Test
    void shouldCloseClientsAndRefuseHandshakesWhenCutOff() {
        EmbeddedChannel client = harness.connected();
        harness.writes.standing = WritePath.Standing.CUT_OFF;
        harness.core.onTick();

        assertThat(client.isActive()).as("a cut-off replica sends its clients away").isFalse();
        EmbeddedChannel late = harness.open();
        send(late, connect(0, new byte[16], 0, false));
        assertThat(readAllHex(late)).as("no session from a cut-off replica").isEmpty();
        assertThat(late.isActive()).isFalse();
        EmbeddedChannel readOnlyClient = harness.open();
        send(readOnlyClient, connect(0, new byte[16], 0, true));
        assertThat(readOnlyClient.isActive()).as("read-only mode is off by default").isFalse();
        assertThat(harness.core.stats().handshakesRefusedNoQuorum).isEqualTo(2);
        assertThat(harness.core.stats().connectionsClosedNoQuorum).isEqualTo(1);
        assertThat(FourLetterWords.isro(harness.core)).isEqualTo("null");
    }

    @Test
    void shouldHoldPingUntilServingWhenViewChangeIsUnderWay() {
        EmbeddedChannel client = harness.connected();
        harness.writes.standing = WritePath.Standing.WAITING;
        harness.core.onTick();
        send(client, request(-2, OpCode.PING, null));
        assertThat(readAllHex(client)).as("no ping answer while the replica cannot vouch").isEmpty();

        harness.writes.standing = WritePath.Standing.SERVING;
        harness.core.onTick();
        assertThat(readAllHex(client)).isEqualTo(String.format("%08x%08x%016x%08x", 16, -2, 1L, 0));
        assertThat(client.isActive()).isTrue();
    }

    @Test
    void shouldCloseHeldHandshakeWhenItsHoldTimeRunsOut() {
        harness.connected();
        harness.writes.linearizableReads = true;
        harness.writes.standing = WritePath.Standing.WAITING;
        harness.core.onTick();
        EmbeddedChannel resumed = harness.open();
        send(resumed, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 0, false));

        harness.clockMs += Handshakes.holdMs(30_000) - 1;
        harness.core.onTick();
        assertThat(resumed.isActive()).as("held within its time").isTrue();
        harness.clockMs += 1;
        harness.core.onTick();
        assertThat(readAllHex(resumed)).isEmpty();
        assertThat(resumed.isActive()).as("closed unanswered, so the client tries another server").isFalse();
        assertThat(harness.core.stats().handshakesTimedOut).isEqualTo(1);
    }

    @Test
    void shouldHoldHandshakeUntilZxidIsReachedWhenClientHasSeenMore() {
        EmbeddedChannel writer = harness.connected();
        harness.writes.autoCommit = false;
        send(writer, request(1, OpCode.CREATE, new CreateRequest("/a", new byte[0],
                OPEN, 0)));
        EmbeddedChannel resumed = harness.open();
        send(resumed, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 2, false));
        assertThat(readAllHex(resumed)).as("the client has seen zxid 2, this node has applied 1").isEmpty();
        assertThat(resumed.isActive()).isTrue();

        harness.writes.commitAll();
        harness.core.onTick();
        assertThat(Reply.parse(readAllHex(resumed)).sessionId()).isEqualTo(FrontendHarness.FIRST_SESSION_ID);
    }

    @Test
    void shouldServeReadOnlySessionsWhenCutOffWithReadOnlyMode() {
        FrontendHarness readOnly = new FrontendHarness(FrontendHarness.settings(0xfffff, 1000, Set.of("srvr"), true));
        EmbeddedChannel member = readOnly.connected();
        send(member, request(1, OpCode.CREATE, new CreateRequest("/a", "x".getBytes(StandardCharsets.UTF_8),
                OPEN, 0)));
        readAllHex(member);
        readOnly.writes.linearizableReads = true;
        readOnly.writes.standing = WritePath.Standing.CUT_OFF;
        readOnly.core.onTick();
        assertThat(FourLetterWords.isro(readOnly.core)).isEqualTo("ro");
        assertThat(readOnly.core.role()).isEqualTo("read-only");

        EmbeddedChannel client = readOnly.open();
        send(client, connect(0, new byte[16], 0, true));
        Reply reply = Reply.parse(readAllHex(client));
        assertThat(reply.readOnly()).isTrue();
        assertThat(reply.sessionId()).isNotZero().isNotEqualTo(FrontendHarness.FIRST_SESSION_ID);
        send(client, request(1, OpCode.GET_DATA, new GetDataRequest("/a", false)));
        assertThat(readAllHex(client)).as("read from local state, no barrier").contains("0000000178");
        assertThat(readOnly.writes.barriers).isEmpty();
        send(client, request(2, OpCode.SET_DATA, new SetDataRequest("/a", new byte[0], -1)));
        assertThat(readAllHex(client)).isEqualTo(String.format("%08x%08x%016x%08x", 16, 2, 2L,
                ErrorCode.NOT_READONLY));
        send(client, request(3, OpCode.SYNC, new org.apache.zookeeper.proto.SyncRequest("/a")));
        assertThat(readAllHex(client)).endsWith(String.format("%08x", ErrorCode.NOT_READONLY));

        EmbeddedChannel global = readOnly.open();
        send(global, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 0, true));
        assertThat(global.isActive()).as("a session of the group is not resumed read-only").isFalse();

        readOnly.writes.standing = WritePath.Standing.SERVING;
        readOnly.core.onTick();
        assertThat(client.isActive()).as("read-only clients leave once the group is reached").isFalse();
        assertThat(FourLetterWords.isro(readOnly.core)).isEqualTo("rw");
    }

    @Test
    void shouldWithdrawExpiryWhenReplicaStopsBeingPrimary() {
        harness.connected();
        harness.writes.autoCommit = false;
        harness.core.onTick(); // the primary's first tick gives every session a full timeout
        harness.clockMs += 30_001;
        harness.core.onTick();
        assertThat(harness.writes.pendingCount()).as("the primary proposes the expiry").isEqualTo(1);

        harness.writes.loseAll();
        harness.writes.primary = false;
        harness.core.onTick();
        EmbeddedChannel resumed = harness.open();
        send(resumed, connect(FrontendHarness.FIRST_SESSION_ID, PASSWORD, 0, false));
        assertThat(Reply.parse(readAllHex(resumed)).sessionId()).as("the session lives on in the new view")
                .isEqualTo(FrontendHarness.FIRST_SESSION_ID);
        assertThat(harness.writes.pendingCount()).as("the withdrawn expiry is not offered again").isZero();
    }

    @Test
    void shouldExpireNoSessionWhileCutOffAndGiveFullTimeoutWhenBackInContact() {
        harness.connected();
        harness.writes.autoCommit = false;
        harness.core.onTick();
        harness.writes.standing = WritePath.Standing.CUT_OFF;
        harness.core.onTick();
        harness.clockMs += 30_001;
        harness.core.onTick();
        assertThat(harness.writes.pendingCount()).as("a cut-off primary hears no touches: it expires nothing")
                .isZero();

        harness.writes.standing = WritePath.Standing.SERVING;
        harness.core.onTick();
        assertThat(harness.writes.pendingCount()).as("back in contact, every session gets a full timeout").isZero();
        harness.clockMs += 30_001;
        harness.core.onTick();
        assertThat(harness.writes.pendingCount()).as("then a silent session expires").isEqualTo(1);
    }

    private static byte[] connect(long sessionId, byte[] password, long lastZxidSeen, boolean readOnly) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            new ConnectRequest(0, lastZxidSeen, 30_000, sessionId, password, readOnly)
                    .serialize(BinaryOutputArchive.getArchive(out), "connect");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return framed(payload.toByteArray());
    }

    /** A ConnectResponse as the client reads it. */
    private record Reply(int timeoutMs, long sessionId, boolean readOnly) {
        static Reply parse(String hex) {
            var buffer = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
            int length = buffer.readInt();
            assertThat(length).as("a whole ConnectResponse").isEqualTo(37);
            buffer.readInt(); // protocol version
            int timeout = buffer.readInt();
            long session = buffer.readLong();
            buffer.skipBytes(buffer.readInt());
            return new Reply(timeout, session, buffer.readBoolean());
        }
    }
}
