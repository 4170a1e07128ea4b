package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.zookeeper.proto.CreateRequest;
import org.junit.jupiter.api.Test;

/**
 * Writes a backup forwards: a connection submits its next write before the previous one commits, each naming the
 * one before it so the primary keeps their order, and the replies still leave in request order.
 */
class ForwardedWritesTest {

    private final FrontendHarness harness = new FrontendHarness();

    @Test
    void shouldSubmitNextWriteBeforeCommitWhenWritesAreForwarded() {
        EmbeddedChannel channel = harness.connected();
        harness.writes.autoCommit = false;
        harness.writes.forwarding = true;
        harness.writes.previousNamed.clear();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int xid = 1; xid <= 5; xid++) {
            burst.writeBytes(request(xid, OpCode.CREATE, new CreateRequest("/n" + xid, null, GoldenBytesTest.OPEN,
                    0)));
        }

        send(channel, burst.toByteArray());
        assertThat(harness.writes.pendingCount()).as("writes submitted before any commit").isEqualTo(5);
        assertThat(harness.writes.previousNamed).as("each names the one before; the first the session's creation")
                .containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(readAllHex(channel)).as("nothing answered before the commits").isEmpty();

        harness.writes.commitAll();
        StringBuilder expected = new StringBuilder();
        for (int xid = 1; xid <= 5; xid++) {
            String path = "/n" + xid;
            expected.append(String.format("%08x%08x%016x%08x%08x", 16 + 4 + path.length(), xid, xid + 1L, 0,
                    path.length()));
            expected.append(java.util.HexFormat.of().formatHex(path.getBytes(StandardCharsets.US_ASCII)));
        }
        assertThat(readAllHex(channel)).isEqualTo(expected.toString());
    }

    @Test
    void shouldOfferLostForwardedWritesAgainInOrderWhenNewViewIsEntered() {
        EmbeddedChannel channel = harness.connected();
        harness.writes.autoCommit = false;
        harness.writes.forwarding = true;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int xid = 1; xid <= 3; xid++) {
            burst.writeBytes(request(xid, OpCode.CREATE, new CreateRequest("/n" + xid, null, GoldenBytesTest.OPEN,
                    0)));
        }
        send(channel, burst.toByteArray());
        harness.writes.loseAll();
        harness.writes.previousNamed.clear();

        // the clock stands still: no resubmit delay passes, only the new view makes the frontend offer them again
        harness.core.onTick();
        assertThat(harness.writes.pendingCount()).as("writes offered again before the new view").isZero();
        harness.core.onViewEntered();
        assertThat(harness.writes.pendingCount()).as("writes offered again in the new view").isEqualTo(3);
        assertThat(harness.writes.previousNamed).as("in their order, each naming the one before")
                .containsExactly(0L, 1L, 2L);

        harness.writes.commitAll();
        String replies = readAllHex(channel);
        for (int xid = 1; xid <= 3; xid++) {
            assertThat(replies).as("reply to xid %d", xid).contains(String.format("%08x%016x%08x", xid, xid + 1L, 0));
        }
    }
}
