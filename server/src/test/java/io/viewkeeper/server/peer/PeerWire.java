package io.viewkeeper.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/** Raw bytes on a peer port, for the transport's tests: dials from a chosen address, frames, HELLOs. */
public final class PeerWire {
    private PeerWire() {
    }

    /** A plain TCP connection to {@code to} from {@code from}, with a 5 s read timeout. */
    public static Socket dial(InetSocketAddress to, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(to, 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    /** Fails unless the other side closes {@code socket}; what it sent before (a CHALLENGE, say) is skipped. */
    public static void assertClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // what the transport sent before closing
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was left open", e);
        } catch (IOException reset) {
            // a reset is a close as well
        }
    }

    /** A whole frame, length prefix included. */
    public static byte[] frame(byte kind, byte[] payload) {
        ByteBuf buf = PeerFrames.encode(ByteBufAllocator.DEFAULT, kind, payload);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    /** A HELLO payload: replica index and cluster id. */
    public static byte[] hello(int index, long cluster) {
        return ByteBuffer.allocate(12).putInt(index).putLong(cluster).array();
    }

    /** A receiver that puts messages into {@code into} and tells {@code lost} of lost peers ("lost 0"). */
    public static PeerTransport.Receiver receiver(java.util.Collection<io.viewkeeper.consensus.Message> into,
            java.util.Collection<String> lost) {
        return new PeerTransport.Receiver() {
            @Override
            public void onMessage(io.viewkeeper.consensus.Message message) {
                into.add(message);
            }

            @Override
            public void onSessionTouches(int from, long[] sessionIds) {
                // not exercised by the transport's tests
            }

            @Override
            public void onPeerLost(int peer) {
                lost.add("lost " + peer);
            }
        };
    }

    /** An address on {@code host} with a port free now. */
    public static InetSocketAddress free(String host) throws IOException {
        return new InetSocketAddress(host, io.viewkeeper.server.TestPorts.free(host));
    }

}
