package io.viewkeeper.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback TCP relay on one directed link between two replicas (or a client and a replica) that can blackhole
 * either direction: bytes are read and discarded, so both ends keep a healthy-looking connection while nothing
 * arrives, which is what a network partition looks like to TCP. Healing resets every connection that lost bytes,
 * so a length-framed stream never resumes in the middle of a frame.
 */
public final class FaultProxy implements AutoCloseable {
    /** FORWARD is what the dialing side sends, BACKWARD what the listening side answers. */
    public enum Direction { FORWARD, BACKWARD }

    private static final int CONNECT_TIMEOUT_MS = 2000;
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int CONNECTIONS_MAX = 64;

    private final String name;
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final InetAddress source;
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean forwardBlackholed;
    private volatile boolean backwardBlackholed;
    private volatile boolean lostBytes;
    private volatile boolean refusing;
    private volatile boolean closed;

    /**
     * Listens on {@code listen} and relays every accepted connection to {@code target}, dialing from
     * {@code source} (port 0) so the target sees the address it expects of the real sender.
     */
    public FaultProxy(String name, InetSocketAddress listen, InetSocketAddress target, InetAddress source)
            throws IOException {
        this.name = name;
        this.target = target;
        this.source = source;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(listen, CONNECTIONS_MAX);
        Thread acceptor = new Thread(this::acceptLoop, "proxy-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay to {@code target} on a free port of 127.0.0.1, dialing from 127.0.0.1 (a client's proxy). */
    public static FaultProxy to(InetSocketAddress target) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        return new FaultProxy("client", new InetSocketAddress(loopback, 0), target, loopback);
    }

    /** {@code host:port} of the listening side, for a ZooKeeper connect string. */
    public String connectString() {
        return address().getAddress().getHostAddress() + ":" + address().getPort();
    }

    /** While refusing, new connections are closed as soon as they are accepted (a server that is unreachable). */
    public void setRefusing(boolean refusing) {
        this.refusing = refusing;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** From now on, bytes in {@code direction} are discarded. */
    public void blackhole(Direction direction) {
        if (direction == Direction.FORWARD) {
            forwardBlackholed = true;
        } else {
            backwardBlackholed = true;
        }
    }

    /** Both directions flow again; connections that lost bytes are reset and the ends reconnect. */
    public void heal() {
        forwardBlackholed = false;
        backwardBlackholed = false;
        if (lostBytes) {
            lostBytes = false;
            cutAll();
        }
    }

    public boolean isBlackholed(Direction direction) {
        return direction == Direction.FORWARD ? forwardBlackholed : backwardBlackholed;
    }

    /** Closes every relayed connection, both sides. */
    public synchronized void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cutAll();
    }

    @Override
    public String toString() {
        return "FaultProxy[" + name + " " + address() + " -> " + target + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            Socket accepted;
            try {
                accepted = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refusing) {
                closeQuietly(accepted);
                continue;
            }
            relay(accepted);
        }
    }

    private void relay(Socket accepted) {
        Socket dialed = new Socket();
        try {
            dialed.bind(new InetSocketAddress(source, 0));
            dialed.connect(target, CONNECT_TIMEOUT_MS);
            accepted.setTcpNoDelay(true);
            dialed.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(accepted);
            closeQuietly(dialed);
            return;
        }
        synchronized (this) {
            if (closed || open.size() >= 2 * CONNECTIONS_MAX) {
                closeQuietly(accepted);
                closeQuietly(dialed);
                return;
            }
            open.add(accepted);
            open.add(dialed);
        }
        pump(accepted, dialed, Direction.FORWARD);
        pump(dialed, accepted, Direction.BACKWARD);
    }

    private void pump(Socket from, Socket to, Direction direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[BUFFER_BYTES];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (isBlackholed(direction)) {
                        lostBytes = true;
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                forget(from, to);
            }
        }, "proxy-" + name + "-" + direction.name().toLowerCase(java.util.Locale.ROOT));
        t.setDaemon(true);
        t.start();
    }

    private synchronized void forget(Socket a, Socket b) {
        open.remove(a);
        open.remove(b);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
