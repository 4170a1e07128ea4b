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
    boolean oldClient;
    /** When a handshake not answered by then is closed (see {@link Handshakes#holdMs}). */
    long handshakeDeadlineMs;
    /** A session served read-only by a replica cut off from its group (ZooKeeper's read-only mode). */
    boolean readOnly;
    /** Replica thread only; changed through {@link #transitionTo} alone. */
    private ConnectionState state = ConnectionState.CONNECTING;
    /** Writes submitted and not committed; above 0 exactly while the state is one of writes (unless closed). */
    private int writesInFlight;
    /** The request number of the last write submitted on this connection, which the next one must follow. */
    long lastWriteRequestNumber = WritePath.NO_PREVIOUS;
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

    ConnectionState state() {
        return state;
    }

    boolean isClosed() {
        return state == ConnectionState.CLOSED;
    }

    int writesInFlight() {
        return writesInFlight;
    }

    /** The one place the state changes; a move {@link ConnectionState#allows} does not is a programmer error. */
    void transitionTo(ConnectionState next) {
        if (!state.allows(next)) {
            throw new IllegalStateException("connection " + this + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    void markClosed() {
        transitionTo(ConnectionState.CLOSED);
    }

    /** A write of this connection is about to go to the replica: later writes may follow it, reads wait. */
    void onWriteSubmitted() {
        if (!state.admits(true)) {
            throw new IllegalStateException("connection " + this + " submitted a write while " + state);
        }
        writesInFlight++;
        transitionTo(ConnectionState.WRITES_IN_FLIGHT);
    }

    /** The write just submitted was refused, or forwarded as the first: every request waits for a commit. */
    void raiseWriteBarrier() {
        if (writesInFlight <= 0) {
            throw new IllegalStateException("connection " + this + " has a write barrier with no write in flight");
        }
        if (state != ConnectionState.CLOSED) {
            transitionTo(ConnectionState.WRITE_BARRIER);
        }
    }

    /** One of its writes committed: a barrier lifts, and once none is left reads may go on. */
    void onWriteCommitted() {
        if (writesInFlight <= 0) {
            throw new IllegalStateException("connection " + this + " had a write committed with none in flight");
        }
        writesInFlight--;
        if (state != ConnectionState.CLOSED) {
            transitionTo(writesInFlight == 0 ? ConnectionState.READY : ConnectionState.WRITES_IN_FLIGHT);
        }
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

    /** The request being handled, for the four-letter words' connection figures. */
    void noteRequest(Inbound.Request request) {
        lastOperation = OpCode.shortName(request.type());
        if (request.xid() > 0) {
            lastCxid = request.xid();
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
