package io.viewkeeper.server.admin;

import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.frontend.FrontendSettings;
import io.viewkeeper.server.NodeConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The commands of ZooKeeper's AdminServer ({@code org.apache.zookeeper.server.admin.Commands}) under its names and
 * with its field names, so tooling written for ZooKeeper reads them. Where Viewkeeper has more to say (the replica's
 * view and op-number in monitor) the extra fields are added, never renamed.
 */
final class ZooKeeperCommands {
    /** Bounds the walk of the data directory for dirs: past this many files the sizes are reported as counted. */
    private static final int DIRS_FILES_MAX = 100_000;

    private final NodeAccess node;

    ZooKeeperCommands(NodeAccess node) {
        this.node = node;
    }

    List<AdminCommand> all() {
        return List.of(
                read(List.of("ruok"), "Answers when the replica thread runs", Map::of),
                read(List.of("server_stats", "srvr"), "Server figures", this::srvr),
                read(List.of("stats", "stat"), "Server figures and connections", this::stat),
                read(List.of("monitor", "mntr"), "Monitoring figures, with the replica's view and op-number",
                        this::monitor),
                read(List.of("configuration", "conf", "config"), "The settings in use", this::conf),
                read(List.of("connections", "cons"), "Client connections of this replica", this::cons),
                read(List.of("dump"), "Session expiry deadlines and ephemerals", this::dump),
                read(List.of("watch_summary", "wchs"), "Watch counts", this::wchs),
                read(List.of("watches", "wchc"), "Watched paths by session", () -> Map.of(
                        "session_id_to_watched_paths", node.frontend().watchedPathsBySession())),
                read(List.of("watches_by_path", "wchp"), "Watching sessions by path", () -> Map.of(
                        "path_to_session_ids", node.frontend().sessionsByWatchedPath())),
                read(List.of("leader", "lead"), "Whether this replica leads, and which one does", this::leader),
                read(List.of("is_read_only", "isro"), "Whether this replica serves read-only (cut off from its group, "
                        + "readonlymode.enabled)", () -> Map.of("read_only", node.frontend().clients().readOnlyMode())),
                read(List.of("voting_view"), "The members of the group", this::votingView),
                read(List.of("hash"), "Digest of the whole tree at the last zxid", this::hash),
                atOnce(List.of("environment", "env", "envi"), "The JVM and host environment", this::environment),
                atOnce(List.of("system_properties", "sysp"), "JVM system properties", ZooKeeperCommands::properties),
                atOnce(List.of("dirs"), "Bytes in the data directory", this::dirs),
                mutating(List.of("connection_stat_reset", "crst"), "Resets connection statistics", () -> {
                    node.frontend().resetConnectionStats();
                    return Map.of();
                }),
                mutating(List.of("stat_reset", "srst"), "Resets server statistics", () -> {
                    node.frontend().resetServerStats();
                    return Map.of();
                }));
    }

    /** A read of replica-thread state. */
    private static AdminCommand read(List<String> names, String summary, AdminCommand.Job job) {
        return withoutParameters(names, false, true, summary, job);
    }

    /** A read of the JVM or the disk, answered on the HTTP thread. */
    private static AdminCommand atOnce(List<String> names, String summary, AdminCommand.Job job) {
        return withoutParameters(names, false, false, summary, job);
    }

    private static AdminCommand mutating(List<String> names, String summary, AdminCommand.Job job) {
        return withoutParameters(names, true, true, summary, job);
    }

    /** ZooKeeper's commands here take no parameters: any given is refused. */
    private static AdminCommand withoutParameters(List<String> names, boolean mutating, boolean onReplicaThread,
            String summary, AdminCommand.Job job) {
        return new AdminCommand(names, mutating, onReplicaThread, summary, params -> {
            params.allowOnly(Set.of());
            return job;
        });
    }

