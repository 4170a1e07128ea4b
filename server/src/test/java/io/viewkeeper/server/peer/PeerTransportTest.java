package io.viewkeeper.server.peer;

import static io.viewkeeper.server.peer.PeerWire.assertClosed;
import static io.viewkeeper.server.peer.PeerWire.frame;
import static io.viewkeeper.server.peer.PeerWire.free;
import static io.viewkeeper.server.peer.PeerWire.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.consensus.Message;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replica-to-replica transport accepts only configured members from their own address with the cluster id, and
 * drops (never crashes on) garbage, another version, a bad checksum or a message claiming another sender.
 */
class PeerTransportTest {
    private static final long CLUSTER = 0x5eedL;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private PeerTransport replica0;
    private PeerTransport replica1;
    private List<InetSocketAddress> members;

    @BeforeEach
    void startTwoOfThree() throws Exception {
        members = List.of(free("127.0.0.1"), free("127.0.0.1"), free("127.0.0.3"));
        replica0 = new PeerTransport(0, CLUSTER, members, receiverInto(received), 1 << 20);
        replica1 = new PeerTransport(1, CLUSTER, members, receiverInto(new LinkedBlockingQueue<>()), 1 << 20);
        replica0.start();
        replica1.start();
    }

    @AfterEach
    void stop() {
        replica0.close();
        replica1.close();
    }

    @Test
    void shouldDeliverMessagesWhenPeerIsAMember() {
        Message message = new Message.PrepareOk(3, 9, 1);
        await().atMost(WAIT).until(() -> {
            replica1.send(0, message);
            replica1.flushWrites();
            return received.peek() != null;
        });
        assertThat(received.poll()).isInstanceOf(Message.PrepareOk.class).extracting(Message::from).isEqualTo(1);
    }

    @Test
    void shouldReportPeerRefusedRightAfterItsProcessStopsListening() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        PeerTransport watcher = new PeerTransport(2, CLUSTER, members, peerEvents(events::add), 1 << 20);
        watcher.start();
        try {
            await().atMost(WAIT).until(() -> {
                watcher.send(0, new Message.PrepareOk(3, 9, 2));
                watcher.flushWrites();
                return received.peek() != null;
            });
            assertThat(events).as("events while replica 0 listens").isEmpty();
            replica0.close();
            await().atMost(WAIT).until(() -> events.contains("refused 0"));
            assertThat(events).as("the closed connection is reported before the refused attempt")
                    .startsWith("lost 0").doesNotContain("refused 1", "lost 1");
        } finally {
            watcher.close();
        }
    }

    /**
     * A peer down for a while is dialed every two seconds at most; once it is back and dials us, we dial it at once
     * rather than at the next attempt, which the test makes sure is two seconds away.
     */
    @Test
    void shouldDialPeerAtOnceWhenItDialsUsDuringBackOff() throws Exception {
        List<InetSocketAddress> group = List.of(free("127.0.0.1"), free("127.0.0.2"), free("127.0.0.3"));
        AtomicInteger refusals = new AtomicInteger();
        PeerTransport late = new PeerTransport(1, CLUSTER, group, receiverInto(new LinkedBlockingQueue<>()), 1 << 20);
        PeerTransport dialer = new PeerTransport(0, CLUSTER, group, peerEvents(event -> {
            if (!event.equals("refused 1")) {
                return;
            }
            if (refusals.get() == REFUSALS_TO_LONGEST_BACK_OFF) {
                try {
                    late.start();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            refusals.incrementAndGet();
        }), 1 << 20);
        dialer.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> refusals.get() > REFUSALS_TO_LONGEST_BACK_OFF);
            // the next dial of the back-off is two seconds after that last refusal
            await().atMost(Duration.ofSeconds(1)).until(() -> dialer.connected(1));
            assertThat(refusals.get()).as("refused dials").isEqualTo(REFUSALS_TO_LONGEST_BACK_OFF + 1);
        } finally {
            dialer.close();
            late.close();
        }
    }

    /** Dials refused before the back-off reaches its longest (50, 100, ... 1,600 ms, then 2,000 ms). */
    private static final int REFUSALS_TO_LONGEST_BACK_OFF = 7;

    @Test
    void shouldDropConnectionWhenFirstBytesAreGarbage() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, new byte[] {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'});
            assertClosed(socket);
        }
        shouldDeliverMessagesWhenPeerIsAMember();
    }

    @Test
    void shouldDropConnectionWhenVersionIsAnother() throws Exception {
        try (Socket socket = dialReplica0()) {
            byte[] frame = frame(PeerFrames.HELLO, hello(1, CLUSTER));
            frame[4] = 9;
            write(socket, frame);
            assertClosed(socket);
        }
    }

    @Test
    void shouldDropConnectionWhenChecksumFails() throws Exception {
        try (Socket socket = dialReplica0()) {
            byte[] frame = frame(PeerFrames.HELLO, hello(1, CLUSTER));
            frame[frame.length - 1] ^= 1;
            write(socket, frame);
            assertClosed(socket);
        }
    }

    @Test
    void shouldDropConnectionWhenHelloNamesNoMember() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, frame(PeerFrames.HELLO, hello(7, CLUSTER)));
            assertClosed(socket);
        }
    }

    @Test
    void shouldDropConnectionWhenClusterIdIsAnother() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, frame(PeerFrames.HELLO, hello(1, CLUSTER + 1)));
            assertClosed(socket);
        }
    }

    @Test
    void shouldDropConnectionWhenMemberDialsFromAnotherAddress() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, frame(PeerFrames.HELLO, hello(2, CLUSTER)));
            assertClosed(socket);
        }
    }

    @Test
    void shouldDropConnectionWhenMessageClaimsAnotherSender() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            write(socket, frame(PeerFrames.CONSENSUS, PeerCodec.encode(new Message.PrepareOk(3, 9, 2))));
            assertClosed(socket);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void shouldDropConnectionWhenFrameIsLargerThanTheLimit() throws Exception {
        try (Socket socket = dialReplica0()) {
            write(socket, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
            assertClosed(socket);
        }
    }

    private Socket dialReplica0() throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        socket.connect(members.get(0), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }


    private static void write(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }




    /** A receiver that tells {@code sink} of lost and refused peers ("lost 0", "refused 1") and nothing else. */
    private static PeerTransport.Receiver peerEvents(Consumer<String> sink) {
        return new PeerTransport.Receiver() {
            @Override
            public void onMessage(Message message) {
                // not exercised here
            }

            @Override
            public void onSessionTouches(int from, long[] sessionIds) {
                // not exercised here
            }

            @Override
            public void onPeerLost(int index) {
                sink.accept("lost " + index);
            }

            @Override
            public void onPeerRefused(int index) {
                sink.accept("refused " + index);
            }
        };
    }

    private static PeerTransport.Receiver receiverInto(BlockingQueue<Message> queue) {
        return new PeerTransport.Receiver() {
            @Override
            public void onMessage(Message message) {
                queue.add(message);
            }

            @Override
            public void onSessionTouches(int from, long[] sessionIds) {
                // not exercised here
            }
        };
    }
}
