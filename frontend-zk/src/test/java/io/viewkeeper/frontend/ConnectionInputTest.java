package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * When the replica thread's inbox is full, a connection's input is held in order, its channel stops reading and the
 * I/O thread returns at once; once the inbox has room the held input goes on in order and reading resumes.
 */
class ConnectionInputTest {

    /** An inbox of a few places that runs nothing until the test drains it, like a busy replica thread. */
    private static final class BoundedInbox implements ReplicaInbox {
        private final int capacity;
        private FrontendCore core;
        private final Deque<ClientInput> queued = new ArrayDeque<>();
        private final List<Runnable> waiters = new ArrayList<>();

        BoundedInbox(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(ClientInput input) {
            if (queued.size() >= capacity) {
                return false;
            }
            queued.add(input);
            return true;
        }

        @Override
        public void whenRoom(Executor executor, Runnable retry) {
            waiters.add(() -> executor.execute(retry));
        }

        /** The replica thread runs what is queued, then wakes whoever waits for room. */
        void drain() {
            while (!queued.isEmpty()) {
                queued.poll().deliverTo(core);
            }
            List<Runnable> woken = List.copyOf(waiters);
            waiters.clear();
            woken.forEach(Runnable::run);
        }
    }

    @Test
    void shouldStopReadingWithoutBlockingAndKeepOrderWhenInboxIsFull() throws Exception {
        FrontendHarness harness = new FrontendHarness();
        BoundedInbox inbox = new BoundedInbox(2);
        inbox.core = harness.core;
        ClientPipeline pipeline = new ClientPipeline(harness.settings, harness.core, inbox);
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        pipeline.install(channel, new ClientConnection(channel, "127.0.0.1", 40_000, FrontendHarness.CLOCK_MS));
        channel.register();

        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes(FrontendHarness.bytes(FrontendHarness.CONNECT_REQUEST_HEX));
        for (int i = 0; i < 3; i++) {
            input.writeBytes(request(-2, OpCode.PING, null));
        }
        channel.writeInbound(Unpooled.wrappedBuffer(input.toByteArray()));
        assertThat(inbox.queued).as("connection opened and the handshake fill the inbox").hasSize(2);
        assertThat(channel.config().isAutoRead()).as("the channel stops reading while input is held").isFalse();

        inbox.drain();
        harness.writes.commitAll();
        channel.runPendingTasks();
        assertThat(inbox.queued).as("two held pings go on").hasSize(2);
        assertThat(channel.config().isAutoRead()).as("one ping is still held").isFalse();

        inbox.drain();
        channel.runPendingTasks();
        assertThat(inbox.queued).as("the last held ping goes on").hasSize(1);
        assertThat(channel.config().isAutoRead()).as("reading resumes once nothing is held").isTrue();
        inbox.drain();
        channel.runPendingTasks();
        assertThat(inbox.queued).isEmpty();

        String ping = String.format("%08x%08x%016x%08x", 16, -2, 1L, 0);
        assertThat(readAllHex(channel)).as("the handshake's answer, then the three pings in order")
                .startsWith("00000025").endsWith(ping + ping + ping).hasSize(2 * (4 + 37) + 3 * 2 * 20);
    }
}
