package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.frontend.FrontendSettings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and malformed clients against a real node on loopback (ZK_PROTOCOL.md §1.2, §2.1): each gets
 * ZooKeeper's answer or a closed connection, and after each one a well-behaved client is still served.
 */
class HostileClientTest {
    private static final int JUTE_MAX_BUFFER = 4096;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String CONNECT_REQUEST = "0000002d 00000000 0000000000000000 00007530 0000000000000000"
            + " 00000010 00000000000000000000000000000000 00";
    private static final String PING = "00000008 fffffffe 0000000b";

    @TempDir
    Path dataDir;

    private ViewkeeperNode node;
    private final List<RawClient> clients = new ArrayList<>();

    private ViewkeeperNode start(NodeConfig config) throws IOException {
        node = ViewkeeperNode.start(config);
        return node;
    }

    private NodeConfig config() {
        return NodeConfig.forTesting(dataDir).withJuteMaxBuffer(JUTE_MAX_BUFFER);
    }

    @AfterEach
    void wellBehavedClientStillWorks() throws IOException {
        try {
            if (node != null) {
                RawClient fresh = await().atMost(TIMEOUT).until(this::tryConnectedClient, c -> c != null);
                fresh.write(create(1, "/still-serving-" + System.identityHashCode(fresh)));
                fresh.write(hex(PING));
                assertThat(fresh.readReply().err()).isZero();
                Reply ping = fresh.readReply();
                assertThat(ping.xid()).isEqualTo(-2);
                assertThat(ping.err()).isZero();
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
            if (node != null) {
                node.close();
            }
        }
    }

    // ---- framing ----

    @Test
    void shouldCloseAndKeepServingWhenLengthIsNegative() throws IOException {
        start(config());
        RawClient client = rawClient();

        client.write(hex("ffffffff 00000000 00000000"));

        assertThat(client.readsEndOfStream()).isTrue();
    }

    @Test
    void shouldCloseAndKeepServingWhenLengthExceedsJuteMaxBuffer() throws IOException {
        start(config());
        RawClient client = connectedClient();

        client.write(ByteBuffer.allocate(4).putInt(JUTE_MAX_BUFFER + 1).array());

        assertThat(client.readsEndOfStream()).isTrue();
    }

    @Test
    void shouldCloseWithoutAnswerWhenConnectRequestIsTruncated() throws IOException {
        start(config());
        RawClient client = rawClient();

        client.write(hex("0000000a 00000000 000000000000"));

        assertThat(client.readsEndOfStream()).isTrue();
    }

    @Test
    void shouldCloseWhenGarbageComesBeforeConnectRequest() throws IOException {
        start(config());
        RawClient garbage = rawClient();
        RawClient http = rawClient();

        garbage.write(hex("00000008 deadbeef deadbeef"));
        http.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(garbage.readsEndOfStream()).isTrue();
        assertThat(http.readsEndOfStream()).isTrue();
    }

    @Test
    void shouldKeepServingOthersWhenClientSendsPartOfFrameAndStalls() throws IOException {
        start(config());
        RawClient stalled = rawClient();
        stalled.write(hex("0000002d 00000000 00000000"));
        RawClient silent = rawClient();

        RawClient other = connectedClient();
        other.write(hex(PING));

        assertThat(other.readReply().xid()).isEqualTo(-2);
    }

    /**
     * Two thousand connections that never finish a handshake (silent, a ConnectRequest cut short, a frame claiming
     * most of jute.maxbuffer and stalling) and a thousand that claim more than jute.maxbuffer: the oversized ones
     * are closed at once, every half-open one within ZooKeeper's sessionless timeout, so what they hold is bounded
     * by time; meanwhile a well-behaved client is served.
     */
    @Test
    void shouldCloseThousandsOfHalfOpenAndOversizedConnectionsAndKeepServing() throws IOException {
        start(config().withMaxClientCnxns(0));
        int soTimeoutMs = (int) (2 * FrontendSettings.SESSIONLESS_CONNECTION_TIMEOUT_MS);
        List<Socket> halfOpen = new ArrayList<>();
        List<Socket> oversized = new ArrayList<>();
        try {
            for (int i = 0; i < 3000; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", node.clientPort()), (int) TIMEOUT.toMillis());
                socket.setSoTimeout(soTimeoutMs);
                switch (i % 4) {
                    case 0 -> { } // silent
                    case 1 -> socket.getOutputStream().write(hex("0000002d 00000000 00000000"));
                    case 2 -> socket.getOutputStream().write(ByteBuffer.allocate(8).putInt(JUTE_MAX_BUFFER - 8)
                            .putInt(0).array());
                    default -> socket.getOutputStream().write(ByteBuffer.allocate(4).putInt(JUTE_MAX_BUFFER + 1)
                            .array());
                }
                (i % 4 == 3 ? oversized : halfOpen).add(socket);
            }
            RawClient other = connectedClient();
            other.write(hex(PING));
            assertThat(other.readReply().xid()).as("served among the hostile connections").isEqualTo(-2);

            for (Socket socket : oversized) {
                assertThat(closedByServer(socket)).as("a frame over jute.maxbuffer is refused").isTrue();
            }
            long start = System.nanoTime();
            for (Socket socket : halfOpen) {
                assertThat(closedByServer(socket)).as("a connection without a handshake is closed").isTrue();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("within the sessionless timeout")
                    .isLessThan(Duration.ofMillis(soTimeoutMs));
        } finally {
            for (Socket socket : halfOpen) {
                socket.close();
            }
            for (Socket socket : oversized) {
                socket.close();
            }
        }
    }

    /** Whether the server closes {@code socket}: end of stream or a reset before its read timeout. */
    private static boolean closedByServer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Test
    void shouldAnswerImokAndCloseWhenFirstBytesAreRuok() throws IOException {
        start(config());
        RawClient client = rawClient();

        client.write("ruok".getBytes(StandardCharsets.US_ASCII));

        assertThat(client.readUntilEnd()).isEqualTo("imok".getBytes(StandardCharsets.US_ASCII));
    }

    // ---- bodies ----

    @Test
    void shouldAnswerMarshallingErrorAndStayOpenWhenSetWatchesClaimsHugeVector() throws IOException {
        start(config());
        RawClient client = connectedClient();

        client.write(hex("0000001a 00000007 00000065 0000000000000001 7fffffff 00000002 2f61"));
        Reply reply = client.readReply();
        client.write(hex(PING));

        assertThat(reply.xid()).isEqualTo(7);
        assertThat(reply.err()).isEqualTo(-5);
        assertThat(client.readReply().xid()).isEqualTo(-2);
    }

    @Test
    void shouldAnswerMarshallingErrorWithCurrentZxidWhenAclListClaimsHugeCount() throws IOException {
        start(config());
        RawClient client = connectedClient();
        client.write(hex(PING));
        long zxid = client.readReply().zxid();

        client.write(hex("0000001a 00000002 00000001 00000002 2f68 ffffffff 7fffffff 0000001f"));
        Reply reply = client.readReply();
        client.write(create(3, "/next"));

        assertThat(reply.err()).isEqualTo(-5);
        assertThat(reply.zxid()).isEqualTo(zxid);
        Reply next = client.readReply();
        assertThat(next.err()).isZero();
        assertThat(next.zxid()).isEqualTo(zxid + 1);
    }

    @Test
    void shouldAnswerUnimplementedAndCloseWhenOpcodeIsUnknown() throws IOException {
        start(config());
        RawClient client = connectedClient();

        client.write(hex("00000008 00000009 00000063"));
        Reply reply = client.readReply();

        assertThat(reply.xid()).isEqualTo(9);
        assertThat(reply.zxid()).isEqualTo(-1);
        assertThat(reply.err()).isEqualTo(-6);
        assertThat(client.readsEndOfStream()).isTrue();
    }

    @Test
    void shouldAnswerMarshallingErrorAndKeepServingWhenCreatePathIsNull() throws IOException {
        start(config());
        RawClient client = connectedClient();

        client.write(hex("00000018 00000001 00000001 ffffffff ffffffff 00000000 00000000"));
        Reply reply = client.readReply();

        assertThat(reply.err()).isEqualTo(-5);
    }

    // ---- handshake order ----

    @Test
    void shouldAnswerPipelinedRequestsAfterConnectResponseWhenSentBeforeIt() throws IOException {
        start(config());
        RawClient client = rawClient();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.writeBytes(hex(CONNECT_REQUEST));
        burst.writeBytes(hex(PING));
        burst.writeBytes(create(1, "/pipelined"));
        burst.writeBytes(hex("00000017 00000002 00000004 0000000a 2f706970656c696e6564 00"));

        client.write(burst.toByteArray());

        byte[] connectResponse = client.readFrame();
        assertThat(connectResponse).hasSize(37);
        assertThat(ByteBuffer.wrap(connectResponse, 4, 4).getInt()).as("negotiated timeout").isEqualTo(30_000);
        assertThat(client.readReply().xid()).isEqualTo(-2);
        Reply created = client.readReply();
        assertThat(created.xid()).isEqualTo(1);
        assertThat(created.err()).isZero();
        Reply read = client.readReply();
        assertThat(read.xid()).isEqualTo(2);
        assertThat(read.err()).isZero();
    }

    // ---- limits ----

    @Test
    void shouldCloseExtraConnectionWhenMaxClientCnxnsIsReached() throws IOException {
        start(config().withMaxClientCnxns(3));
        List<RawClient> admitted = List.of(connectedClient(), connectedClient(), connectedClient());

        RawClient extra = rawClient();

        assertThat(extra.readsEndOfStream()).isTrue();
        for (RawClient client : admitted) {
            client.write(hex(PING));
            assertThat(client.readReply().xid()).isEqualTo(-2);
        }
        admitted.get(0).close();
        RawClient replacement = await().atMost(TIMEOUT).until(this::tryConnectedClient, c -> c != null);
        replacement.close();
    }

    @Test
    void shouldAnswerEveryRequestInOrderWhenMoreThanMaxInflightAreOutstanding() throws IOException {
        start(config().withMaxInflightPerConnection(4));
        RawClient client = connectedClient();
        int requests = 300;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int xid = 1; xid <= requests; xid++) {
            burst.writeBytes(xid % 3 == 0 ? getData(xid, "/n" + (xid - 1)) : create(xid, "/n" + xid));
        }

        client.write(burst.toByteArray());

        long lastZxid = 0;
        for (int xid = 1; xid <= requests; xid++) {
            Reply reply = client.readReply();
            assertThat(reply.xid()).isEqualTo(xid);
            assertThat(reply.zxid()).isGreaterThanOrEqualTo(lastZxid);
            lastZxid = reply.zxid();
        }
        client.write(hex(PING));
        assertThat(client.readReply().xid()).isEqualTo(-2);
    }

    @Test
    void shouldKeepServingWhenMaxInflightIsOne() throws IOException {
        start(config().withMaxInflightPerConnection(1));
        RawClient client = connectedClient();

        client.write(hex(PING));

        assertThat(client.readReply().xid()).isEqualTo(-2);
    }

    // ---- a raw client ----

    record Reply(int xid, long zxid, int err, byte[] body) {
    }

    private RawClient rawClient() throws IOException {
        RawClient client = new RawClient(node.clientPort());
        clients.add(client);
        return client;
    }

    private RawClient connectedClient() throws IOException {
        RawClient client = rawClient();
        client.write(hex(CONNECT_REQUEST));
        byte[] response = client.readFrame();
        assertThat(response).hasSize(37);
        assertThat(ByteBuffer.wrap(response, 4, 4).getInt()).as("timeout of a valid session").isPositive();
        return client;
    }

    /** A connected client, or null when the server closed the connection (over maxClientCnxns). */
    private RawClient tryConnectedClient() throws IOException {
        RawClient client = rawClient();
        client.write(hex(CONNECT_REQUEST));
        if (client.tryReadFrame() == null) {
            client.close();
            return null;
        }
        return client;
    }

    private static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    /** create(path, no data, world:anyone:cdrwa, persistent). */
    private static byte[] create(int xid, String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(4 + 4 + 4 + 4 + name.length + 4 + 4 + 4 + 4 + 5 + 4 + 6 + 4);
        body.putInt(body.capacity() - 4).putInt(xid).putInt(1).putInt(name.length).put(name).putInt(-1).putInt(1)
                .putInt(31).putInt(5).put("world".getBytes(StandardCharsets.US_ASCII)).putInt(6)
                .put("anyone".getBytes(StandardCharsets.US_ASCII)).putInt(0);
        return body.array();
    }

    private static byte[] getData(int xid, String path) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(4 + 4 + 4 + 4 + name.length + 1);
        body.putInt(body.capacity() - 4).putInt(xid).putInt(4).putInt(name.length).put(name).put((byte) 0);
        return body.array();
    }

