package io.viewkeeper.server.peer;

import static io.viewkeeper.server.peer.PeerWire.assertClosed;
import static io.viewkeeper.server.peer.PeerWire.dial;
import static io.viewkeeper.server.peer.PeerWire.frame;
import static io.viewkeeper.server.peer.PeerWire.free;
import static io.viewkeeper.server.peer.PeerWire.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.viewkeeper.consensus.Message;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With a shared secret, a dial must answer the accepting replica's fresh challenge with a MAC under the secret:
 * a peer with another secret, a plain HELLO (when the secret is required) and a replayed answer are all dropped,
 * while members holding the secret talk as before.
 */
class PeerSecretTest {
    private static final long CLUSTER = 0x5eedL;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] SECRET = "a group secret of some length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER = "another group's secret, as long".getBytes(StandardCharsets.US_ASCII);

    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final List<PeerTransport> started = new ArrayList<>();
    private List<InetSocketAddress> members;

    @BeforeEach
    void addresses() throws IOException {
        members = List.of(free("127.0.0.1"), free("127.0.0.2"), free("127.0.0.3"));
    }

    @AfterEach
    void stop() {
        started.forEach(PeerTransport::close);
    }

    @Test
    void shouldDeliverBetweenMembersHoldingTheSecret() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        PeerTransport sender = start(1, PeerSecurity.of(false, false, null, SECRET, true), new LinkedBlockingQueue<>());
        assertDelivered(sender);
    }

    @Test
    void shouldDropDialerWithAnotherSecret() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        PeerTransport impostor = start(1, PeerSecurity.of(false, false, null, OTHER, true),
                new LinkedBlockingQueue<>());
        PeerTransport member = start(2, PeerSecurity.of(false, false, null, SECRET, true),
                new LinkedBlockingQueue<>());
        assertDelivered(member); // replica 0 is listening and takes the member's dial
        await("nothing from the impostor while it keeps sending").during(Duration.ofSeconds(2)).atMost(WAIT)
                .until(() -> {
                    impostor.send(0, new Message.PrepareOk(3, 9, 1));
                    impostor.flushWrites();
                    return received.stream().noneMatch(m -> m.from() == 1);
                });
    }

    @Test
    void shouldDropPlainHelloWhenTheSecretIsRequired() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        try (Socket socket = dial(members.get(0), "127.0.0.2")) {
            socket.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            readChallenge(socket);
            socket.getOutputStream().write(frame(PeerFrames.CONSENSUS, PeerCodec.encode(
                    new Message.PrepareOk(3, 9, 1))));
            assertClosed(socket);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void shouldTakePlainHelloWhileTheSecretIsOfferedButNotRequired() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, false), received);
        PeerTransport notSwitchedYet = start(1, PeerSecurity.plain(), new LinkedBlockingQueue<>());
        assertDelivered(notSwitchedYet);
    }

    @Test
    void shouldTakeProofFromSwitchedMemberWhenItHasNoSecretYet() throws Exception {
        start(0, PeerSecurity.plain(), received);
        PeerTransport switched = start(1, PeerSecurity.of(false, false, null, SECRET, false),
                new LinkedBlockingQueue<>());
        assertDelivered(switched);
    }

    @Test
    void shouldDropAnswerToAnotherConnectionsChallenge() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        PeerSecurity holder = PeerSecurity.of(false, false, null, SECRET, true);
        byte[] recorded;
        byte[] firstChallenge;
        try (Socket first = dial(members.get(0), "127.0.0.2")) {
            first.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            firstChallenge = readChallenge(first);
            recorded = holder.proof(firstChallenge, 1, CLUSTER, 0);
        }
        try (Socket replay = dial(members.get(0), "127.0.0.2")) {
            replay.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            byte[] fresh = readChallenge(replay);
            assertThat(fresh).as("every connection gets its own challenge").isNotEqualTo(firstChallenge);
            replay.getOutputStream().write(frame(PeerFrames.PROOF, recorded));
            replay.getOutputStream().write(frame(PeerFrames.CONSENSUS, PeerCodec.encode(
                    new Message.PrepareOk(3, 9, 1))));
            assertClosed(replay);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void shouldDropProofMadeForAnotherReceiver() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        PeerSecurity holder = PeerSecurity.of(false, false, null, SECRET, true);
        try (Socket socket = dial(members.get(0), "127.0.0.2")) {
            socket.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            byte[] challenge = readChallenge(socket);
            socket.getOutputStream().write(frame(PeerFrames.PROOF, holder.proof(challenge, 1, CLUSTER, 2)));
            assertClosed(socket);
        }
    }

    @Test
    void shouldTakeHandWrittenProofOfTheSecret() throws Exception {
        start(0, PeerSecurity.of(false, false, null, SECRET, true), received);
        PeerSecurity holder = PeerSecurity.of(false, false, null, SECRET, true);
        try (Socket socket = dial(members.get(0), "127.0.0.2")) {
            socket.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            byte[] challenge = readChallenge(socket);
            socket.getOutputStream().write(frame(PeerFrames.PROOF, holder.proof(challenge, 1, CLUSTER, 0)));
            socket.getOutputStream().write(frame(PeerFrames.CONSENSUS, PeerCodec.encode(
                    new Message.PrepareOk(3, 9, 1))));
            await().atMost(WAIT).until(() -> received.peek() != null);
        }
        assertThat(received.poll()).extracting(Message::from).isEqualTo(1);
    }

    private PeerTransport start(int index, PeerSecurity security, BlockingQueue<Message> into) throws Exception {
        PeerTransport transport = new PeerTransport(index, CLUSTER, members,
                PeerWire.receiver(into, new ArrayList<>()), 1 << 20, security);
        transport.start();
        started.add(transport);
        return transport;
    }

    private void assertDelivered(PeerTransport sender) {
        await().atMost(WAIT).until(() -> {
            sender.send(0, new Message.PrepareOk(3, 9, indexOf(sender)));
            sender.flushWrites();
            return received.peek() != null;
        });
        assertThat(received.poll().from()).isEqualTo(indexOf(sender));
    }

    private int indexOf(PeerTransport transport) {
        return started.indexOf(transport);
    }


    /** Reads the accepting side's first frame, which must be its CHALLENGE, and returns the challenge. */
    private static byte[] readChallenge(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        ByteBuf bytes = Unpooled.wrappedBuffer(frame);
        try {
            PeerFrames.Frame decoded = PeerFrames.decode(bytes);
            assertThat(decoded.kind()).isEqualTo(PeerFrames.CHALLENGE);
            assertThat(decoded.payload()).hasSize(PeerSecurity.CHALLENGE_BYTES);
            return decoded.payload();
        } catch (PeerProtocolException e) {
            throw new AssertionError(e);
        } finally {
            bytes.release();
        }
    }




}
