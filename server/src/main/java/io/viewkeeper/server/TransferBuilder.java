package io.viewkeeper.server;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.storage.checkpoint.CheckpointStore;
import io.viewkeeper.storage.checkpoint.CorruptCheckpointException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the whole snapshot of a checkpoint a peer fetches, off the replica thread: it reads every record of the
 * checkpoint store, a second at 100,000 znodes and ten at 1,000,000, during which a primary would hear nothing and
 * order nothing. One is built at a time; the replica thread hands it to the replica when it arrives
 * ({@link Input.TransferImageReady}) and says so ({@link #done}).
 */
final class TransferBuilder {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLoop.class);

    private final Consumer<Input> replicaThread;
    private final ExecutorService builder = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "checkpoint-transfer");
        thread.setDaemon(true);
        return thread;
    });
    private boolean building; // read and written on the replica thread only

    TransferBuilder(Consumer<Input> replicaThread) {
        this.replicaThread = replicaThread;
    }

    /** Whether a snapshot is being built (the store is being read on the builder thread). */
    boolean building() {
        return building;
    }

    /** Starts building {@code checkpoint}'s snapshot, unless one is being built (the peer asks again). */
    void start(CheckpointStore store, Checkpoint checkpoint, String prefix) {
        if (!building) {
            building = true;
            builder.execute(() -> build(store, checkpoint, prefix));
        }
    }

    /** The snapshot built (or not) reached the replica thread. */
    void done() {
        building = false;
    }

    void shutdownNow() {
        builder.shutdownNow();
    }

    private void build(CheckpointStore store, Checkpoint checkpoint, String prefix) {
        long startNanos = System.nanoTime();
        Checkpoint whole = null;
        try {
            Optional<byte[]> snapshot = store.writeSnapshotAt(checkpoint.op());
            if (snapshot.isPresent()) {
                whole = new Checkpoint(checkpoint.op(), checkpoint.chain(), snapshot.get(), checkpoint.clients(),
                        checkpoint.membership());
                log.info("{} checkpoint at op {} read for transfer: {} bytes in {} ms", prefix, checkpoint.op(),
                        snapshot.get().length, (System.nanoTime() - startNanos) / 1_000_000);
            } else {
                log.info("{} checkpoint at op {} was replaced before it was read for transfer", prefix,
                        checkpoint.op());
            }
        } catch (CorruptCheckpointException | RuntimeException e) {
            log.error("{} checkpoint at op {} cannot be read for transfer: {}", prefix, checkpoint.op(),
                    e.toString());
        }
        replicaThread.accept(new Input.TransferImageReady(whole));
    }
}
