package io.viewkeeper.server;

import io.viewkeeper.frontend.FrontendCore;
import io.viewkeeper.server.admin.AdminServer;
import io.viewkeeper.frontend.RequestListener;
import io.viewkeeper.server.metrics.NodeMetrics;
import io.viewkeeper.server.metrics.RecentActivity;
import io.viewkeeper.server.metrics.PrometheusNodeMetrics;
import io.viewkeeper.server.peer.PeerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's operating side: its metrics (one registry per node, wired into the frontend and the peer transport) and
 * its admin endpoint. As in ZooKeeper, an admin endpoint that cannot bind is logged and the node serves without it.
 */
final class NodeOperations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeOperations.class);

    private final NodeConfig config;
    private final NodeMetrics metrics;
    private final LoopAccess access;
    private AdminServer admin;

    private NodeOperations(NodeConfig config, NodeMetrics metrics, LoopAccess access) {
        this.config = config;
        this.metrics = metrics;
        this.access = access;
    }

    /** The replica thread's door for the admin endpoint; tests in this package use it too. */
    LoopAccess access() {
        return access;
    }

    /** Creates the metrics and wires them in; call before the client port opens. */
    static NodeOperations create(NodeConfig config, ReplicaLoop loop, FrontendCore core, PeerTransport transport) {
        List<Integer> ids = config.members().isEmpty() ? List.of(config.serverId())
                : config.members().stream().map(NodeConfig.Member::id).toList();
        NodeMetrics metrics = new PrometheusNodeMetrics(config.serverId(), ids);
        RecentActivity activity = loop.activity();
        core.setRequestListener(new RequestListener() {
            @Override
            public long nanoTime() {
                return metrics.nanoTime();
            }

            @Override
            public void onAnswered(int opCode, long latencyNanos, int errorCode) {
                metrics.onAnswered(opCode, latencyNanos, errorCode);
                activity.onAnswered(opCode, latencyNanos, errorCode);
            }
        });
        if (transport != null) {
            transport.setPrepareListener(metrics::recordPrepareBatch);
        }
        Map<String, LongSupplier> consumed = new LinkedHashMap<>();
        for (Input.Kind kind : Input.Kind.values()) {
            consumed.put(kind.label(), () -> loop.consumed(kind));
        }
        metrics.bindInputs(consumed, () -> loop.queueFigures().highWater(),
                () -> loop.queueFigures().refusedOffers(), () -> loop.queueFigures().droppedPeerInputs());
        return new NodeOperations(config, metrics, new LoopAccess(loop, core, transport, config));
    }

    /** Starts the admin endpoint if enabled; call once the replica thread runs. */
    void startAdmin() {
        if (!config.admin().enabled()) {
            return;
        }
        try {
            admin = AdminServer.start(config.admin(), access, metrics);
        } catch (IOException e) {
            log.error("admin endpoint not started, serving without it: {}", e.getMessage());
        }
    }

    /** The admin endpoint's address, or null when it is disabled or could not bind. */
    InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** What the node measures; the write-ahead log reports its fsyncs here ({@link NodeMetrics#recordFsync}). */
    NodeMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }
}
