package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.CONNECT_REQUEST_HEX;
import static io.viewkeeper.frontend.FrontendHarness.PASSWORD_HEX;
import static io.viewkeeper.frontend.FrontendHarness.hex;
import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SyncRequest;
import org.junit.jupiter.api.Test;

/**
 * Exact bytes the frontend writes for the frames of ZK_PROTOCOL.md §1.3, §3 and Appendix B, through the real
 * pipeline (framing, decoder, core, encoder) on an EmbeddedChannel.
 */
class GoldenBytesTest {
    static final List<ACL> OPEN = List.of(new ACL(31, new Id("world", "anyone")));
    private static final String STAT_OF_FRESH_A = "0000000000000002 0000000000000002 000000000004f214 000000000004f214"
            + " 00000000 00000000 00000000 0000000000000000 00000001 00000000 0000000000000002";

    private final FrontendHarness harness = new FrontendHarness();

    static byte[] create(int xid, String path, String data) {
        byte[] bytes = data == null ? null : data.getBytes(StandardCharsets.UTF_8);
        return request(xid, OpCode.CREATE, new CreateRequest(path, bytes, OPEN, 0));
    }

    /** A multi body as the Java client writes it: MultiHeader{type, false, -1} + record, then the end marker. */
    static byte[] multi(int xid, int type, List<Integer> opTypes, List<Record> ops) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            out.writeInt(xid);
            out.writeInt(type);
            BinaryOutputArchive archive = BinaryOutputArchive.getArchive(out);
            for (int i = 0; i < ops.size(); i++) {
                new MultiHeader(opTypes.get(i), false, -1).serialize(archive, "header");
                ops.get(i).serialize(archive, "op");
            }
            new MultiHeader(-1, true, -1).serialize(archive, "header");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return FrontendHarness.framed(payload.toByteArray());
    }

    /** Connects and creates /a ("x") then /b../f, so the last zxid is 7 as in Appendix B. */
    private EmbeddedChannel connectedAtZxid7() {
        EmbeddedChannel channel = harness.connected();
        send(channel, create(1, "/a", "x"));
        assertThat(readAllHex(channel)).isEqualTo(hex("00000016 00000001 0000000000000002 00000000 00000002 2f61"));
        for (int i = 0; i < 5; i++) {
            send(channel, create(2 + i, "/" + (char) ('b' + i), null));
        }
        readAllHex(channel);
        assertThat(harness.core.lastZxid()).isEqualTo(7);
        return channel;
    }

    @Test
    void shouldAnswerWith37ByteConnectResponseWhenClientSendsReadOnlyByte() {
        EmbeddedChannel channel = harness.open();

        send(channel, CONNECT_REQUEST_HEX);

        assertThat(readAllHex(channel)).isEqualTo(hex("00000025 00000000 00007530 01000004f2140000 00000010 "
                + PASSWORD_HEX + " 00"));
        assertThat(harness.core.lastZxid()).as("createSession uses a zxid").isEqualTo(1);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldLeaveOutReadOnlyByteWhenClientIsOlderThan34() {
        EmbeddedChannel channel = harness.open();

        send(channel, "0000002c 00000000 0000000000000000 00007530 0000000000000000 00000010"
                + " 00000000000000000000000000000000");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000024 00000000 00007530 01000004f2140000 00000010 "
                + PASSWORD_HEX));
    }

    @Test
    void shouldClampTimeoutIntoMinAndMaxWhenRequestIsOutOfBounds() {
        EmbeddedChannel low = harness.open();
        send(low, "0000002d 00000000 0000000000000000 000003e8 0000000000000000 00000010"
                + " 00000000000000000000000000000000 00");
        EmbeddedChannel high = harness.open();
        send(high, "0000002d 00000000 0000000000000000 000f4240 0000000000000000 00000010"
                + " 00000000000000000000000000000000 00");

        assertThat(readAllHex(low)).startsWith(hex("00000025 00000000 00000fa0"));
        assertThat(readAllHex(high)).startsWith(hex("00000025 00000000 00009c40"));
    }

    @Test
    void shouldAnswerInvalidConnectResponseAndCloseWhenSessionIsUnknown() {
        EmbeddedChannel channel = harness.open();

        send(channel, "0000002d 00000000 0000000000000000 00007530 0100000000000099 00000010"
                + " 00000000000000000000000000000000 00");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000025 00000000 00000000 0000000000000000 00000010"
                + " 00000000000000000000000000000000 00"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerPingWithMinusTwoAndLastZxidWhenPinged() {
        EmbeddedChannel channel = connectedAtZxid7();

        send(channel, "00000008 fffffffe 0000000b");
        send(channel, "00000008 00000033 0000000b");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 fffffffe 0000000000000007 00000000"
                + "00000010 fffffffe 0000000000000007 00000000"));
    }

    @Test
    void shouldAnswerBareHeaderWhenGetDataFindsNoNode() {
        EmbeddedChannel channel = connectedAtZxid7();

        send(channel, request(5, OpCode.GET_DATA, new GetDataRequest("/missing", false)));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000005 0000000000000007 ffffff9b"));
    }

    @Test
    void shouldSendNotificationFrameBeforeReplyWhenWatchedNodeChanges() {
        EmbeddedChannel channel = connectedAtZxid7();
        send(channel, "0000000f 00000007 00000004 00000002 2f61 01");
        assertThat(readAllHex(channel)).isEqualTo(hex("00000059 00000007 0000000000000007 00000000 00000001 78 "
                + STAT_OF_FRESH_A));

        send(channel, request(8, OpCode.SET_DATA, new SetDataRequest("/a", "y".getBytes(StandardCharsets.UTF_8),
                -1)));

        assertThat(readAllHex(channel)).isEqualTo(hex(
                "0000001e ffffffff 0000000000000008 00000000 00000003 00000003 00000002 2f61"
                + "00000054 00000008 0000000000000008 00000000"
                + " 0000000000000002 0000000000000008 000000000004f214 000000000004f214"
                + " 00000001 00000000 00000000 0000000000000000 00000001 00000000 0000000000000002"));
    }

    @Test
    void shouldAnswerAddWatchWithFourZeroBytesWhenModeIsValid() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(5, OpCode.ADD_WATCH, new AddWatchRequest("/w", 0)));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000014 00000005 0000000000000001 00000000 00000000"));
    }

    @Test
    void shouldAnswerMarshallingErrorWhenAddWatchModeIsUnknown() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(5, OpCode.ADD_WATCH, new AddWatchRequest("/w", 2)));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000005 0000000000000001 fffffffb"));
    }

    @Test
    void shouldEchoPathWhenSyncing() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(4, OpCode.SYNC, new SyncRequest("/a")));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000016 00000004 0000000000000001 00000000 00000002 2f61"));
    }

    @Test
    void shouldReportEveryOpAsErrorResultWhenOneOpOfMultiFails() {
        EmbeddedChannel channel = harness.connected();
        send(channel, create(1, "/m", "d"));
        readAllHex(channel);

        send(channel, multi(2, OpCode.MULTI, List.of(OpCode.CREATE, OpCode.DELETE, OpCode.SET_DATA), List.of(
                new CreateRequest("/m/b", new byte[0], OPEN, 0), new DeleteRequest("/nonexist", -1),
                new SetDataRequest("/m", new byte[0], -1))));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000040 00000002 0000000000000003 00000000"
                + " ffffffff 00 00000000 00000000 | ffffffff 00 ffffff9b ffffff9b | ffffffff 00 fffffffe fffffffe"
                + " | ffffffff 01 ffffffff"));
        assertThat(harness.stateMachine.tree().get("/m/b")).as("nothing of a failed multi is applied").isNull();
        assertThat(harness.stateMachine.tree().get("/m").stat().version()).isZero();
    }

    @Test
    void shouldEncodeEachResultWhenMultiOfTwoDeletesSucceeds() {
        EmbeddedChannel channel = harness.connected();
        send(channel, create(1, "/p", null));
        send(channel, create(2, "/q", null));
        readAllHex(channel);

        send(channel, multi(3, OpCode.MULTI, List.of(OpCode.DELETE, OpCode.DELETE),
                List.of(new DeleteRequest("/p", -1), new DeleteRequest("/q", 0))));

        assertThat(readAllHex(channel)).isEqualTo(hex("0000002b 00000003 0000000000000004 00000000"
                + " 00000002 00 00000000 | 00000002 00 00000000 | ffffffff 01 ffffffff"));
    }

    @Test
    void shouldAnswerUnimplementedWithZxidMinusOneAndCloseWhenOpcodeIsUnknown() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(9, 99, null));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000009 ffffffffffffffff fffffffa"));
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.stateMachine.sessions().contains(FrontendHarness.FIRST_SESSION_ID))
                .as("the session is not closed, only the connection").isTrue();
    }

    @Test
    void shouldAnswerUnimplementedAndCloseWhenOpcodeIsZero() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(3, 0, null));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000003 ffffffffffffffff fffffffa"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerUnimplementedAndCloseWhenCheckIsSentOutsideMulti() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(4, OpCode.CHECK, new CheckVersionRequest("/zookeeper", -1)));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000004 ffffffffffffffff fffffffa"));
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.core.lastZxid()).isEqualTo(1);
    }

    @Test
    void shouldAnswerMarshallingErrorWithCurrentZxidWhenSingleWriteIsTruncated() {
        EmbeddedChannel channel = harness.connected();
        send(channel, create(1, "/a", "x"));
        readAllHex(channel);

        // create: path length 10 but only "/t" follows
        send(channel, "0000000e 00000002 00000001 0000000a 2f74");
        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000002 0000000000000002 fffffffb"));
        send(channel, create(3, "/b", null));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000016 00000003 0000000000000003 00000000 00000002 2f62"));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldUseZxidWhenMultiBodyWillNotDecode() {
        EmbeddedChannel channel = harness.connected();

        // multi: one create header, then a truncated CreateRequest
        send(channel, "00000017 00000002 0000000e 00000001 00 ffffffff 0000000a 2f74");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000002 0000000000000002 fffffffb"));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldUseZxidAndAnswerMarshallingErrorWhenMultiMixesReadsAndWrites() {
        EmbeddedChannel channel = harness.connected();

        send(channel, multi(2, OpCode.MULTI, List.of(OpCode.CREATE, OpCode.GET_DATA),
                List.of(new CreateRequest("/x", new byte[0], OPEN, 0), new GetDataRequest("/x", false))));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000002 0000000000000002 fffffffb"));
        assertThat(harness.stateMachine.tree().get("/x")).isNull();
    }

    @Test
    void shouldAnswerAuthWithZxidZeroWhenDigestIsAdded() {
        EmbeddedChannel channel = harness.connected();

        send(channel, "00000023 fffffffc 00000064 00000000 00000006 646967657374 00000009 757365723a70617373");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 fffffffc 0000000000000000 00000000"));
    }

    @Test
    void shouldReplyWithCloseZxidThenCloseWhenClientClosesSession() {
        EmbeddedChannel channel = harness.connected();

        send(channel, request(6, OpCode.CLOSE_SESSION, null));

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000006 0000000000000002 00000000"));
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.stateMachine.sessions().size()).isZero();
    }

    @Test
    void shouldAnswerImokAndCloseWhenFirstBytesAreRuok() {
        EmbeddedChannel channel = harness.open();

        send(channel, "72756f6b");

        assertThat(readAllHex(channel)).isEqualTo(hex("696d6f6b"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerWhitelistMessageWhenWordIsNotWhitelisted() {
        EmbeddedChannel channel = harness.open();

        send(channel, "73746174");

        String expected = "stat is not executed because it is not in the whitelist.\n";
        assertThat(readAllHex(channel)).isEqualTo(java.util.HexFormat.of()
                .formatHex(expected.getBytes(StandardCharsets.US_ASCII)));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldEchoArgumentWhenStmkCarriesEightByteLong() {
        EmbeddedChannel channel = harness.open();

        send(channel, "73746d6b");
        send(channel, "00000000 00000132");

        assertThat(readAllHex(channel)).isEqualTo(java.util.HexFormat.of()
                .formatHex("306".getBytes(StandardCharsets.US_ASCII)));
        assertThat(channel.isOpen()).isFalse();
    }
}
