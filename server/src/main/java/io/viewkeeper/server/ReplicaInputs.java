package io.viewkeeper.server;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The replica thread's bounded queue of {@link Input}s and its figures. Client and admin input is refused past three
 * quarters of the capacity, so the last quarter stays for peers: a flood of client input never crowds out the
 * heartbeats and prepares that keep the group in its view. I/O threads never block on it: a refused producer waits
 * for room ({@link #whenRoom}), called back once the queue is at most half full.
 */
final class ReplicaInputs {
    static final int CAPACITY = 65_536;
    private static final int CLIENT_LIMIT = CAPACITY / 4 * 3;

    private final BlockingQueue<Input> inputs = new ArrayBlockingQueue<>(CAPACITY);
    /** Inputs consumed, by {@link Input.Kind} ordinal; written by the replica thread only. */
    private final AtomicLongArray consumed = new AtomicLongArray(Input.Kind.values().length);
    private final Queue<RoomWaiter> roomWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicLong refusedOffers = new AtomicLong();
    private final AtomicLong droppedPeerInputs = new AtomicLong();
    /** Written by the offering threads; a figure for operators, so a racy maximum is good enough. */
    private volatile int highWater;

    private record RoomWaiter(Executor executor, Runnable retry) {
    }

    /** The most inputs queued at once, offers refused for a full queue, and peer inputs dropped for it. */
    record Figures(int capacity, int highWater, long refusedOffers, long droppedPeerInputs) {
    }

    /** Queues an input, blocking while the queue is full: never from an I/O thread. */
    void put(Input input) throws InterruptedException {
        inputs.put(input);
        noteSize();
    }

    /** Offers client or admin input without blocking; false (and counted) past the client limit. */
    boolean offerLimited(Input input) {
        if (inputs.size() >= CLIENT_LIMIT || !offer(input)) {
            refusedOffers.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Offers a peer's input without blocking; when the queue is full it is dropped: returns how many so far, or 0. */
    long offerFromPeer(Input input) {
        return offer(input) ? 0 : droppedPeerInputs.incrementAndGet();
    }

    /** Offers without a limit below the capacity (the log writer's notices). */
    boolean offer(Input input) {
        boolean queued = inputs.offer(input);
        if (queued) {
            noteSize();
        }
        return queued;
    }

    private void noteSize() {
        highWater = Math.max(highWater, CAPACITY - inputs.remainingCapacity());
    }

    void whenRoom(Executor executor, Runnable retry) {
        roomWaiters.add(new RoomWaiter(executor, retry));
    }

    /** Calls back the producers waiting for room, once the queue is at most half full. */
    void wakeRoomWaiters() {
        if (roomWaiters.isEmpty() || inputs.size() > CAPACITY / 2) {
            return;
        }
        for (RoomWaiter waiter = roomWaiters.poll(); waiter != null; waiter = roomWaiters.poll()) {
            waiter.executor().execute(waiter.retry());
        }
    }

    Input poll(long waitMs) throws InterruptedException {
        return inputs.poll(waitMs, TimeUnit.MILLISECONDS);
    }

    Input poll() {
        return inputs.poll();
    }

    /** Counts one input of {@code kind} as consumed; on the replica thread only. */
    void consumed(Input.Kind kind) {
        consumed.lazySet(kind.ordinal(), consumed.get(kind.ordinal()) + 1);
    }

    /** Inputs consumed since start, by kind; any thread. */
    long consumedCount(Input.Kind kind) {
        return consumed.get(kind.ordinal());
    }

    Figures figures() {
        return new Figures(CAPACITY, highWater, refusedOffers.get(), droppedPeerInputs.get());
    }
}
