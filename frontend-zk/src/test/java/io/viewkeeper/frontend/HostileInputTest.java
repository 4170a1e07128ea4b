package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.CONNECT_REQUEST_HEX;
import static io.viewkeeper.frontend.FrontendHarness.bytes;
import static io.viewkeeper.frontend.FrontendHarness.hex;
import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile bytes on one connection (ZK_PROTOCOL.md §1.2, §2.1): each gets ZooKeeper's answer or a
 * closed connection, and afterwards a well-behaved client is still served.
 */
class HostileInputTest {
    private static final int JUTE_MAX_BUFFER = 1024;
    private static final int INFLIGHT_MAX = 4;
    private static final String PING = "00000008 fffffffe 0000000b";

    private final FrontendHarness harness = new FrontendHarness(
            FrontendHarness.settings(JUTE_MAX_BUFFER, INFLIGHT_MAX, Set.of("srvr", "ruok")));

    @AfterEach
    void wellBehavedClientStillWorks() {
        harness.writes.autoCommit = true;
        harness.writes.commitAll();
        EmbeddedChannel channel = harness.connected();
        String path = "/after-" + harness.core.lastZxid();
        send(channel, GoldenBytesTest.create(1, path, "ok"));
        send(channel, PING);

        long zxid = harness.core.lastZxid();
        assertThat(readAllHex(channel)).isEqualTo(String.format("%08x%08x%016x%08x%08x", 20 + path.length(), 1, zxid, 0,
                path.length()) + java.util.HexFormat.of().formatHex(path.getBytes(StandardCharsets.US_ASCII))
                + String.format("%08x%08x%016x%08x", 16, -2, zxid, 0));
        assertThat(channel.isOpen()).isTrue();
    }

    private String zxidHex() {
        return String.format("%016x", harness.core.lastZxid());
    }

