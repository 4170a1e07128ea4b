package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.SyncRequest;
import org.junit.jupiter.api.Test;

/**
 * Read barriers alone: a refused barrier is asked for again, queued data reads share the barrier up to the limit
 * and never across a sync, and the connection's queue waits until the barrier passed.
 */
class ReadBarriersTest {

    /** A replica whose barrier answers the test scripts (granted when none is left); it records each request. */
    private static final class ScriptedReplica implements WritePath {
        final Deque<Boolean> answers = new ArrayDeque<>();
        final List<Long> asked = new ArrayList<>();

        @Override
        public long submit(Txn txn, long clientId, long requestNumber, long previousRequestNumber) {
            throw new AssertionError("no write here");
        }

        @Override
        public boolean needsBarrier(boolean sync) {
            return true;
        }

        @Override
        public boolean read(long readId) {
            asked.add(readId);
            return answers.isEmpty() || answers.poll();
        }
    }

    private final ZnodeStateMachine stateMachine = new ZnodeStateMachine(new DataTree(), new SessionTable(), true,
            false);
    private final ScriptedReplica replica = new ScriptedReplica();
    private final ClientOutput output = new ClientOutput(1000, new ServerStats());
    private final ReadBarriers barriers = new ReadBarriers(replica, new ReadRequests(stateMachine,
            new WatchRegistry(1000), "", 0), output, stateMachine::lastZxid, () -> RequestListener.NONE);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ClientConnection connection = new ClientConnection(channel, "127.0.0.1", 50_000, 0);

    ReadBarriersTest() {
        connection.transitionTo(ConnectionState.READY);
    }

    private static Inbound.Request getData(int xid) {
        return new Inbound.Request(xid, OpCode.GET_DATA, new GetDataRequest("/missing", false), List.of(), false);
    }

    /** The xids of the replies written so far, each checked to be NoNode. */
    private List<Integer> answeredXids() {
        output.flush();
        List<Integer> xids = new ArrayList<>();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            Outbound reply = (Outbound) message;
            assertThat(reply.header().getErr()).isEqualTo(ErrorCode.NO_NODE);
            xids.add(reply.header().getXid());
        }
        return xids;
    }

    @Test
    void shouldAskAgainOnRetryWhenBarrierWasRefused() {
        replica.answers.add(false);
        barriers.request(connection, getData(1), 0);
        assertThat(connection.state()).isEqualTo(ConnectionState.READ_BARRIER);
        barriers.retry();
        barriers.retry();
        assertThat(replica.asked).as("refused once, asked again once").containsExactly(1L, 1L);
        assertThat(answeredXids()).isEmpty();

        assertThat(barriers.pass(1)).isSameAs(connection);
        assertThat(connection.state()).isEqualTo(ConnectionState.READY);
        assertThat(answeredXids()).containsExactly(1);
        assertThat(barriers.size()).isZero();
        assertThat(barriers.pass(1)).as("a barrier passes once").isNull();
    }

    @Test
    void shouldShareBarrierWithAtMostTheLimitOfQueuedReads() {
        int queued = ReadBarriers.READS_PER_BARRIER_MAX + 6;
        for (int xid = 2; xid < 2 + queued; xid++) {
            connection.waiting.add(getData(xid));
        }
        barriers.request(connection, getData(1), 0);
        assertThat(connection.waiting).hasSize(6);

        barriers.pass(1);
        List<Integer> expected = new ArrayList<>();
        for (int xid = 1; xid <= 1 + ReadBarriers.READS_PER_BARRIER_MAX; xid++) {
            expected.add(xid);
        }
        assertThat(answeredXids()).as("in request order").isEqualTo(expected);
        assertThat(connection.lastCxid).isEqualTo(1 + ReadBarriers.READS_PER_BARRIER_MAX);
    }

    @Test
    void shouldNotShareBarrierWithSyncWhenSyncIsQueuedBetweenReads() {
        connection.waiting.add(getData(2));
        connection.waiting.add(new Inbound.Request(3, OpCode.SYNC, new SyncRequest("/"), List.of(), false));
        connection.waiting.add(getData(4));
        barriers.request(connection, getData(1), 0);
        assertThat(connection.waiting).extracting(inbound -> ((Inbound.Request) inbound).xid()).containsExactly(3, 4);

        barriers.pass(1);
        assertThat(answeredXids()).containsExactly(1, 2);
    }

    @Test
    void shouldAnswerNothingWhenConnectionClosedBeforeBarrierPassed() {
        barriers.request(connection, getData(1), 0);
        connection.markClosed();
        assertThat(barriers.pass(1)).isSameAs(connection);
        assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(answeredXids()).isEmpty();
    }

    @Test
    void shouldForgetBarrierWhenConnectionIsRemoved() {
        barriers.request(connection, getData(1), 0);
        barriers.removeConnection(connection);
        assertThat(barriers.size()).isZero();
        assertThat(barriers.pass(1)).isNull();
    }
}
