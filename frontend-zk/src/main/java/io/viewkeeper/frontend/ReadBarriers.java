package io.viewkeeper.frontend;

import io.viewkeeper.storage.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reads that must wait for a read barrier (sync always in a group, every data read when reads are linearizable)
 * and their evaluation once it passed. A connection has at most one barrier under way and its queue waits behind it
 * ({@link ConnectionState#READ_BARRIER}); the data reads queued right behind the read when the barrier was asked
 * for were sent before it began, so the same barrier serves them, in order. Replica thread only.
 * Invariant: a read is evaluated only on state at least as new as the barrier it waited for.
 */
final class ReadBarriers {
    /** At most this many queued reads share one barrier with the read before them. */
    static final int READS_PER_BARRIER_MAX = 64;

    /** A read waiting for its barrier, with the reads that share it; {@code requested} once the replica took it. */
    private static final class PendingRead {
        final ClientConnection connection;
        final Inbound.Request request;
        final long startNanos;
        final List<Inbound.Request> followers;
        boolean requested;

        PendingRead(ClientConnection connection, Inbound.Request request, long startNanos,
                List<Inbound.Request> followers) {
            this.connection = connection;
            this.request = request;
            this.startNanos = startNanos;
            this.followers = followers;
        }
    }

    private final WritePath writes;
    private final ReadRequests reads;
    private final ClientOutput output;
    private final LongSupplier lastZxid;
    private final Supplier<RequestListener> requests;
    private final Map<Long, PendingRead> pending = new LinkedHashMap<>();
    /** Read ids are shared with the handshakes' barriers, so the replica's answer names one waiter. */
    private long nextReadId;

    ReadBarriers(WritePath writes, ReadRequests reads, ClientOutput output, LongSupplier lastZxid,
            Supplier<RequestListener> requests) {
        this.writes = writes;
        this.reads = reads;
        this.output = output;
        this.lastZxid = lastZxid;
        this.requests = requests;
    }

    long nextReadId() {
        return ++nextReadId;
    }

    boolean needsBarrier(Inbound.Request request) {
        return switch (request.type()) {
            case OpCode.SYNC -> writes.needsBarrier(true);
            case OpCode.EXISTS, OpCode.GET_DATA, OpCode.GET_ACL, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2,
                    OpCode.GET_ALL_CHILDREN_NUMBER, OpCode.GET_EPHEMERALS, OpCode.MULTI_READ ->
                    writes.needsBarrier(false);
            default -> false;
        };
    }

    /** Asks for a barrier for {@code request}; the data reads queued right behind it come off the queue with it. */
    void request(ClientConnection c, Inbound.Request request, long startNanos) {
        long readId = nextReadId();
        List<Inbound.Request> followers = new ArrayList<>();
        while (followers.size() < READS_PER_BARRIER_MAX && c.waiting.peek() instanceof Inbound.Request next
                && sharesBarrier(next)) {
            c.waiting.poll();
            followers.add(next);
        }
        PendingRead read = new PendingRead(c, request, startNanos, followers);
        pending.put(readId, read);
        c.transitionTo(ConnectionState.READ_BARRIER);
        read.requested = writes.read(readId);
    }

    /** A queued request that may be answered on the barrier of the read before it: a valid data read. */
    private boolean sharesBarrier(Inbound.Request request) {
        return OpCode.isValid(request.type()) && !request.decodeError() && request.type() != OpCode.SYNC
                && !WriteRequests.isWrite(request.type()) && needsBarrier(request);
    }

    /** Asks again for the barriers the replica refused (a view change, a full pipeline). */
    void retry() {
        for (Map.Entry<Long, PendingRead> e : pending.entrySet()) {
            if (!e.getValue().requested) {
                e.getValue().requested = writes.read(e.getKey());
            }
        }
    }

    /**
     * A barrier passed: its read and those sharing it are evaluated on the state applied now and answered.
     * Returns their connection, whose queue may go on, or null when the barrier was not one of these reads'.
     */
    ClientConnection pass(long readId) {
        PendingRead read = pending.remove(readId);
        if (read == null) {
            return null;
        }
        ClientConnection c = read.connection;
        if (!c.isClosed()) {
            c.transitionTo(ConnectionState.READY);
        }
        evaluate(c, read.request, read.startNanos);
        for (Inbound.Request follower : read.followers) {
            if (c.isClosed()) {
                break;
            }
            c.noteRequest(follower);
            evaluate(c, follower, read.startNanos);
        }
        return c;
    }

    /** Answers a read on the state applied now. */
    void evaluate(ClientConnection c, Inbound.Request request, long startNanos) {
        int err = 0;
        long zxid = lastZxid.getAsLong();
        if (request.type() == OpCode.MULTI_READ) {
            output.send(c, request.decodeError() ? Outbound.reply(request.xid(), zxid, ErrorCode.MARSHALLING_ERROR)
                    : Outbound.reply(request.xid(), zxid, reads.multiRead(c, request.multiOps())));
        } else {
            ReadRequests.Answer answer = reads.evaluate(c, request.type(), request.body());
            err = answer.err();
            output.send(c, err != 0 ? Outbound.reply(request.xid(), zxid, err)
                    : Outbound.reply(request.xid(), zxid, answer.body()));
        }
        requests.get().onAnswered(request.type(), requests.get().nanoTime() - startNanos, err);
    }

    void removeConnection(ClientConnection c) {
        pending.values().removeIf(read -> read.connection == c);
    }

    int size() {
        return pending.size();
    }
}
