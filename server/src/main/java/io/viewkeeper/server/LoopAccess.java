package io.viewkeeper.server;

import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.RestoreListener;
import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.server.admin.NodeAccess;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.storage.Operation;

/** The admin endpoint's view of a running node: its replica loop, frontend, peer transport and settings. */
final class LoopAccess implements NodeAccess {
    private final ReplicaLoop loop;
    private final FrontendCore core;
    private final FrontendReport frontend;
    private final PeerTransport transport;
    private final NodeConfig config;

    LoopAccess(ReplicaLoop loop, FrontendCore core, PeerTransport transport, NodeConfig config) {
        this.loop = loop;
        this.core = core;
        this.frontend = new FrontendReport(core);
        this.transport = transport;
        this.config = config;
    }

    @Override
    public boolean offer(Runnable task) {
        return loop.offerAdmin("admin query", task);
    }

    @Override
    public boolean requestViewChange() {
        return loop.requestViewChange();
    }

    @Override
    public boolean requestCheckpoint() {
        return loop.checkpointNow();
    }

    @Override
    public long checkpointSavingOp() {
        return loop.checkpointSavingOp();
    }

    @Override
    public Replica replica() {
        return loop.replica();
    }

    @Override
    public FrontendReport frontend() {
        return frontend;
    }

    @Override
    public io.viewkeeper.storage.ZnodeStateMachine stateMachine() {
        return core.stateMachine();
    }

    @Override
    public void submitRestore(Operation restore, RestoreListener listener) {
        core.submitRestore(restore, listener);
    }

    @Override
    public boolean withdrawRestore(RestoreListener listener) {
        return core.withdrawRestore(listener);
    }

    @Override
    public String zooKeeperRole() {
        return loop.role();
    }

    @Override
    public io.viewkeeper.frontend.WritePath.ReplicaFigures figures() {
        return loop.figures();
    }

    @Override
    public io.viewkeeper.server.metrics.RecentActivity activity() {
        return loop.activity();
    }

    @Override
    public NodeConfig config() {
        return config;
    }

    @Override
    public boolean peerConnected(int index) {
        return transport != null && transport.connected(index);
    }

    @Override
    public InputQueue inputQueue() {
        ReplicaInputs.Figures f = loop.queueFigures();
        java.util.Map<String, Long> consumed = new java.util.TreeMap<>();
        for (Input.Kind kind : Input.Kind.values()) {
            consumed.put(kind.label(), loop.consumed(kind));
        }
        return new InputQueue(f.capacity(), f.highWater(), f.refusedOffers(), f.droppedPeerInputs(), consumed);
    }

    @Override
    public GroupMembers members() {
        return loop.membersChange().members();
    }

    @Override
    public void reconfigure(GroupMembers next, java.util.function.Consumer<MembersChange.Outcome> done) {
        loop.proposeMembers(next, done);
    }

    @Override
    public long peerLastReceivedMs(int index) {
        return transport == null ? 0 : transport.lastReceivedMs(index);
    }
}