    @Test
    void shouldCloseWithoutAnswerWhenFirstLengthIsNegative() {
        EmbeddedChannel channel = harness.open();

        send(channel, "ffffffff 00000000");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.stateMachine.sessions().size()).isZero();
    }

    @Test
    void shouldCloseWhenLengthIsNegativeAfterHandshake() {
        EmbeddedChannel channel = harness.connected();

        send(channel, "80000000 00000001 00000001");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseWhenLengthExceedsJuteMaxBuffer() {
        EmbeddedChannel channel = harness.connected();

        send(channel, String.format("%08x", JUTE_MAX_BUFFER + 1) + "fffffffe 0000000b");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerWhenLengthEqualsJuteMaxBuffer() {
        EmbeddedChannel channel = harness.connected();
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(bytes(String.format("%08x", JUTE_MAX_BUFFER) + "fffffffe 0000000b"));
        frame.writeBytes(new byte[JUTE_MAX_BUFFER - 8]);

        send(channel, frame.toByteArray());

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 fffffffe") + zxidHex() + "00000000");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldCloseWhenFourLetterWordArrivesOnEstablishedSession() {
        EmbeddedChannel channel = harness.connected();

        send(channel, "72756f6b");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseWithoutSessionWhenConnectRequestIsTruncated() {
        EmbeddedChannel channel = harness.open();

        // a complete frame of 10 bytes: protocolVersion and part of lastZxidSeen
        send(channel, "0000000a 00000000 000000000000");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.stateMachine.sessions().size()).isZero();
        assertThat(harness.core.lastZxid()).isZero();
    }

    @Test
    void shouldCloseWhenPartialConnectRequestIsNeverCompleted() {
        EmbeddedChannel channel = harness.open();
        channel.freezeTime();

        send(channel, "0000002d 00000000 0000000000000000");
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("before the sessionless timeout").isTrue();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseSilentConnectionWhenSessionlessTimeoutPasses() {
        EmbeddedChannel channel = harness.open();
        channel.freezeTime();

        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldKeepConnectionWhenHandshakeCompletedBeforeSessionlessTimeout() {
        EmbeddedChannel channel = harness.connected();
        channel.freezeTime();

        channel.advanceTimeBy(11, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldAnswerConnectResponseWhenConnectRequestArrivesOneByteAtATime() {
        EmbeddedChannel channel = harness.open();

        for (byte b : bytes(CONNECT_REQUEST_HEX)) {
            send(channel, new byte[] {b});
        }

        assertThat(readAllHex(channel)).startsWith(hex("00000025 00000000 00007530 01000004f2140000"));
    }

    @Test
    void shouldAnswerMarshallingErrorAndStayOpenWhenSetWatchesClaimsHugeVector() {
        EmbeddedChannel channel = harness.connected();

        // setWatches: relativeZxid, then dataWatches with 2^31-1 entries and one short path
        send(channel, "0000001a 00000007 00000065 0000000000000001 7fffffff 00000002 2f61");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000007") + zxidHex() + "fffffffb");
        send(channel, PING);
        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 fffffffe") + zxidHex() + "00000000");
    }

    @Test
    void shouldAnswerMarshallingErrorWithoutZxidWhenCreateClaimsHugeAclList() {
        EmbeddedChannel channel = harness.connected();
        long before = harness.core.lastZxid();

        // create "/h", null data, ACL vector of 2^31-1 entries, then one perms int only
        send(channel, "0000001a 00000002 00000001 00000002 2f68 ffffffff 7fffffff 0000001f");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000002") + zxidHex() + "fffffffb");
        assertThat(harness.core.lastZxid()).isEqualTo(before);
        assertThat(harness.stateMachine.tree().get("/h")).isNull();
    }

    @Test
    void shouldAnswerMarshallingErrorWhenPathLengthIsHuge() {
        EmbeddedChannel channel = harness.connected();

        send(channel, "0000000f 00000003 00000004 7ffffff0 2f61 01");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000003") + zxidHex() + "fffffffb");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldAnswerMarshallingErrorWhenSetDataBufferLengthIsHuge() {
        EmbeddedChannel channel = harness.connected();
        long before = harness.core.lastZxid();

        send(channel, "00000018 00000004 00000005 00000002 2f61 7fffffff 0000 00000000");

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000004") + zxidHex() + "fffffffb");
        assertThat(harness.core.lastZxid()).isEqualTo(before);
    }

    @Test
    void shouldCloseWhenRequestHeaderIsTruncated() {
        EmbeddedChannel channel = harness.connected();

        send(channel, "00000004 00000001");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerUnimplementedAndCloseWhenOpcodeIsNegativeOrLarge() {
        EmbeddedChannel first = harness.connected();
        EmbeddedChannel second = harness.connected();

        send(first, request(1, -100, null));
        send(second, request(2, 1000, new GetDataRequest("/a", false)));

        assertThat(readAllHex(first)).isEqualTo(hex("00000010 00000001 ffffffffffffffff fffffffa"));
        assertThat(readAllHex(second)).isEqualTo(hex("00000010 00000002 ffffffffffffffff fffffffa"));
        assertThat(first.isOpen()).isFalse();
        assertThat(second.isOpen()).isFalse();
    }

    @Test
    void shouldCloseWithoutSessionWhenGarbageFrameComesBeforeConnectRequest() {
        EmbeddedChannel channel = harness.open();

        send(channel, "00000008 deadbeefdeadbeef");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(harness.stateMachine.sessions().size()).isZero();
    }

    @Test
    void shouldCloseWhenHttpRequestComesBeforeConnectRequest() {
        EmbeddedChannel channel = harness.open();

        send(channel, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseWithoutAnswerWhenTelnetInterruptIsSent() {
        EmbeddedChannel channel = harness.open();

        send(channel, "fff4fffd");

        assertThat(readAllHex(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerUnimplementedAndCloseWhenSecondConnectRequestArrives() {
        EmbeddedChannel channel = harness.connected();

        send(channel, CONNECT_REQUEST_HEX);

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 00000000 ffffffffffffffff fffffffa"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldAnswerPipelinedRequestsAfterConnectResponseWhenTheyArriveBeforeIt() {
        harness.writes.autoCommit = false;
        EmbeddedChannel channel = harness.open();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.writeBytes(bytes(CONNECT_REQUEST_HEX));
        burst.writeBytes(bytes(PING));
        burst.writeBytes(request(1, OpCode.GET_DATA, new GetDataRequest("/missing", false)));

        send(channel, burst.toByteArray());
        assertThat(readAllHex(channel)).as("nothing before the session commits").isEmpty();
        harness.writes.commitAll();

        assertThat(readAllHex(channel)).isEqualTo(hex("00000025 00000000 00007530 01000004f2140000 00000010 "
                + FrontendHarness.PASSWORD_HEX + " 00"
                + "00000010 fffffffe 0000000000000001 00000000"
                + "00000010 00000001 0000000000000001 ffffff9b"));
    }

    @Test
    void shouldStopReadingAndStillAnswerAllInOrderWhenInflightLimitIsExceeded() {
        EmbeddedChannel channel = harness.connected();
        harness.writes.autoCommit = false;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        int requests = 3 * INFLIGHT_MAX;
        for (int i = 1; i <= requests; i++) {
            burst.writeBytes(request(i, OpCode.CREATE, new CreateRequest("/n" + i, null, GoldenBytesTest.OPEN, 0)));
        }

        send(channel, burst.toByteArray());
        assertThat(channel.config().isAutoRead()).as("reading stops at the in-flight limit").isFalse();
        harness.writes.commitAll();

        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= requests; i++) {
            String path = "/n" + i;
            expected.append(String.format("%08x%08x%016x%08x%08x", 16 + 4 + path.length(), i, i + 1L, 0,
                    path.length()));
            expected.append(java.util.HexFormat.of().formatHex(path.getBytes(StandardCharsets.US_ASCII)));
        }
        assertThat(readAllHex(channel)).isEqualTo(expected.toString());
        assertThat(channel.config().isAutoRead()).as("reading resumes once replies drain").isTrue();
    }

    @Test
    void shouldResumeReadingAfterEachReplyWhenInflightLimitIsOne() {
        FrontendHarness strict = new FrontendHarness(FrontendHarness.settings(JUTE_MAX_BUFFER, 1, Set.of()));
        EmbeddedChannel channel = strict.connected();
        assertThat(channel.config().isAutoRead()).as("reading resumes after the ConnectResponse").isTrue();

        send(channel, PING);

        assertThat(readAllHex(channel)).isEqualTo(hex("00000010 fffffffe 0000000000000001 00000000"));
        assertThat(channel.config().isAutoRead()).as("reading resumes after the ping reply").isTrue();
    }

    @Test
    void shouldAnswerMarshallingErrorWithNewZxidWhenCreatePathIsNull() {
        EmbeddedChannel channel = harness.connected();
        long before = harness.core.lastZxid();

        // create with a null path (ustring length -1): ZooKeeper's PrepRequestProcessor fails with an
        // unexpected exception and turns it into an error transaction with MarshallingError
        send(channel, request(1, OpCode.CREATE, new CreateRequest(null, null, GoldenBytesTest.OPEN, 0)));

        assertThat(readAllHex(channel)).isEqualTo(String.format("%08x%08x%016x%08x", 16, 1, before + 1, -5));
        assertThat(channel.isOpen()).isTrue();
    }
}
