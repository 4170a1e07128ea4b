package io.viewkeeper.frontend;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One connection's input on its way to the replica thread, confined to the channel's event loop. Inputs go to the
 * {@link ReplicaInbox} in arrival order; when it is full, this input and every later one of the connection are
 * held here, the channel stops reading (autoRead off) and the inbox calls back once it has room, then the held
 * inputs go on in order and reading resumes. The I/O thread never blocks. Invariant: inputs reach the replica
 * thread in the order they arrived; while any is held, none overtakes it.
 */
final class ConnectionInput {
    private final ReplicaInbox inbox;
    private final Channel channel;
    private final ClientConnection connection;
    private final int inflightMax;
    private final Deque<ClientInput> held = new ArrayDeque<>();
    private boolean waitingForRoom;

    ConnectionInput(ReplicaInbox inbox, Channel channel, ClientConnection connection, int inflightMax) {
        this.inbox = inbox;
        this.channel = channel;
        this.connection = connection;
        this.inflightMax = inflightMax;
    }

    /** On the channel's event loop: hands {@code input} on, or holds it (and what follows) until there is room. */
    void dispatch(ClientInput input) {
        if (held.isEmpty() && inbox.offer(input)) {
            return;
        }
        held.add(input);
        if (!waitingForRoom) {
            waitingForRoom = true;
            connection.inputHeld = true;
            channel.config().setAutoRead(false);
            inbox.whenRoom(channel.eventLoop(), this::retry);
        }
    }

    /** The inbox has room: hand on the held inputs in order; resume reading once all are on their way. */
    private void retry() {
        waitingForRoom = false;
        while (!held.isEmpty()) {
            if (!inbox.offer(held.peek())) {
                waitingForRoom = true;
                inbox.whenRoom(channel.eventLoop(), this::retry);
                return;
            }
            held.poll();
        }
        connection.inputHeld = false;
        if (connection.inflight().get() < inflightMax) {
            channel.config().setAutoRead(true);
        }
    }
}
