package io.viewkeeper.server;

import io.viewkeeper.storage.ZnodeStateMachine;
import io.viewkeeper.storage.checkpoint.CheckpointStore;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint saves off the replica thread. The replica thread prepares a save where the tree does not change
 * ({@link CheckpointStore#prepare}: images of the changed znodes, or a copy of every node's fields for a whole save);
 * this saver's own thread makes a whole save's images, encodes, writes and syncs it ({@link CheckpointStore#commit})
 * while the replica goes on, and hands the outcome back to the replica thread as an {@link Input.CheckpointSaved},
 * where the consensus learns the checkpoint is durable. One save at a time. A full save of a million znodes, seconds
 * of MapDB writes, does not stop the replica's heartbeats, and its copy of the tree is taken a slice per duty cycle
 * ({@link #advance}), each slice between ops, the tree keeping for it the old fields of the nodes it changes.
 */
final class CheckpointSaver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointSaver.class);
    /** How long closing waits for a save under way, so that the store closes after it. */
    private static final long CLOSE_WAIT_SECONDS = 120;
    /**
     * Nodes of a whole save's copy of the tree taken per duty cycle: 2.6-17 ms alone, so that a copy of 1,000,000
     * znodes (0.1-1 s at once) never holds the replica thread long enough for its peers to miss it.
     */
    static final int COPY_SLICE_NODES = 16_384;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread saver = new Thread(runnable, "checkpoint-saver");
        saver.setDaemon(true);
        return saver;
    });
    private final Consumer<Input> replicaThread;
    /** The op of the save under way, or -1; replica thread only. */
    private long savingOp = -1;
    /** A whole save whose copy of the tree is being taken, a slice per duty cycle, or null; replica thread only. */
    private Copying copying;

    /** A prepared save not yet handed to the saver's thread, and the replica thread's time spent on it so far. */
    private static final class Copying {
        final CheckpointStore store;
        final CheckpointStore.Prepared prepared;
        final long startNanos;
        long replicaNanos;

        Copying(CheckpointStore store, CheckpointStore.Prepared prepared, long startNanos, long replicaNanos) {
            this.store = store;
            this.prepared = prepared;
            this.startNanos = startNanos;
            this.replicaNanos = replicaNanos;
        }
    }

    CheckpointSaver(Consumer<Input> replicaThread) {
        this.replicaThread = replicaThread;
    }

    /** The op of the save under way, or -1. Replica thread only. */
    long savingOp() {
        return savingOp;
    }

    /**
     * Prepares the save of the state at {@code op} and starts writing it (a whole save once {@link #advance} has taken
     * its copy of the tree over the next duty cycles). False, logged, when it cannot be prepared
     * (the store is closed, or the client table is over its limit): the replica keeps its log. Replica thread only.
     */
    boolean start(CheckpointStore store, ZnodeStateMachine machine, long op, long chain, byte[] clients,
            String prefix) {
        if (savingOp >= 0) {
            throw new IllegalStateException("a checkpoint at op " + op + " started while the one at op " + savingOp
                    + " is being saved");
        }
        long startNanos = System.nanoTime();
        CheckpointStore.Prepared prepared;
        try {
            prepared = store.prepare(machine, op, chain, clients);
        } catch (IllegalArgumentException e) {
            // the client table over its limit (the store being closed, or an op below its own, is a bug and stops
            // the node)
            log.warn("{} checkpoint at op {} not taken; the log is kept: {}", prefix, op, e.getMessage());
            return false;
        }
        savingOp = op;
        copying = new Copying(store, prepared, startNanos, System.nanoTime() - startNanos);
        advance();
        return true;
    }

    /**
     * Takes the next slice of a whole save's copy of the tree ({@value #COPY_SLICE_NODES} nodes), and once the save
     * is ready, hands it to the saver's thread. Replica thread only, between ops: the duty cycle calls it every cycle.
     */
    void advance() {
        if (copying == null) {
            return;
        }
        long sliceStart = System.nanoTime();
        boolean ready = copying.prepared.step(COPY_SLICE_NODES);
        Copying done = copying;
        done.replicaNanos += System.nanoTime() - sliceStart;
        if (ready) {
            copying = null;
            long preparedMs = done.replicaNanos / 1_000_000;
            thread.execute(() -> write(done.store, done.prepared, preparedMs, done.startNanos));
        }
    }

    /** Whether a whole save's copy of the tree is still being taken. Replica thread only. */
    boolean copying() {
        return copying != null;
    }

    /** On the saver's thread: writes the prepared save, then tells the replica thread how it went. */
    private void write(CheckpointStore store, CheckpointStore.Prepared prepared, long preparedMs, long startNanos) {
        boolean durable = false;
        String failure = null;
        Throwable bug = null;
        try {
            durable = store.commit(prepared);
            if (!durable) {
                failure = "the changes were not written (a stored record is damaged, or MapDB failed: see the log "
                        + "above); the next save rewrites the whole checkpoint";
            }
        } catch (CheckpointStore.SupersededException e) {
            failure = null;
        } catch (IOException e) {
            failure = e.toString();
        } catch (RuntimeException | Error e) {
            bug = e;
        }
        long savedMs = (System.nanoTime() - startNanos) / 1_000_000;
        replicaThread.accept(new Input.CheckpointSaved(prepared.op(), durable, failure, bug, prepared.full(),
                prepared.records(), preparedMs, savedMs));
    }

    /** The outcome of the save under way reached the replica thread. */
    void finished(long op) {
        if (op != savingOp) {
            throw new IllegalStateException("the save of the checkpoint at op " + op + " ended while the one at op "
                    + savingOp + " was under way");
        }
        savingOp = -1;
    }

    /** Lets a save under way finish (the store closes after it), then stops the thread. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("a checkpoint save did not finish within {} s of closing", CLOSE_WAIT_SECONDS);
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
