package io.viewkeeper.server;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.WritePath;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica thread: the one thread that owns the {@link Replica}, the state machine and the frontend core.
 * Its duty cycle drains the bounded task queue fed by the I/O threads (client requests, peer messages), ticks the
 * replica and the frontend when due, and flushes the replica's effects: entries to persist (held in memory until
 * the write-ahead log exists, so durable when handed over), messages to peers, commits to apply. A full queue
 * blocks the I/O thread that offers to it, which stops that thread reading sockets.
 */
final class ReplicaLoop implements WritePath, Outbox, Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLoop.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final int TASKS_PER_CYCLE_MAX = 4096;
    private static final int FLUSH_ROUNDS_MAX = 64;

    private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final long replicaTickMs;
    private final long frontendTickMs;
    private final int replicaCount;
    private final boolean linearizableReads;
    private Replica replica;
    private FrontendCore core;
    private PeerTransport transport;
    private long persistedOp;
    private long reportedPersistedOp;
    private long decodedOp = -1;
    private Txn decodedTxn;
    private String lastStatus = "";
    private volatile boolean running = true;
    private Thread thread;

    ReplicaLoop(long replicaTickMs, long frontendTickMs, int replicaCount, boolean linearizableReads) {
        this.replicaTickMs = replicaTickMs;
        this.frontendTickMs = frontendTickMs;
        this.replicaCount = replicaCount;
        this.linearizableReads = linearizableReads;
    }

    /** Builds the replica with this loop as its outbox and starts the thread. */
    void start(Function<Outbox, Replica> replicaFactory, FrontendCore frontendCore, PeerTransport peers) {
        this.replica = replicaFactory.apply(this);
        this.core = frontendCore;
        this.transport = peers;
        this.persistedOp = replica.opNumber();
        this.reportedPersistedOp = persistedOp;
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

    /** Offers a task to the replica thread without blocking; false when the queue is full or the loop stopped. */
    boolean offer(Runnable task) {
        return running && tasks.offer(task);
    }

    @Override
    public void run() {
        long now = System.currentTimeMillis();
        long nextReplicaTick = now + replicaTickMs;
        long nextFrontendTick = now + frontendTickMs;
        while (running) {
            try {
                long wait = Math.max(1, Math.min(nextReplicaTick, nextFrontendTick) - System.currentTimeMillis());
                Runnable first = tasks.poll(wait, TimeUnit.MILLISECONDS);
                if (first != null) {
                    runTask(first);
                    drainTasks();
                }
                now = System.currentTimeMillis();
                if (now >= nextReplicaTick) {
                    nextReplicaTick = now + replicaTickMs;
                    runTask(replica::onTick);
                }
                if (now >= nextFrontendTick) {
                    nextFrontendTick = now + frontendTickMs;
                    runTask(this::frontendTick);
                }
                runTask(this::flushReplica);
                logStatusChange();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void drainTasks() {
        for (int i = 0; i < TASKS_PER_CYCLE_MAX; i++) {
            Runnable next = tasks.poll();
            if (next == null) {
                return;
            }
            runTask(next);
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("{} task on the replica thread failed", prefix(), e);
        }
    }

    private void frontendTick() {
        core.onTick();
        if (transport != null && !isPrimary()) {
            long[] touched = core.takeTouchedSessions();
            if (touched.length > 0) {
                transport.sendSessionTouches(primaryIndex(), touched);
            }
        }
    }

    /**
     * Hands the batch to persistence and reports it durable, repeating while commits submit further writes (a
     * one-replica group commits on persist, so a commit can order the next write within the same cycle).
     */
    private void flushReplica() {
        for (int round = 0; round < FLUSH_ROUNDS_MAX; round++) {
            long opBefore = replica.opNumber();
            replica.flush();
            if (persistedOp > reportedPersistedOp) {
                reportedPersistedOp = persistedOp;
                replica.onPersisted(persistedOp);
            }
            if (replica.opNumber() == opBefore) {
                return;
            }
        }
    }

    private void logStatusChange() {
        String status = replica.status() + " v" + replica.view() + (isPrimary() ? " primary" : " backup");
        if (!status.equals(lastStatus)) {
            log.info("{} now {}", prefix(), status);
            lastStatus = status;
        }
    }

    private String prefix() {
        return replica == null ? "[replica]" : "[r" + replica.replicaIndex() + " v" + replica.view() + " "
                + replica.status().name().toLowerCase(java.util.Locale.ROOT) + "]";
    }

    private int primaryIndex() {
        return (int) (replica.view() % replicaCount);
    }

    // ---- WritePath: what the frontend asks of the replica ----

    @Override
    public long submit(Txn txn, long clientId, long requestNumber) {
        return replica.onRequest(clientId, requestNumber, OperationCodec.encode(txn));
    }

    @Override
    public boolean needsBarrier(boolean sync) {
        return replicaCount > 1 && (sync || linearizableReads);
    }

    @Override
    public boolean read(long readId) {
        return replica.onRead(readId);
    }

    @Override
    public boolean isPrimary() {
        return replica.isPrimary() && replica.status() == Replica.Status.NORMAL;
    }

    /** ZooKeeper's names for the role: standalone for one node, leader and follower in a group. */
    @Override
    public String role() {
        if (replicaCount == 1) {
            return "standalone";
        }
        return isPrimary() ? "leader" : "follower";
    }

    @Override
    public ReplicaFigures figures() {
        return new ReplicaFigures(replica.status().name().toLowerCase(java.util.Locale.ROOT), replica.view(),
                replica.opNumber(), replica.commitNumber());
    }

    Replica replica() {
        return replica;
    }

    /** A backup's clients touched these sessions; only the primary keeps expiry deadlines that matter. */
    void touchSessions(long[] sessionIds) {
        core.onSessionTouches(sessionIds);
    }

    // ---- Outbox: what the replica asks of the world ----

    @Override
    public void persist(List<LogEntry> entries) {
        persistedOp = entries.get(entries.size() - 1).op();
    }

    @Override
    public void commit(LogEntry entry) {
        core.onCommitted(entry.op(), decode(entry), entry.clientId(), entry.requestNumber());
    }

    /** Asked of the entry just committed: served from the one decode of that entry. */
    @Override
    public boolean endsClient(LogEntry entry) {
        return decode(entry).op() instanceof Operation.CloseSession;
    }

    /** Decodes an entry once: the replica asks about an entry right after (or before) committing it. */
    private Txn decode(LogEntry entry) {
        if (decodedOp == entry.op() && decodedTxn != null) {
            return decodedTxn;
        }
        try {
            decodedTxn = OperationCodec.decode(entry.body());
            decodedOp = entry.op();
            return decodedTxn;
        } catch (OperationCodec.MalformedOperationException e) {
            throw new IllegalStateException("committed entry " + entry.op() + " does not decode", e);
        }
    }

    @Override
    public void send(int replicaIndex, Message message) {
        if (transport != null) {
            transport.send(replicaIndex, message);
        }
    }

    @Override
    public void readReady(long readId) {
        core.onReadReady(readId);
    }

    @Override
    public void truncate(long lastOpKept) {
        persistedOp = Math.min(persistedOp, lastOpKept);
        reportedPersistedOp = Math.min(reportedPersistedOp, lastOpKept);
    }

    @Override
    public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients) {
        return TreeSnapshot.write(core.stateMachine());
    }

    @Override
    public void installCheckpoint(Checkpoint checkpoint) {
        TreeSnapshot.Image image;
        if (checkpoint.application().length == 0) {
            image = new TreeSnapshot.Image(new DataTree(), new SessionTable(), checkpoint.op());
        } else {
            try {
                image = TreeSnapshot.read(checkpoint.application());
            } catch (OperationCodec.MalformedOperationException e) {
                throw new IllegalStateException("checkpoint at op " + checkpoint.op() + " does not decode", e);
            }
        }
        core.onStateInstalled(image);
        persistedOp = checkpoint.op();
        reportedPersistedOp = checkpoint.op();
        log.info("{} installed checkpoint at op {}", prefix(), checkpoint.op());
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
