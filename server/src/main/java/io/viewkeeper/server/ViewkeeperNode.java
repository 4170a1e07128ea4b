package io.viewkeeper.server;

import io.viewkeeper.consensus.LogHole;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.consensus.ReplicaOptions;
import io.viewkeeper.frontend.ClientAuthentication;
import io.viewkeeper.frontend.ClientServer;
import io.viewkeeper.frontend.ClientTls;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.FrontendSettings;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.server.peer.PeerSecurity;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.server.replay.ReplicaStart;
import io.viewkeeper.storage.wal.WriteAheadLog;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Viewkeeper node: the client port, the replica thread, its data directory (write-ahead log, checkpoint,
 * metadata) and, in a replica group, the peer transport.
 */
public final class ViewkeeperNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ViewkeeperNode.class);
    private static final int WATCHES_PER_CONNECTION_MAX = 1_000_000;
    private static final long REPLICA_TICK_MS = 20;
    private static final int PEER_FRAME_BYTES_MAX = 256 * 1024 * 1024;
    private static final int WAL_RECORD_BYTES_MAX = 64 * 1024 * 1024;

    private final ReplicaLoop loop;
    private final ClientServer clientServer;
    private final PeerTransport transport;
    private final InetSocketAddress address;
    /** SASL for clients (its login may run a Kerberos renewal thread), or null. */
    private final JaasSaslAuthenticator sasl;
    /** The TLS-only client listener (secureClientPort), or null. */
    private final InetSocketAddress secureAddress;
    private final NodeOperations operations;
    private boolean closed;
    private volatile Throwable stoppedBy;

    private ViewkeeperNode(ReplicaLoop loop, ClientServer clientServer, PeerTransport transport,
            InetSocketAddress address, InetSocketAddress secureAddress, NodeOperations operations,
            JaasSaslAuthenticator sasl) {
        this.secureAddress = secureAddress;
        this.sasl = sasl;
        this.loop = loop;
        this.clientServer = clientServer;
        this.transport = transport;
        this.address = address;
        this.operations = operations;
    }

    /**
     * Starts a node and returns once its client port accepts connections. A node whose replica thread fails stops
     * (closes itself, off that thread); {@link #stoppedBy()} then says why.
     */
    public static ViewkeeperNode start(NodeConfig config) throws IOException {
        AtomicReference<ViewkeeperNode> started = new AtomicReference<>();
        ViewkeeperNode node = start(config, (code, cause) -> {
            Thread closer = new Thread(() -> {
                ViewkeeperNode self = started.get();
                if (self != null) {
                    self.close();
                }
            }, "fail-stop-close");
            closer.setDaemon(true);
            closer.start();
        }, started);
        return node;
    }

    /** Starts a node whose replica thread, if it fails, hands the node to {@code failStop}. */
    public static ViewkeeperNode start(NodeConfig config, FailStop failStop) throws IOException {
        return start(config, failStop, new AtomicReference<>());
    }

    private static ViewkeeperNode start(NodeConfig config, FailStop onFailure, AtomicReference<ViewkeeperNode> self)
            throws IOException {
        AtomicReference<Throwable> failedWhileStarting = new AtomicReference<>();
        FailStop failStop = (code, cause) -> {
            ViewkeeperNode node;
            synchronized (self) {
                node = self.get();
                if (node == null) {
                    failedWhileStarting.set(cause);
                } else {
                    node.stoppedBy = cause;
                }
            }
            onFailure.stopped(code, cause);
        };
        Files.createDirectories(config.dataDir());
        int replicaCount = Math.max(1, config.members().size());
        int clientPort = config.listenPort();
        FrontendSettings settings = new FrontendSettings(config.tickTimeMs(), config.minSessionTimeoutMs(),
                config.maxSessionTimeoutMs(), config.maxClientCnxns(), config.juteMaxBuffer(),
                config.fourLetterWords(), config.superDigest(), config.containerCheckIntervalMs(),
                config.containerMaxPerMinute(), config.maxInflightPerConnection(), config.serverId(),
                clientPort, config.dataDir().toString(), WATCHES_PER_CONNECTION_MAX,
                config.readOnlyModeEnabled(), config.zooKeeperConfig(), config.reconfigEnabled());
        // the TLS context first: an unusable key store is a config error before anything else starts
        ClientTlsSettings tlsSettings = config.tls();
        ClientTls tls = tlsSettings.enabled() ? new ClientTls(ClientSslContexts.create(tlsSettings,
                System::currentTimeMillis), tlsSettings.x509SuperUser()) : null;
        if (config.admin().enabled() && config.admin().tls().enabled()) {
            config.admin().tls().serverContext(); // an unusable admin key store is a config error, now
        }
        PeerSecurity peerSecurity = peerSecurity(config);
        // SASL as ZooKeeper sets it up: the JVM's JAAS file and its Server section, when there is one
        JaasSaslAuthenticator sasl = JaasSaslAuthenticator.fromSystemProperties();
        ReplicaDisk disk = ReplicaDisk.open(config.dataDir(), identity(config), walOptions(config.disk()));
        ReplicaStart factory;
        MembersChange members;
        try {
            members = new MembersChange(config.dataDir(), config.serverId(), replicaCount > 1
                    ? MembersChange.atStart(config) : GroupMembers.of(config));
            factory = replicaStart(config, disk, members);
        } catch (IOException | RuntimeException e) {
            disk.close();
            throw e;
        }
        ZnodeStateMachine stateMachine = new ZnodeStateMachine(new DataTree(), new SessionTable(),
                config.extendedTypesEnabled(), config.enforceQuota());
        ReplicaLoop loop = new ReplicaLoop(REPLICA_TICK_MS, Math.max(1, Math.min(config.tickTimeMs() / 2, 100)),
                config.containerCheckIntervalMs(), replicaCount, config.reads() == NodeConfig.ReadMode.LINEARIZABLE,
                failStop, System::currentTimeMillis);
        FrontendCore core = new FrontendCore(settings, stateMachine, loop, loop::now,
                new SecureRandom());
        core.setAuthentication(new ClientAuthentication(sasl, config.requiredAuthSchemes()));
        if (disk.start().image() != null) {
            core.onStateInstalled(disk.start().image()); // the tree and the sessions, each given a full timeout
        }
        PeerTransport transport = replicaCount > 1 ? peerTransport(config, loop, peerSecurity, members) : null;
        if (transport != null) {
            members.onPeersChanged(transport::setPeers);
        }
        ClientServer clientServer = new ClientServer(settings, core, loop);
        NodeOperations operations = NodeOperations.create(config, loop, core, transport);
        try {
            if (transport != null) {
                transport.start();
            }
            loop.start(factory, core, transport, disk, config.disk(), operations.metrics()::recordFsync, members);
            InetSocketAddress bound = clientServer.bind(config.listenHost(), clientPort,
                    tlsSettings.portUnification() ? tls : null, false);
            core.setBoundClientPort(bound.getPort());
            log.info("serving ZooKeeper clients on {}:{}{}", bound.getHostString(), bound.getPort(),
                    tlsSettings.portUnification() ? " (plain and TLS)" : "");
            InetSocketAddress secure = null;
            if (tlsSettings.secureClientPort() >= 0) {
                String secureHost = tlsSettings.secureClientPortAddress() != null
                        ? tlsSettings.secureClientPortAddress() : config.listenHost();
                secure = clientServer.bind(secureHost, tlsSettings.secureClientPort(), tls, true);
                log.info("serving ZooKeeper clients over TLS on {}:{}", secure.getHostString(), secure.getPort());
            }
            operations.startAdmin();
            ViewkeeperNode node = new ViewkeeperNode(loop, clientServer, transport, bound, secure, operations, sasl);
            synchronized (self) {
                self.set(node);
            }
            Throwable early = failedWhileStarting.get();
            if (early != null) {
                // the replica thread stopped before the node was handed out: nobody could have closed it
                node.stoppedBy = early;
                node.close();
                throw new IOException("the replica stopped while the node started: " + early, early);
            }
            return node;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(clientServer, loop, transport);
            operations.close();
            closeSasl(sasl);
            throw new IOException("interrupted while binding", e);
        } catch (RuntimeException e) {
            stopAll(clientServer, loop, transport);
            operations.close();
            closeSasl(sasl);
            throw new IOException("cannot start: " + e.getMessage(), e);
        }
    }

    private static WriteAheadLog.Options walOptions(DiskSettings disk) {
        return new WriteAheadLog.Options(disk.walSegmentBytes(), disk.fsync(), WAL_RECORD_BYTES_MAX);
    }

    /** Who a data directory belongs to: the group's member lines (or this standalone server) and this id. */
    static ReplicaDisk.Identity identity(NodeConfig config) {
        String membership = membership(config);
        return new ReplicaDisk.Identity(clusterId(membership), config.serverId(), membership);
    }

    private static String membership(NodeConfig config) {
        if (config.members().size() <= 1) {
            return "standalone";
        }
        StringBuilder membership = new StringBuilder();
        // The voters only: adding or removing an observer leaves every data directory the group's.
        for (NodeConfig.Member m : config.members()) {
            if (!m.learner()) {
                membership.append(m.id()).append('@').append(m.host()).append(':').append(m.peerPort()).append(',');
            }
        }
        return membership.toString();
    }

    private static long clusterId(String membership) {
        return membership.hashCode() * 0x9E3779B97F4A7C15L;
    }

    private static void closeSasl(JaasSaslAuthenticator sasl) {
        if (sasl != null) {
            sasl.close();
        }
    }

    private static void stopAll(ClientServer clientServer, ReplicaLoop loop, PeerTransport transport) {
        clientServer.close();
        loop.stop();
        if (transport != null) {
            transport.close();
        }
    }

    /** Peer TLS and the shared secret; unusable stores or secret file are config errors before anything starts. */
    private static PeerSecurity peerSecurity(NodeConfig config) {
        PeerSecuritySettings settings = config.peerSecurity();
        if (config.members().size() <= 1) {
            return PeerSecurity.plain();
        }
        PeerSslEngines engines = settings.tls() ? PeerSslEngines.create(settings, System::currentTimeMillis) : null;
        PeerSecurity security = PeerSecurity.of(settings.sslQuorum(), settings.portUnification(), engines,
                settings.readSecret(), settings.secretRequired());
        log.info("peer connections: {}", security);
        return security;
    }

    private static PeerTransport peerTransport(NodeConfig config, ReplicaLoop loop, PeerSecurity security,
                                               MembersChange members) {
        // by slot: the file's lines, the members known now (they win), and this node's own line, which it binds
        java.util.Map<Integer, InetSocketAddress> peers = new java.util.HashMap<>(GroupMembers.of(config)
                .peerAddresses());
        peers.putAll(members.peerAddresses());
        peers.putAll(new GroupMembers(0, config.members().stream().filter(m -> m.id() == config.serverId())
                .toList()).peerAddresses());
        long clusterId = clusterId(membership(config));
        PeerTransport.Receiver receiver = new PeerTransport.Receiver() {
            @Override
            public void onMessage(io.viewkeeper.consensus.Message message) {
                loop.offerFromPeer(new Input.PeerMessage(message));
            }

            @Override
            public void onSessionTouches(int from, long[] sessionIds) {
                loop.offerFromPeer(new Input.SessionTouches(from, sessionIds));
            }

            @Override
            public void onPeerLost(int index) {
                loop.offerFromPeer(new Input.PeerLost(index));
            }

            @Override
            public void onPeerRefused(int index) {
                loop.offerFromPeer(new Input.PeerRefused(index));
            }
        };
        return new PeerTransport(config.slot(), clusterId, peers, receiver, PEER_FRAME_BYTES_MAX, security);
    }

    /**
     * How the replica starts, from what its data directory holds: from its disk when that is intact; recovering
     * from its peers (VR Revisited §4.3) when something failed its checks, which a one-replica group cannot do, so
     * it refuses to start rather than serve damaged or invented state; pristine when the directory is empty.
     */
    private static ReplicaStart replicaStart(NodeConfig config, ReplicaDisk disk, MembersChange members)
            throws IOException {
        boolean single = config.members().size() <= 1;
        // each member's slot is its id minus one, in every configuration of the group
        ReplicaConfiguration configuration = single ? ReplicaConfiguration.single()
                : ReplicaConfiguration.of(GroupMembers.of(config).membership(), config.slot(), 1024);
        Membership recorded = disk.recordedMembers();
        if (recorded != null) {
            configuration = recordedConfiguration(config, configuration, recorded, members.peerAddresses());
        }
        ReplicaOptions options = ReplicaOptions.defaults().withCheckpointIntervalOps(0)
                .withCheckpointChunks(config.disk().checkpointChunkBytes(), 4);
        long seed = new SecureRandom().nextLong();
        ReplicaDisk.Start start = disk.start();
        switch (start.kind()) {
            case INTACT -> {
                int damaged = start.durable().holes().stream().mapToInt(LogHole::size).sum();
                if (damaged > 0 && single) {
                    throw new IOException("the data directory " + config.dataDir() + " failed its checks (its "
                            + "log holds " + damaged + " damaged records between intact ones); a one-replica group "
                            + "has no peer to repair it from, so this node does not start. Restore the directory or "
                            + "move it aside to start empty.");
                }
                if (damaged > 0) {
                    log.error("replica {} found {} damaged records in its log between intact ones (ops {}); it "
                            + "fetches those entries from its peers, checked against the hash chain, and neither "
                            + "votes nor serves until then", config.serverId(), damaged, start.durable().holes()
                            .stream().map(h -> h.firstOp() + ".." + h.lastOp()).toList());
                }
                if (start.durable().uncertainTailOps() > 0 && !single && !config.learner()) {
                    log.warn("replica {} could not read its log's last write (it may have held up to {} ops after "
                            + "op {}); it asks its peers what they hold after that op and keeps what they hold, and "
                            + "neither votes nor serves until a quorum has answered", config.serverId(),
                            start.durable().uncertainTailOps(), start.durable().lastOp());
                }
                log.info("replica {} restarts from its disk: checkpoint at op {}, {} log entries after it, view {}, "
                        + "known committed up to op {}", config.serverId(),
                        start.durable().checkpoint() == null ? 0 : start.durable().checkpoint().op(),
                        start.durable().entries().size(), start.durable().view(), start.durable().knownCommit());
                return new ReplicaStart(ReplicaStart.Kind.RESTART, configuration, options, seed, start.durable());
            }
            case DAMAGED -> {
                if (single) {
                    throw new IOException("the data directory " + config.dataDir() + " failed its checks ("
                            + start.damage() + "); a one-replica group has no peer to repair it from, so this "
                            + "node does not start. Restore the directory or move it aside to start empty.");
                }
                log.error("replica {} found damage on its disk ({}); it recovers its state from its peers and "
                        + "neither votes nor serves until then", config.serverId(), start.damage());
                return new ReplicaStart(ReplicaStart.Kind.RECOVERING, configuration, options, seed, null);
            }
            default -> {
                if (single) {
                    disk.persistViewState(0, 0);
                    return new ReplicaStart(ReplicaStart.Kind.NEW_SINGLE, configuration, options, seed, null);
                }
                // An empty directory may be a new group's or a wiped one's: the replica asks its peers before it
                // votes (it starts the group only when every peer is empty too) and records nothing until then.
                log.info("replica {} starts with an empty data directory: asking its peers for their state",
                        config.serverId());
                return new ReplicaStart(ReplicaStart.Kind.PRISTINE, configuration, options, seed, null);
            }
        }
    }

    /**
     * The members this replica recorded when the group changed them (VR Revisited §7): it restarts with them, not
     * with its {@code server.N} lines, which only seed a new group. Refused with a clear error when they leave this
     * replica out (it was removed); a member whose address nothing gives is only logged.
     */
    private static ReplicaConfiguration recordedConfiguration(NodeConfig config, ReplicaConfiguration seed,
            Membership recorded, java.util.Map<Integer, InetSocketAddress> known) throws IOException {
        int self = seed.replicaIndex();
        if (!recorded.isMember(self)) {
            throw new IOException("replica " + config.serverId() + " was removed from its group (the members of epoch "
                    + recorded.epoch() + " recorded in " + config.dataDir() + " leave it out), so it does not start; "
                    + "to add it back, start it with an empty data directory as a new member");
        }
        for (int slot : java.util.stream.IntStream.concat(java.util.Arrays.stream(recorded.voters()),
                java.util.Arrays.stream(recorded.learners())).toArray()) {
            if (!known.containsKey(slot) && !GroupMembers.of(config).peerAddresses().containsKey(slot)) {
                // a member removed since (this replica applied that change, which did not name it): it is not
                // dialed, which costs nothing but a peer the group is leaving anyway
                log.warn("the members of epoch {} recorded in {} name server {}, whose address neither the "
                        + "configuration file nor {} gives: it is not dialed", recorded.epoch(), config.dataDir(),
                        slot + 1, MembersChange.FILE_NAME);
            }
        }
        return ReplicaConfiguration.of(recorded, self, seed.batchOpMax());
    }

    /** Runs {@code task} on this node's replica thread, as its inputs do (tests plant failures this way). */
    void executeOnReplicaThread(Runnable task) {
        loop.execute(new Input.Admin("a task", task));
    }

    /** The state machine's digest; on the replica thread ({@link #executeOnReplicaThread}). */
    long stateDigest() {
        return loop.stateDigest();
    }

    /** What stopped this node's replica thread, or null while it runs (or after a plain close). */
    public Throwable stoppedBy() {
        return stoppedBy;
    }

    /** The port the TLS-only client listener is bound to (secureClientPort), or -1 without one. */
    public int secureClientPort() {
        return secureAddress == null ? -1 : secureAddress.getPort();
    }

    /** The port the client listener is bound to (the real one when the config asked for port 0). */
    public int clientPort() {
        return address.getPort();
    }

    /** What the admin endpoint reaches the replica thread through; for tests in this package. */
    io.viewkeeper.server.admin.NodeAccess access() {
        return operations.access();
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
        closeSasl(sasl);
    }
}
