package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.Txn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The write pipeline alone over a scripted replica: which writes hold their connection behind a barrier, the
 * predecessor each names, and what is offered again, when and in which order.
 */
class WritePipelineTest {

    private static final long CLIENT = -42;

    /** A replica whose answers the test scripts (forwarded when none is left); it records every offer. */
    private static final class ScriptedReplica implements WritePath {
        final Deque<Long> answers = new ArrayDeque<>();
        final List<long[]> offers = new ArrayList<>();

        @Override
        public long submit(Txn txn, long clientId, long requestNumber, long previousRequestNumber) {
            offers.add(new long[] {clientId, requestNumber, previousRequestNumber});
            return answers.isEmpty() ? FORWARDED : answers.poll();
        }

        List<Long> requestNumbers() {
            return offers.stream().map(o -> o[1]).toList();
        }

        List<Long> previousNamed() {
            return offers.stream().map(o -> o[2]).toList();
        }
    }

    private final ScriptedReplica replica = new ScriptedReplica();
    private final WritePipeline pipeline = new WritePipeline(replica);
    private final ClientConnection connection = new ClientConnection(new EmbeddedChannel(), "127.0.0.1", 50_000, 0);

    WritePipelineTest() {
        connection.clientId = CLIENT;
        connection.sessionId = 0x100L << 48;
        connection.transitionTo(ConnectionState.READY);
    }

    private void write(int xid, long nowMs) {
        Inbound.Request request = new Inbound.Request(xid, OpCode.DELETE, null, List.of(), false);
        pipeline.submit(connection, request, new Operation.Delete("/n" + xid, -1), nowMs, 0);
    }

    @Test
    void shouldHoldConnectionBehindBarrierWhenWriteIsRefused() {
        connection.lastWriteRequestNumber = 0;
        replica.answers.add(WritePath.REJECTED);
        write(1, 0);
        assertThat(connection.state()).isEqualTo(ConnectionState.WRITE_BARRIER);
        assertThat(connection.state().admits(true)).as("the next write waits for a commit").isFalse();
    }

    @Test
    void shouldLetNextWriteFollowWhenWritesAreOrderedOrForwardedAfterTheSessionsCreation() {
        connection.lastWriteRequestNumber = 0; // the connection's CreateSession committed
        replica.answers.add(7L);
        write(1, 0);
        assertThat(connection.state()).isEqualTo(ConnectionState.WRITES_IN_FLIGHT);
        write(2, 0); // forwarded
        assertThat(connection.state()).isEqualTo(ConnectionState.WRITES_IN_FLIGHT);
        assertThat(replica.previousNamed()).as("each names the one before").containsExactly(0L, 1L);
        assertThat(connection.writesInFlight()).isEqualTo(2);
    }

    @Test
    void shouldRaiseBarrierWhenFirstWriteOfResumedSessionIsForwarded() {
        // a resumed session: the primary may not know this connection's client yet
        write(1, 0);
        assertThat(replica.previousNamed()).containsExactly(WritePath.NO_PREVIOUS);
        assertThat(connection.state()).isEqualTo(ConnectionState.WRITE_BARRIER);
    }

    @Test
    void shouldOfferAgainInSubmissionOrderOnlyOnceTheDelayPassed() {
        connection.lastWriteRequestNumber = 0;
        write(1, 0);
        write(2, 100);
        write(3, 200);
        replica.offers.clear();

        pipeline.offerAgain(WritePipeline.RESUBMIT_AFTER_MS - 1, WritePipeline.RESUBMIT_AFTER_MS);
        assertThat(replica.offers).as("none is due yet").isEmpty();
        pipeline.offerAgain(WritePipeline.RESUBMIT_AFTER_MS + 100, WritePipeline.RESUBMIT_AFTER_MS);
        assertThat(replica.requestNumbers()).as("the two due").containsExactly(1L, 2L);
        assertThat(replica.previousNamed()).containsExactly(0L, 1L);

        replica.offers.clear();
        pipeline.offerAgain(WritePipeline.RESUBMIT_AFTER_MS + 100, 0);
        assertThat(replica.requestNumbers()).as("a new view: all, in order").containsExactly(1L, 2L, 3L);
        assertThat(replica.previousNamed()).containsExactly(0L, 1L, 2L);
    }

    @Test
    void shouldStopOfferingWriteWhenItCommitted() {
        connection.lastWriteRequestNumber = 0;
        write(1, 0);
        write(2, 0);
        WritePipeline.PendingWrite done = pipeline.complete(CLIENT, 1);
        assertThat(done.connection).isSameAs(connection);
        assertThat(done.xid).isEqualTo(1);
        assertThat(pipeline.complete(CLIENT, 1)).as("a commit completes a write once").isNull();
        replica.offers.clear();

        pipeline.offerAgain(0, 0);
        assertThat(replica.requestNumbers()).containsExactly(2L);
        assertThat(pipeline.size()).isEqualTo(1);
    }

    @Test
    void shouldWithdrawOnlyExpiriesWhenAskedTo() {
        connection.lastWriteRequestNumber = 0;
        long expired = 0x200L << 48;
        pipeline.submitExpiry(expired, 0);
        write(1, 0);
        assertThat(pipeline.isPending(expired, WritePipeline.EXPIRY_REQUEST_NUMBER)).isTrue();

        assertThat(pipeline.withdrawExpiries()).containsExactly(expired);
        replica.offers.clear();
        pipeline.offerAgain(0, 0);
        assertThat(replica.requestNumbers()).as("the client's write stays").containsExactly(1L);
        assertThat(pipeline.isPending(expired, WritePipeline.EXPIRY_REQUEST_NUMBER)).isFalse();
    }

    @Test
    void shouldStopOfferingRestoreWhenWithdrawn() {
        List<Long> restoredAt = new ArrayList<>();
        RestoreListener listener = (zxid, result) -> restoredAt.add(zxid);
        pipeline.submitRestore(new Operation.RestoreState(new byte[] {1}), 3, 0x10, 0, listener);
        long[] offered = replica.offers.get(0);
        assertThat(offered[0]).isEqualTo(WritePipeline.RESTORE_CLIENT_ID_BASE + 3);
        assertThat(offered[1]).as("request numbers grow with the applied zxid").isEqualTo(0x10L << 12);

        assertThat(pipeline.withdrawRestore(listener)).isTrue();
        assertThat(pipeline.withdrawRestore(listener)).as("withdrawn once").isFalse();
        assertThat(pipeline.takeRestoreListener(offered[0], offered[1])).isNull();
        assertThat(pipeline.size()).isZero();
        assertThat(restoredAt).isEmpty();
    }

    @Test
    void shouldHandOverRestoreListenerWhenRestoreCommits() {
        RestoreListener listener = (zxid, result) -> assertThat(result).isInstanceOf(Result.Done.class);
        pipeline.submitRestore(new Operation.RestoreState(new byte[] {1}), 1, 5, 0, listener);
        pipeline.submitRestore(new Operation.RestoreState(new byte[] {2}), 1, 5, 0, (zxid, result) -> { });
        long[] first = replica.offers.get(0);
        long[] second = replica.offers.get(1);
        assertThat(second[1]).as("a second restore at the same zxid gets the next number").isEqualTo(first[1] + 1);
        assertThat(pipeline.takeRestoreListener(first[0], first[1])).isSameAs(listener);
    }
}
