package io.viewkeeper.server;

import io.viewkeeper.frontend.ClientServer;
import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.frontend.FrontendSettings;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running Viewkeeper node: the client port, the replica thread and the state they serve. */
public final class ViewkeeperNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ViewkeeperNode.class);
    private static final int WATCHES_PER_CONNECTION_MAX = 1_000_000;

    private final ReplicaLoop loop;
    private final ClientServer clientServer;
    private final InetSocketAddress address;
    private boolean closed;

    private ViewkeeperNode(ReplicaLoop loop, ClientServer clientServer, InetSocketAddress address) {
        this.loop = loop;
        this.clientServer = clientServer;
        this.address = address;
    }

    /** Starts a node and returns once its client port accepts connections. */
    public static ViewkeeperNode start(NodeConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        FrontendSettings settings = new FrontendSettings(config.tickTimeMs(), config.minSessionTimeoutMs(),
                config.maxSessionTimeoutMs(), config.maxClientCnxns(), config.juteMaxBuffer(),
                config.fourLetterWords(), config.superDigest(), config.containerCheckIntervalMs(),
                config.containerMaxPerMinute(), config.maxInflightPerConnection(), config.serverId(),
                config.clientPort(), config.dataDir().toString(), WATCHES_PER_CONNECTION_MAX);
        ZnodeStateMachine stateMachine = new ZnodeStateMachine(new DataTree(), new SessionTable(),
                config.extendedTypesEnabled(), config.enforceQuota());
        ReplicaLoop loop = new ReplicaLoop(Math.max(1, Math.min(config.tickTimeMs() / 2, 100)));
        FrontendCore core = new FrontendCore(settings, stateMachine, loop, System::currentTimeMillis,
                new SecureRandom());
        loop.start(core);
        ClientServer clientServer = new ClientServer(settings, core, loop::execute);
        try {
            InetSocketAddress bound = clientServer.bind(config.clientPortAddress(), config.clientPort());
            log.info("serving ZooKeeper clients on {}:{}", bound.getHostString(), bound.getPort());
            return new ViewkeeperNode(loop, clientServer, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            clientServer.close();
            loop.stop();
            throw new IOException("interrupted while binding the client port", e);
        } catch (RuntimeException e) {
            clientServer.close();
            loop.stop();
            throw new IOException("cannot listen on " + config.clientPortAddress() + ":" + config.clientPort()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The port the client listener is bound to (the real one when the config asked for port 0). */
    public int clientPort() {
        return address.getPort();
    }

    /** A connect string for ZooKeeper clients, {@code 127.0.0.1:port}. */
    public String connectString() {
        return "127.0.0.1:" + clientPort();
    }

    /** Stops listening, closes every connection and the replica thread; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        clientServer.close();
        loop.stop();
    }
}
