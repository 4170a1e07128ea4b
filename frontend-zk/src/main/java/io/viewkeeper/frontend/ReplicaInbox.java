package io.viewkeeper.frontend;

import java.util.concurrent.Executor;

/**
 * The replica thread's bounded input queue as the I/O threads see it. Offering never blocks: an I/O thread whose
 * offer is refused keeps the input, stops reading its channel and asks to be called back once the queue has room
 * ({@link #whenRoom}), so a flood of input slows its senders down instead of blocking a netty thread that serves
 * other connections.
 */
public interface ReplicaInbox {

    /** Queues {@code input} for the replica thread, in order; false when the queue is full and it was not queued. */
    boolean offer(ClientInput input);

    /** Runs {@code retry} on {@code executor} once the queue has room again (soon after, never on the caller). */
    void whenRoom(Executor executor, Runnable retry);
}
