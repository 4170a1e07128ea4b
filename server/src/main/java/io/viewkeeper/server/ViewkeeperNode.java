package io.viewkeeper.server;

import io.viewkeeper.consensus.Replica;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.consensus.ReplicaOptions;
import io.viewkeeper.frontend.ClientServer;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.FrontendSettings;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Viewkeeper node: the client port, the replica thread and, in a replica group, the peer transport.
 * Until the write-ahead log exists a replica's state lives in memory: a replica that restarts in a group it has
 * already joined (its data directory says so) comes back through VR recovery, as one that lost its disk.
 */
public final class ViewkeeperNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ViewkeeperNode.class);
    private static final int WATCHES_PER_CONNECTION_MAX = 1_000_000;
    private static final long REPLICA_TICK_MS = 20;
    private static final int PEER_FRAME_BYTES_MAX = 256 * 1024 * 1024;
    private static final int CHECKPOINT_INTERVAL_OPS = 20_000;
    private static final String JOINED_MARKER = "replica-joined";

    private final ReplicaLoop loop;
    private final ClientServer clientServer;
    private final PeerTransport transport;
    private final InetSocketAddress address;
    private final NodeOperations operations;
    private boolean closed;

    private ViewkeeperNode(ReplicaLoop loop, ClientServer clientServer, PeerTransport transport,
            InetSocketAddress address, NodeOperations operations) {
        this.loop = loop;
        this.clientServer = clientServer;
        this.transport = transport;
        this.address = address;
        this.operations = operations;
    }

    /** Starts a node and returns once its client port accepts connections. */
    public static ViewkeeperNode start(NodeConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        int replicaCount = Math.max(1, config.members().size());
        int clientPort = clientPortOf(config);
        FrontendSettings settings = new FrontendSettings(config.tickTimeMs(), config.minSessionTimeoutMs(),
                config.maxSessionTimeoutMs(), config.maxClientCnxns(), config.juteMaxBuffer(),
                config.fourLetterWords(), config.superDigest(), config.containerCheckIntervalMs(),
                config.containerMaxPerMinute(), config.maxInflightPerConnection(), config.serverId(),
                clientPort, config.dataDir().toString(), WATCHES_PER_CONNECTION_MAX);
        ZnodeStateMachine stateMachine = new ZnodeStateMachine(new DataTree(), new SessionTable(),
                config.extendedTypesEnabled(), config.enforceQuota());
        ReplicaLoop loop = new ReplicaLoop(REPLICA_TICK_MS, Math.max(1, Math.min(config.tickTimeMs() / 2, 100)),
                replicaCount, config.reads() == NodeConfig.ReadMode.LINEARIZABLE);
        FrontendCore core = new FrontendCore(settings, stateMachine, loop, System::currentTimeMillis,
                new SecureRandom());
        PeerTransport transport = replicaCount > 1 ? peerTransport(config, loop) : null;
        ClientServer clientServer = new ClientServer(settings, core, loop::execute);
        NodeOperations operations = NodeOperations.create(config, loop, core, transport);
        try {
            if (transport != null) {
                transport.start();
            }
            loop.start(replicaFactory(config), core, transport);
            InetSocketAddress bound = clientServer.bind(clientHost(config), clientPort);
            core.setBoundClientPort(bound.getPort());
            log.info("serving ZooKeeper clients on {}:{}", bound.getHostString(), bound.getPort());
            operations.startAdmin();
            return new ViewkeeperNode(loop, clientServer, transport, bound, operations);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(clientServer, loop, transport);
            operations.close();
            throw new IOException("interrupted while binding", e);
        } catch (RuntimeException e) {
            stopAll(clientServer, loop, transport);
            operations.close();
            throw new IOException("cannot start: " + e.getMessage(), e);
        }
    }

    private static void stopAll(ClientServer clientServer, ReplicaLoop loop, PeerTransport transport) {
        clientServer.close();
        loop.stop();
        if (transport != null) {
            transport.close();
        }
    }

    private static int clientPortOf(NodeConfig config) {
        for (NodeConfig.Member m : config.members()) {
            if (m.id() == config.serverId() && m.clientPort() > 0) {
                return m.clientPort();
            }
        }
        return config.clientPort();
    }

    /** In a group on one machine each replica listens on its own address, as its server.N line names it. */
    private static String clientHost(NodeConfig config) {
        if (config.members().size() > 1 && config.clientPortAddress().equals("0.0.0.0")) {
            return config.members().get(config.replicaIndex()).host();
        }
        return config.clientPortAddress();
    }

    private static PeerTransport peerTransport(NodeConfig config, ReplicaLoop loop) {
        List<InetSocketAddress> peers = new ArrayList<>();
        StringBuilder membership = new StringBuilder();
        for (NodeConfig.Member m : config.members()) {
            peers.add(new InetSocketAddress(m.host(), m.peerPort()));
            membership.append(m.id()).append('@').append(m.host()).append(':').append(m.peerPort()).append(',');
        }
        long clusterId = membership.toString().hashCode() * 0x9E3779B97F4A7C15L;
        PeerTransport.Receiver receiver = new PeerTransport.Receiver() {
            @Override
            public void onMessage(io.viewkeeper.consensus.Message message) {
                loop.execute(() -> loop.replica().onMessage(message));
            }

            @Override
            public void onSessionTouches(int from, long[] sessionIds) {
                loop.execute(() -> loop.touchSessions(sessionIds));
            }
        };
        return new PeerTransport(config.replicaIndex(), clusterId, peers, receiver, PEER_FRAME_BYTES_MAX);
    }

    /**
     * A one-replica group commits at once. In a group, a replica starts in view 0 the first time; a replica whose
     * data directory shows it already joined lost its in-memory state and recovers it from its peers (VR §4.3).
     */
    private static Function<io.viewkeeper.consensus.Outbox, Replica> replicaFactory(NodeConfig config)
            throws IOException {
        if (config.members().size() <= 1) {
            return outbox -> new Replica(ReplicaConfiguration.single(), outbox, 0);
        }
        ReplicaConfiguration configuration = new ReplicaConfiguration(config.members().size(),
                config.replicaIndex(), 1024);
        ReplicaOptions options = ReplicaOptions.defaults().withCheckpointIntervalOps(CHECKPOINT_INTERVAL_OPS);
        SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
        Path marker = config.dataDir().resolve(JOINED_MARKER);
        boolean joinedBefore = Files.exists(marker);
        Files.writeString(marker, "replica " + config.serverId() + "\n", StandardCharsets.UTF_8);
        if (joinedBefore) {
            log.info("replica {} restarts without its state: recovering from its peers", config.serverId());
            return outbox -> Replica.recovering(configuration, options, outbox, random);
        }
        return outbox -> new Replica(configuration, options, outbox, random);
    }

    /** The port the client listener is bound to (the real one when the config asked for port 0). */
    public int clientPort() {
        return address.getPort();
    }

    /** The admin endpoint's address, or null when it is disabled or could not bind. */
    public InetSocketAddress adminAddress() {
        return operations.adminAddress();
    }

    /** A connect string for ZooKeeper clients, {@code host:port}. */
    public String connectString() {
        return address.getHostString() + ":" + clientPort();
    }

    /** Stops listening, closes every connection, the peer transport and the replica thread; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        operations.close();
        stopAll(clientServer, loop, transport);
    }
}
