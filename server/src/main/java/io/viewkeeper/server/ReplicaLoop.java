package io.viewkeeper.server;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.WritePath;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.Txn;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica thread: the one thread that owns the {@link Replica}, the state machine and the frontend core.
 * Its duty cycle drains the bounded task queue fed by the I/O threads, ticks when due, and flushes the replica's
 * effects: entries to persist (in memory until the write-ahead log lands, so durable at once) and commits to
 * apply. A full queue blocks the I/O thread that offers to it, which stops it reading sockets.
 */
final class ReplicaLoop implements WritePath, Outbox, Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLoop.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final int TASKS_PER_CYCLE_MAX = 4096;

    private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Replica replica;
    private final long tickIntervalMs;
    private FrontendCore core;
    private long persistedOp;
    private volatile boolean running = true;
    private Thread thread;

    ReplicaLoop(long tickIntervalMs) {
        this.tickIntervalMs = tickIntervalMs;
        this.replica = new Replica(ReplicaConfiguration.single(), this, 0);
    }

    void start(FrontendCore frontendCore) {
        this.core = frontendCore;
        thread = new Thread(this, "replica-loop");
        thread.start();
    }

    /** Runs a task on the replica thread, in the order offered; blocks while the queue is full. */
    void execute(Runnable task) {
        if (!running) {
            return;
        }
        try {
            tasks.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        long nextTickMs = System.currentTimeMillis() + tickIntervalMs;
        while (running) {
            try {
                Runnable first = tasks.poll(Math.max(1, nextTickMs - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (first != null) {
                    runTask(first);
                    for (int i = 0; i < TASKS_PER_CYCLE_MAX; i++) {
                        Runnable next = tasks.poll();
                        if (next == null) {
                            break;
                        }
                        runTask(next);
                    }
                }
                if (System.currentTimeMillis() >= nextTickMs) {
                    nextTickMs = System.currentTimeMillis() + tickIntervalMs;
                    runTask(() -> {
                        replica.onTick();
                        core.onTick();
                    });
                }
                flushReplica();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("task on the replica thread failed", e);
        }
    }

    /** Persists and commits until the replica has nothing pending; commits may submit further writes. */
    private void flushReplica() {
        while (replica.commitNumber() < replica.opNumber()) {
            replica.flush();
            long durable = persistedOp;
            runTask(() -> replica.onPersisted(durable));
        }
    }

    @Override
    public long submit(Txn txn) {
        return replica.onRequest(txn.sessionId(), txn.cxid(), OperationCodec.encode(txn));
    }

    @Override
    public void persist(List<LogEntry> entries) {
        persistedOp = entries.get(entries.size() - 1).op();
    }

    @Override
    public void commit(LogEntry entry) {
        Txn txn;
        try {
            txn = OperationCodec.decode(entry.body());
        } catch (OperationCodec.MalformedOperationException e) {
            throw new IllegalStateException("committed entry " + entry.op() + " does not decode", e);
        }
        core.onCommitted(entry.op(), txn);
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
