package io.viewkeeper.server.disk;

import io.viewkeeper.storage.wal.WalRecord;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that writes the log: group commit. While one fsync runs, the replica thread keeps queueing batches;
 * the next round writes everything queued (one write per batch) and syncs once. The highest op made durable is
 * published in {@link #durableOp()}, and the replica thread is woken to report it. Other log operations (truncate,
 * release, reset) are queued in order with the batches, so they see every batch queued before them on disk.
 *
 * <p>A failed write or fsync stops the writer for good: after a failed fsync the page cache may no longer match
 * the disk, so nothing more is acknowledged; the replica stops acknowledging and the group goes on without it
 * until the node is restarted, when the log is read back and checked.
 */
public final class LogWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);

    /** Told of each sync: its duration and the number of entries it made durable. */
    public interface SyncListener {
        void onSync(long nanos, int entries);
    }

    /** A log operation run on the writer thread, in order with the batches. */
    public interface LogAction {
        void run(WriteAheadLog wal) throws IOException;
    }

    private record Action(LogAction action, CompletableFuture<Void> done) {
    }

    private final WriteAheadLog wal;
    private final Runnable wake;
    private final SyncListener listener;
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final AtomicLong durableOp;
    private final Thread thread;
    private volatile IOException failure;
    private boolean stopping;

    public LogWriter(WriteAheadLog wal, Runnable wake, SyncListener listener) {
        this.wal = wal;
        this.wake = wake;
        this.listener = listener;
        this.durableOp = new AtomicLong(wal.lastOp());
        this.thread = new Thread(this::run, "log-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a batch; it is durable once {@link #durableOp()} reaches its last op. */
    public void append(List<WalRecord> batch) {
        synchronized (queue) {
            queue.addLast(batch);
            queue.notifyAll();
        }
    }

    /** Queues an action after every batch queued so far; the future completes when it has run. */
    public CompletableFuture<Void> submit(LogAction action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (queue) {
            if (failure != null || stopping) {
                done.completeExceptionally(failure != null ? failure : new IOException("log writer stopped"));
                return done;
            }
            queue.addLast(new Action(action, done));
            queue.notifyAll();
        }
        return done;
    }

    /** Runs an action after every batch queued so far and waits for it; rethrows its failure. */
    public void runNow(LogAction action) throws IOException {
        try {
            submit(action).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    public long durableOp() {
        return durableOp.get();
    }

    /** Lowers the durable op after a truncation; called from an action, on the writer thread. */
    public void lowerDurableOp(long op) {
        durableOp.updateAndGet(current -> Math.min(current, op));
    }

    /** Sets the durable op after a reset to a checkpoint; called from an action, on the writer thread. */
    public void resetDurableOp(long op) {
        durableOp.set(op);
    }

    /** The error that stopped the writer, or null while it works. */
    public IOException failure() {
        return failure;
    }

    private void run() {
        List<Object> round = new ArrayList<>();
        while (true) {
            synchronized (queue) {
                while (queue.isEmpty() && !stopping) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                round.addAll(queue);
                queue.clear();
            }
            if (failure == null) {
                writeRound(round);
            } else {
                failActions(round);
            }
            round.clear();
        }
    }

    private void writeRound(List<Object> round) {
        int entries = 0;
        long last = -1;
        try {
            for (Object item : round) {
                if (item instanceof Action action) {
                    syncIfNeeded(entries, last);
                    entries = 0;
                    last = -1;
                    runAction(action);
                } else {
                    @SuppressWarnings("unchecked")
                    List<WalRecord> batch = (List<WalRecord>) item;
                    wal.append(batch);
                    entries += batch.size();
                    last = batch.get(batch.size() - 1).op();
                }
            }
            syncIfNeeded(entries, last);
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            log.error("the write-ahead log failed; this replica acknowledges nothing more until it is restarted", e);
            failActions(round);
        }
    }

    private void syncIfNeeded(int entries, long last) throws IOException {
        if (last < 0) {
            return;
        }
        long start = System.nanoTime();
        wal.sync();
        listener.onSync(System.nanoTime() - start, entries);
        durableOp.set(last);
        wake.run();
    }

    private void runAction(Action action) {
        try {
            action.action().run(wal);
            action.done().complete(null);
        } catch (IOException | RuntimeException e) {
            action.done().completeExceptionally(e);
            if (e instanceof IOException io) {
                failure = io;
                log.error("a write-ahead log operation failed; this replica acknowledges nothing more", e);
            }
        }
    }

    private void failActions(List<Object> round) {
        for (Object item : round) {
            if (item instanceof Action action && !action.done().isDone()) {
                action.done().completeExceptionally(failure);
            }
        }
    }

    /** Writes and syncs what is queued, then stops the thread. */
    @Override
    public void close() {
        synchronized (queue) {
            stopping = true;
            queue.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
