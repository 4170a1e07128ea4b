package io.viewkeeper.server.admin;

import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.server.NodeConfig;

/**
 * What the admin endpoint may see of a node. The replica, the frontend and the ZooKeeper role belong to the replica
 * thread: read them only inside a task given to {@link #offer}. The config and the peer figures are safe anywhere.
 */
public interface NodeAccess {

    /** Queues a task for the replica thread without waiting; false when its queue is full or it has stopped. */
    boolean offer(Runnable task);

    /**
     * A programmer error on an admin worker thread (a bug converting a snapshot): it is handed to the replica
     * thread, which stops the node as it does for its own failures (fail-stop, exit 70). Only when that thread takes
     * no more tasks is it thrown here, ending the worker.
     */
    default void stopOn(String what, Throwable cause) {
        IllegalStateException failure = new IllegalStateException(what, cause);
        if (!offer(() -> {
            throw failure;
        })) {
            throw failure;
        }
    }

    /** Replica thread only. */
    Replica replica();

    /** Replica thread only. */
    FrontendReport frontend();

    /** The replicated state; replica thread only. */
    io.viewkeeper.storage.ZnodeStateMachine stateMachine();

    /**
     * Submits a restore op (the whole state as one op, or one part of a restore in parts); the listener hears when
     * it applies. Replica thread only.
     */
    void submitRestore(io.viewkeeper.storage.Operation restore, io.viewkeeper.frontend.RestoreListener listener);

    /** Stops offering a restore that has not committed; false when it is no longer pending. Replica thread only. */
    boolean withdrawRestore(io.viewkeeper.frontend.RestoreListener listener);

    /** standalone, leader or follower, as srvr says; replica thread only. */
    String zooKeeperRole();

    /** The replica's figures as mntr gives them (status, view, the group's members); replica thread only. */
    io.viewkeeper.frontend.WritePath.ReplicaFigures figures();

    NodeConfig config();

    /** Requests per second, their p99 and recent events over the last minutes; any thread. */
    io.viewkeeper.server.metrics.RecentActivity activity();

    /** Whether this replica's connection to the member at {@code index} is up. */
    boolean peerConnected(int index);

    /** The group's members as this node knows them now; any thread. */
    io.viewkeeper.server.GroupMembers members();

    /**
     * Replica thread: proposes {@code next} as the group's members; {@code done} hears the outcome once this node
     * applied the reconfiguration, or at once when the group refused to order it.
     */
    void reconfigure(io.viewkeeper.server.GroupMembers next,
                     java.util.function.Consumer<io.viewkeeper.server.MembersChange.Outcome> done);

    /** When the last message from the member at {@code index} arrived (epoch ms), 0 if none has. */
    long peerLastReceivedMs(int index);

    /**
     * The replica thread's input queue: its capacity, the most inputs it held at once, offers refused because it
     * was full (their connections stopped reading until it had room) and peer inputs dropped for it.
     */
    record InputQueue(int capacity, int highWater, long refusedOffers, long droppedPeerInputs,
            java.util.Map<String, Long> consumed) {
        public InputQueue {
            consumed = java.util.Map.copyOf(consumed);
        }
    }

    /** Any thread. */
    InputQueue inputQueue();

    /** On the replica thread: an operator hands the primary on; false when the replica is not normal. */
    default boolean requestViewChange() {
        return replica().requestViewChange();
    }

    /** On the replica thread: the op of the checkpoint being saved (off the replica thread), or -1. */
    long checkpointSavingOp();

    /** On the replica thread: a checkpoint now; false when there is nothing new to put in one. */
    default boolean requestCheckpoint() {
        return replica().requestCheckpoint();
    }
}
