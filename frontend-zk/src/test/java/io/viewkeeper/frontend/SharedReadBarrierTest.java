package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.junit.jupiter.api.Test;

/**
 * Linearizable reads a connection has queued behind a read that asks for a barrier were sent before that barrier
 * began, so they share it: one barrier per run of queued reads, never across a write, answers in request order.
 */
class SharedReadBarrierTest {

    private final FrontendHarness harness = new FrontendHarness();

    @Test
    void shouldServeQueuedReadsOnOneBarrierWhenTheyWaitedBehindAnother() {
        EmbeddedChannel channel = harness.connected();
        harness.writes.linearizableReads = true;
        send(channel, request(1, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        ByteArrayOutputStream queued = new ByteArrayOutputStream();
        for (int xid = 2; xid <= 5; xid++) {
            queued.writeBytes(request(xid, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        }
        send(channel, queued.toByteArray());
        assertThat(harness.writes.barriers).as("reads 2-5 wait behind the first read's barrier").hasSize(1);

        harness.core.onReadReady(harness.writes.barriers.get(0));
        assertThat(readAllHex(channel)).isEqualTo(noNode(1));
        assertThat(harness.writes.barriers).as("one more barrier, for the four queued reads").hasSize(2);
        harness.core.onReadReady(harness.writes.barriers.get(1));

        assertThat(readAllHex(channel)).isEqualTo(noNode(2) + noNode(3) + noNode(4) + noNode(5));
        assertThat(harness.writes.barriers).hasSize(2);
    }

    @Test
    void shouldNotShareBarrierAcrossWriteWhenWriteSitsBetweenReads() {
        EmbeddedChannel channel = harness.connected();
        harness.writes.linearizableReads = true;
        harness.writes.autoCommit = false;
        send(channel, request(1, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        ByteArrayOutputStream queued = new ByteArrayOutputStream();
        queued.writeBytes(request(2, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        queued.writeBytes(request(3, OpCode.SET_DATA, new SetDataRequest("/missing", new byte[0], -1)));
        queued.writeBytes(request(4, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        send(channel, queued.toByteArray());

        harness.core.onReadReady(harness.writes.barriers.get(0));
        harness.core.onReadReady(harness.writes.barriers.get(1));
        assertThat(readAllHex(channel)).isEqualTo(noNode(1) + noNode(2));
        assertThat(harness.writes.barriers).as("the read after the write waits for it").hasSize(2);
        harness.writes.commitAll();
        assertThat(harness.writes.barriers).as("then asks for its own barrier").hasSize(3);
        harness.core.onReadReady(harness.writes.barriers.get(2));

        assertThat(readAllHex(channel)).isEqualTo(String.format("%08x%08x%016x%08x", 16, 3, 2L, -101)
                + String.format("%08x%08x%016x%08x", 16, 4, 2L, -101));
    }

    /** The reply to a getData of a missing node: header only, NONODE, at zxid 1 (the session's creation). */
    private static String noNode(int xid) {
        return String.format("%08x%08x%016x%08x", 16, xid, 1L, -101);
    }
}