    private Map<String, Object> srvr() {
        FrontendReport.Server s = node.frontend().server();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("packets_sent", s.packetsSent());
        stats.put("packets_received", s.packetsReceived());
        stats.put("max_latency", s.latency().maxMs());
        stats.put("min_latency", s.latency().minMs());
        stats.put("avg_latency", s.latency().avgMs());
        stats.put("outstanding_requests", s.outstandingRequests());
        stats.put("server_state", s.role());
        stats.put("last_processed_zxid", s.lastZxid());
        stats.put("num_alive_client_connections", s.connections());
        stats.put("auth_failed_count", s.authFailed());
        stats.put("uptime", System.currentTimeMillis() - s.startMs());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", FrontendReport.version());
        out.put("read_only", node.frontend().clients().readOnlyMode());
        out.put("server_stats", stats);
        out.put("node_count", s.tree().nodeCount());
        return out;
    }

    private Map<String, Object> stat() {
        Map<String, Object> out = srvr();
        out.put("connections", connections(node.frontend().connections()));
        return out;
    }

    private Map<String, Object> monitor() {
        FrontendReport.Server s = node.frontend().server();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", FrontendReport.version());
        out.put("avg_latency", s.latency().avgMs());
        out.put("max_latency", s.latency().maxMs());
        out.put("min_latency", s.latency().minMs());
        out.put("packets_received", s.packetsReceived());
        out.put("packets_sent", s.packetsSent());
        out.put("num_alive_connections", s.connections());
        out.put("outstanding_requests", s.outstandingRequests());
        out.put("server_state", s.role());
        out.put("znode_count", s.tree().nodeCount());
        out.put("watch_count", s.tree().watches());
        out.put("ephemerals_count", s.tree().ephemerals());
        out.put("approximate_data_size", s.tree().approximateDataSize());
        out.put("global_sessions", s.sessions());
        out.put("local_sessions", node.frontend().clients().readOnlyConnections());
        out.put("auth_failed_count", s.authFailed());
        out.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime());
        out.put("last_zxid", "0x" + Long.toHexString(s.lastZxid()));
        FrontendReport.fileDescriptors(out::put);
        FrontendReport.groupFigures(node.figures(), out::put);
        out.put("vr_status", ReplicaCommands.statusName(node.replica().status()));
        out.put("vr_view", node.replica().view());
        out.put("vr_op_number", node.replica().opNumber());
        out.put("vr_commit_number", node.replica().commitNumber());
        return out;
    }

    private Map<String, Object> conf() {
        FrontendSettings s = node.frontend().settings();
        NodeConfig config = node.config();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client_port", node.frontend().clientPort());
        out.put("secure_client_port", config.tls().secureClientPort());
        out.put("data_dir", s.dataDir());
        out.put("data_log_dir", s.dataDir());
        out.put("tick_time", s.tickTimeMs());
        out.put("max_client_cnxns", s.maxClientCnxns());
        out.put("min_session_timeout", s.minSessionTimeoutMs());
        out.put("max_session_timeout", s.maxSessionTimeoutMs());
        out.put("server_id", config.serverId());
        out.put("client_port_listen_backlog", -1);
        out.put("reads", config.reads().name().toLowerCase(java.util.Locale.ROOT));
        return out;
    }

    private Map<String, Object> cons() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("connections", connections(node.frontend().connections()));
        out.put("secure_connections", List.of());
        return out;
    }

    /** ZooKeeper's {@code ServerCnxn.getConnectionInfo(false)} fields. */
    static List<Map<String, Object>> connections(List<FrontendReport.Connection> connections) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (FrontendReport.Connection c : connections) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("remote_socket_address", c.remoteAddress() + ":" + c.remotePort());
            info.put("interest_ops", 1);
            info.put("outstanding_requests", c.outstandingRequests());
            info.put("packets_received", c.packetsReceived());
            info.put("packets_sent", c.packetsSent());
            info.put("session_id", "0x" + Long.toHexString(c.sessionId()));
            info.put("last_operation", c.lastOperation());
            info.put("established", c.establishedMs());
            info.put("session_timeout", c.sessionTimeoutMs());
            info.put("last_cxid", "0x" + Integer.toHexString(c.lastCxid()));
            info.put("last_zxid", "0x" + Long.toHexString(c.lastZxid()));
            info.put("last_response_time", c.lastResponseMs());
            info.put("last_latency", c.latency().lastMs());
            info.put("min_latency", c.latency().minMs());
            info.put("avg_latency", c.latency().avgMs());
            info.put("max_latency", c.latency().maxMs());
            result.add(info);
        }
        return result;
    }

    private Map<String, Object> dump() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("expiry_time_to_session_ids", node.frontend().sessionsByExpiryTime());
        out.put("session_id_to_ephemeral_paths", node.frontend().ephemeralsBySession());
        return out;
    }

    private Map<String, Object> wchs() {
        Map<String, List<Long>> byPath = node.frontend().sessionsByWatchedPath();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("num_connections", node.frontend().watchedPathsBySession().size());
        out.put("num_paths", byPath.size());
        out.put("num_total_watches", byPath.values().stream().mapToInt(List::size).sum());
        return out;
    }

    private Map<String, Object> leader() {
        NodeConfig config = node.config();
        Map<String, Object> out = new LinkedHashMap<>();
        boolean group = config.members().size() > 1;
        int primaryIndex = group ? node.replica().primaryIndex() : 0;
        boolean normal = node.replica().status() == io.viewkeeper.consensus.Replica.Status.NORMAL;
        out.put("is_leader", normal && node.replica().isPrimary());
        NodeConfig.Member leader = group && normal ? node.members().bySlot(primaryIndex) : null;
        out.put("leader_id", !group ? config.serverId() : leader != null ? leader.id() : -1);
        out.put("leader_ip", !group ? config.clientPortAddress() : leader != null ? leader.host() : "");
        return out;
    }

    private Map<String, Object> votingView() {
        Map<Integer, String> view = new TreeMap<>();
        for (NodeConfig.Member m : node.config().members()) {
            view.put(m.id(), m.host() + ":" + m.peerPort() + ":participant;" + m.host() + ":"
                    + (m.clientPort() > 0 ? m.clientPort() : node.config().clientPort()));
        }
        return Map.of("current_config", view);
    }

    private Map<String, Object> hash() {
        long zxid = node.frontend().server().lastZxid();
        return Map.of("digests", List.of(Map.of("zxid", zxid, "digest_version", 1,
                "digest", Long.toUnsignedString(node.frontend().treeDigest()))));
    }

    private Map<String, Object> environment() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("zookeeper.version", FrontendReport.version());
        try {
            out.put("host.name", InetAddress.getLocalHost().getCanonicalHostName());
        } catch (IOException e) {
            out.put("host.name", "<NA>");
        }
        for (String key : List.of("java.version", "java.vendor", "java.home", "java.class.path", "java.library.path",
                "java.io.tmpdir", "java.compiler", "os.name", "os.arch", "os.version", "user.name", "user.home",
                "user.dir")) {
            out.put(key, System.getProperty(key, "<NA>"));
        }
        Runtime rt = Runtime.getRuntime();
        out.put("os.memory.free", rt.freeMemory() / (1024 * 1024) + "MB");
        out.put("os.memory.max", rt.maxMemory() / (1024 * 1024) + "MB");
        out.put("os.memory.total", rt.totalMemory() / (1024 * 1024) + "MB");
        return out;
    }

    private static Map<String, Object> properties() {
        Map<String, Object> out = new TreeMap<>();
        System.getProperties().forEach((k, v) -> out.put(k.toString(), v.toString()));
        return out;
    }

    /** The data directory holds the log and checkpoints both, so both sizes are its size, as ZooKeeper's are. */
    private Map<String, Object> dirs() throws AdminException {
        long bytes = 0;
        try (Stream<Path> files = Files.walk(node.config().dataDir())) {
            for (Path file : (Iterable<Path>) files.limit(DIRS_FILES_MAX)::iterator) {
                if (Files.isRegularFile(file)) {
                    bytes += Files.size(file);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new AdminException(500, "cannot measure " + node.config().dataDir() + ": " + e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("datadir_size", bytes);
        out.put("logdir_size", bytes);
        return out;
    }
}
