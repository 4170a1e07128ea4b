package io.viewkeeper.frontend;

import io.netty.channel.Channel;
import io.viewkeeper.storage.Identity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client TCP connection. Its fields are owned by the replica thread, except {@link #inflight}, which the I/O
 * thread raises as requests arrive and the replica thread lowers as they complete (reads stop above the limit).
 * Invariant: replies leave in the order requests arrived; a read never overtakes an earlier write.
 */
public final class ClientConnection {
    final Channel channel;
    final String remoteAddress;
    final int remotePort;
    final long establishedMs;
    final AtomicInteger inflight = new AtomicInteger();
    /**
     * Set on the event loop while the replica's inbox is full and this connection's input is held
     * ({@link ConnectionInput}): reading stays off whatever the in-flight count says.
     */
    boolean inputHeld;
    /**
     * Set on the event loop when the first bytes were a four-letter word: the client may half-close its side after
     * sending it (ZooKeeper's FourLetterWordMain and {@code nc} do), and the answer must still be written.
     */
    boolean answeringFourLetterWord;
    final Deque<Inbound> waiting = new ArrayDeque<>();
    final List<Identity> identities = new ArrayList<>();
    /** This connection's SASL negotiation, once it sent a SASL token; replica thread only. */
    SaslAuthenticator.Negotiation sasl;
    final Set<String> watchedPaths = new HashSet<>();
    int watchCount;
    long sessionId;
    /** This connection's id in the replicated client table (xids restart on every connection). */
    long clientId;
    int sessionTimeoutMs;
    boolean handshakeDone;
    boolean oldClient;
    /** The handshake is not answered yet (a CreateSession to commit, a barrier to pass, a zxid to reach). */
    boolean awaitingSession;
    /** When a handshake not answered by then is closed (see {@link Handshakes#holdMs}). */
    long handshakeDeadlineMs;
    /** A session served read-only by a replica cut off from its group (ZooKeeper's read-only mode). */
    boolean readOnly;
    boolean closed;
    int writesInFlight;
    /**
     * A write of this connection was refused, or was its first and forwarded: later writes wait for a commit.
     */
    boolean writeBarrier;
    /** The request number of the last write submitted on this connection, which the next one must follow. */
    long lastWriteRequestNumber = WritePath.NO_PREVIOUS;
    /** A read waits for its barrier; later requests wait for it. */
    boolean readInFlight;
    boolean readRequested;
    int lastCloseXid = Integer.MIN_VALUE;
    long packetsReceived;
    long packetsSent;
    String lastOperation = "NA";
    int lastCxid;
    long lastZxid;
    long lastResponseMs;
    long lastLatencyMs;
    long minLatencyMs = Long.MAX_VALUE;
    long maxLatencyMs;
    long totalLatencyMs;
    long completed;

    public ClientConnection(Channel channel, String remoteAddress, int remotePort, long establishedMs) {
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.establishedMs = establishedMs;
        identities.add(new Identity("ip", remoteAddress));
    }

    public long sessionId() {
        return sessionId;
    }

    public Channel channel() {
        return channel;
    }

    public AtomicInteger inflight() {
        return inflight;
    }

    /**
     * Stops reading at {@code max} requests in flight and resumes at half of it. Runs on the channel's event loop
     * only, so it always acts on the latest count: the replica thread asks for it after lowering the count below
     * half while reading is off, and a reply that drains the count between the two steps here is still seen.
     */
    void updateReading(int max) {
        int count = inflight.get();
        if (count >= max) {
            channel.config().setAutoRead(false);
        } else if (count <= max / 2 && !inputHeld) {
            channel.config().setAutoRead(true);
        }
    }

    void recordLatency(long latencyMs, long nowMs) {
        lastLatencyMs = latencyMs;
        lastResponseMs = nowMs;
        minLatencyMs = Math.min(minLatencyMs, latencyMs);
        maxLatencyMs = Math.max(maxLatencyMs, latencyMs);
        totalLatencyMs += latencyMs;
        completed++;
    }

    void resetStats() {
        packetsReceived = 0;
        packetsSent = 0;
        minLatencyMs = Long.MAX_VALUE;
        maxLatencyMs = 0;
        totalLatencyMs = 0;
        completed = 0;
        lastLatencyMs = 0;
    }

    @Override
    public String toString() {
        return "/" + remoteAddress + ":" + remotePort;
    }
}
