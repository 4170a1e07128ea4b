package io.viewkeeper.frontend;

/**
 * Where a client connection stands, which decides what of its queue may be handled next: a held handshake and a
 * read waiting for its barrier stop the queue; writes in flight let only writes follow (a read never overtakes an
 * earlier write); a write barrier (a write refused, or forwarded as the connection's first) stops it until a commit.
 * Invariant: a connection moves only along {@link #allows}; {@link #CLOSED} is final, and closing twice is allowed
 * because a close is asked from several places (expiry, the session's end, the channel's own close).
 */
enum ConnectionState {
    /** Opened; its first frame, the ConnectRequest, not handled yet. */
    CONNECTING,
    /** The ConnectRequest is handled, its answer waits: a CreateSession to commit, a barrier, a zxid to reach. */
    HANDSHAKE_HELD,
    /** Requests are handled in order as they come; none of this connection's is under way. */
    READY,
    /** Writes are submitted and not committed: further writes may follow them, other requests wait. */
    WRITES_IN_FLIGHT,
    /** A write was refused, or forwarded as the connection's first: every request waits for a commit. */
    WRITE_BARRIER,
    /** A read waits for its barrier: every later request waits for it. */
    READ_BARRIER,
    /** Closed or closing: nothing more of its queue is handled and nothing more is sent. */
    CLOSED;

    /** Whether a connection in this state may move to {@code next}. */
    boolean allows(ConnectionState next) {
        if (next == CLOSED) {
            return true;
        }
        return switch (this) {
            case CONNECTING -> next == HANDSHAKE_HELD || next == READY;
            // a parked handshake that is continued may be held again (for its CreateSession or its barrier)
            case HANDSHAKE_HELD -> next == HANDSHAKE_HELD || next == READY;
            case READY -> next == WRITES_IN_FLIGHT || next == WRITE_BARRIER || next == READ_BARRIER;
            case WRITES_IN_FLIGHT -> next == WRITES_IN_FLIGHT || next == WRITE_BARRIER || next == READY;
            case WRITE_BARRIER -> next == WRITES_IN_FLIGHT || next == READY;
            case READ_BARRIER -> next == READY;
            case CLOSED -> false;
        };
    }

    /** Whether the next input of the queue may be looked at: a ConnectRequest always then, a request as admitted. */
    boolean takesInput() {
        return switch (this) {
            case CONNECTING, READY, WRITES_IN_FLIGHT, WRITE_BARRIER -> true;
            case HANDSHAKE_HELD, READ_BARRIER, CLOSED -> false;
        };
    }

    /** Whether a request ({@code write} or not) at the head of the queue may be handled now. */
    boolean admits(boolean write) {
        return switch (this) {
            case CONNECTING, READY -> true;
            case WRITES_IN_FLIGHT -> write;
            case HANDSHAKE_HELD, WRITE_BARRIER, READ_BARRIER, CLOSED -> false;
        };
    }
}