    /** A blocking socket with bounded reads: every read gives up after {@link #TIMEOUT}. */
    static final class RawClient implements AutoCloseable {
        final Socket socket = new Socket();
        private final DataInputStream in;
        private final OutputStream out;

        RawClient(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
        }

        void write(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] readFrame() throws IOException {
            int length = in.readInt();
            assertThat(length).isBetween(0, 1 << 20);
            byte[] frame = new byte[length];
            in.readFully(frame);
            return frame;
        }

        /** A frame, or null when the server closed the connection instead. */
        byte[] tryReadFrame() throws IOException {
            try {
                return readFrame();
            } catch (EOFException | SocketException e) {
                return null;
            }
        }

        Reply readReply() throws IOException {
            byte[] frame = readFrame();
            ByteBuffer buffer = ByteBuffer.wrap(frame);
            int xid = buffer.getInt();
            long zxid = buffer.getLong();
            int err = buffer.getInt();
            byte[] body = new byte[buffer.remaining()];
            buffer.get(body);
            return new Reply(xid, zxid, err, body);
        }

        /** True when the server closes the connection (end of stream or reset) before the read timeout. */
        boolean readsEndOfStream() throws IOException {
            try {
                return in.read() == -1;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }

        byte[] readUntilEnd() throws IOException {
            return in.readAllBytes();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
