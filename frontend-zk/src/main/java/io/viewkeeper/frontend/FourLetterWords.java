package io.viewkeeper.frontend;

import io.viewkeeper.storage.DataTree;
import java.lang.management.ManagementFactory;
import java.util.Date;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The four-letter words (§7.1), answered on the replica thread from a consistent view of the node. */
final class FourLetterWords {
    /** ZooKeeper's protocol version, then ours, in the form ZooKeeper tooling parses from srvr and stat. */
    static final String VERSION = "3.9.4-viewkeeper-" + io.viewkeeper.storage.Version.number() + ", built on "
            + io.viewkeeper.storage.Version.built();
    static final Set<String> KNOWN = Set.of("conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
            "srvr", "srst", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash");

    private FourLetterWords() {
    }

    static String answer(Inbound.FourLetterWord word, FrontendCore core) {
        String w = word.word();
        // As ZooKeeper: with read-only mode on, isro is allowed whatever the whitelist says; clients need it to find
        // a read-write server.
        boolean allowed = core.settings().fourLetterWords().contains(w)
                || w.equals("isro") && core.settings().readOnlyModeEnabled();
        if (!allowed) {
            return w + " is not executed because it is not in the whitelist.\n";
        }
        return switch (w) {
            case "ruok" -> "imok";
            case "isro" -> isro(core);
            case "gtmk" -> "306";
            case "stmk" -> Long.toString(word.argument());
            case "srvr" -> "Zookeeper version: " + VERSION + "\n" + readOnlyLine(core) + serverBody(core);
            case "stat" -> stat(core);
            case "conf" -> conf(core);
            case "cons" -> cons(core);
            case "crst" -> {
                core.connections().forEach(ClientConnection::resetStats);
                yield "Connection stats reset.\n";
            }
            case "srst" -> {
                core.stats().reset();
                yield "Server stats reset.\n";
            }
            case "dirs" -> "datadir_size: 0\nlogdir_size: 0\n";
            case "envi" -> envi();
            case "dump" -> dump(core);
            case "mntr" -> mntr(core);
            case "wchs" -> wchs(core);
            case "wchc" -> wchc(core);
            case "wchp" -> wchp(core);
            case "hash" -> "0x" + Long.toHexString(core.lastZxid()) + ": "
                    + Long.toUnsignedString(core.stateMachine().tree().digest()) + "\n";
            default -> "";
        };
    }

    /**
     * ZooKeeper's isro: "ro" from a read-only server, "rw" from one serving read-write, "null" from one serving
     * nothing (a follower looking for its leader); a read-only client moves to a server that answers "rw".
     */
    static String isro(FrontendCore core) {
        if (core.handshakes().readOnlyMode()) {
            return "ro";
        }
        return core.handshakes().standing() == WritePath.Standing.SERVING ? "rw" : "null";
    }

    private static String readOnlyLine(FrontendCore core) {
        return core.handshakes().readOnlyMode() ? "READ-ONLY mode; serving only read-only clients\n" : "";
    }

    private static String serverBody(FrontendCore core) {
        ServerStats s = core.stats();
        DataTree tree = core.stateMachine().tree();
        return String.format(Locale.ROOT, "Latency min/avg/max: %d/%.4f/%d%n", s.minLatency(), s.avgLatency(),
                s.maxLatencyMs)
                + "Received: " + s.packetsReceived + "\n"
                + "Sent: " + s.packetsSent + "\n"
                + "Connections: " + core.connections().size() + "\n"
                + "Outstanding: " + core.outstandingRequests() + "\n"
                + "Zxid: 0x" + Long.toHexString(core.lastZxid()) + "\n"
                + "Mode: " + core.role() + "\n"
                + replicaLine(core)
                + "Node count: " + nodeCount(tree) + "\n";
    }

    /** ZooKeeper's node map holds the root under "" and "/", so its count is one more than the nodes. */
    static int nodeCount(DataTree tree) {
        return tree.nodeCount() + 1;
    }

    private static String replicaLine(FrontendCore core) {
        WritePath.ReplicaFigures f = core.replicaFigures();
        return f == null ? "" : "Replica: " + f.status() + " view " + f.view() + " op " + f.opNumber() + " commit "
                + f.commitNumber() + "\n";
    }

    private static String stat(FrontendCore core) {
        StringBuilder out = new StringBuilder("Zookeeper version: " + VERSION + "\n" + readOnlyLine(core)
                + "Clients:\n");
        for (ClientConnection c : core.connections()) {
            out.append(' ').append(c).append("[1](queued=0,recved=").append(c.packetsReceived)
                    .append(",sent=").append(c.packetsSent).append(")\n");
        }
        return out.append('\n').append(serverBody(core)).toString();
    }

    private static String conf(FrontendCore core) {
        FrontendSettings s = core.settings();
        return "clientPort=" + core.clientPort() + "\n"
                + "secureClientPort=-1\n"
                + "dataDir=" + s.dataDir() + "\n"
                + "dataDirSize=0\n"
                + "dataLogDir=" + s.dataDir() + "\n"
                + "dataLogSize=0\n"
                + "tickTime=" + s.tickTimeMs() + "\n"
                + "maxClientCnxns=" + s.maxClientCnxns() + "\n"
                + "minSessionTimeout=" + s.minSessionTimeoutMs() + "\n"
                + "maxSessionTimeout=" + s.maxSessionTimeoutMs() + "\n"
                + "clientPortListenBacklog=-1\n"
                + "serverId=0\n";
    }

    private static String cons(FrontendCore core) {
        StringBuilder out = new StringBuilder();
        for (ClientConnection c : core.connections()) {
            out.append(' ').append(c).append("[1](queued=0,recved=").append(c.packetsReceived)
                    .append(",sent=").append(c.packetsSent);
            if (c.sessionId != 0) {
                long avg = c.completed == 0 ? 0 : c.totalLatencyMs / c.completed;
                out.append(",sid=0x").append(Long.toHexString(c.sessionId))
                        .append(",lop=").append(c.lastOperation)
                        .append(",est=").append(c.establishedMs)
                        .append(",to=").append(c.sessionTimeoutMs)
                        .append(",lcxid=0x").append(Long.toHexString(c.lastCxid))
                        .append(",lzxid=0x").append(Long.toHexString(c.lastZxid))
                        .append(",lresp=").append(c.lastResponseMs)
                        .append(",llat=").append(c.lastLatencyMs)
                        .append(",minlat=").append(c.completed == 0 ? 0 : c.minLatencyMs)
                        .append(",avglat=").append(avg)
                        .append(",maxlat=").append(c.maxLatencyMs);
            }
            out.append(")\n");
        }
        return out.append('\n').toString();
    }

    private static String envi() {
        StringBuilder out = new StringBuilder("Environment:\n");
        out.append("zookeeper.version=").append(VERSION).append('\n');
        for (String key : new String[] {"java.version", "java.vendor", "java.home", "java.class.path",
            "java.library.path", "java.io.tmpdir", "java.compiler", "os.name", "os.arch", "os.version", "user.name",
            "user.home", "user.dir"}) {
            out.append(key).append('=').append(System.getProperty(key, "<NA>")).append('\n');
        }
        Runtime rt = Runtime.getRuntime();
        out.append("os.memory.free=").append(rt.freeMemory() / (1024 * 1024)).append("MB\n");
        out.append("os.memory.max=").append(rt.maxMemory() / (1024 * 1024)).append("MB\n");
        out.append("os.memory.total=").append(rt.totalMemory() / (1024 * 1024)).append("MB\n");
        return out.toString();
    }

    private static String dump(FrontendCore core) {
        StringBuilder out = new StringBuilder("SessionTracker dump:\n");
        out.append("Session Sets (").append(core.sessions().tracker().all().size()).append(")/(")
                .append(core.sessions().tracker().all().size()).append("):\n");
        for (SessionTracker.Tracked t : core.sessions().tracker().all()) {
            out.append("1 expire at ").append(new Date(t.deadlineMs)).append(":\n\t0x")
                    .append(Long.toHexString(t.sessionId)).append('\n');
        }
        Map<Long, Set<String>> ephemerals = core.stateMachine().tree().ephemeralsBySession();
        out.append("ephemeral nodes dump:\nSessions with Ephemerals (").append(ephemerals.size()).append("):\n");
        ephemerals.forEach((sid, paths) -> {
            out.append("0x").append(Long.toHexString(sid)).append(":\n");
            paths.forEach(p -> out.append('\t').append(p).append('\n'));
        });
        out.append("Connections dump:\nConnections Sets (").append(core.connections().size()).append(")/(")
                .append(core.connections().size()).append("):\n");
        for (ClientConnection c : core.connections()) {
            out.append("\tip: ").append(c).append(" sessionId: 0x").append(Long.toHexString(c.sessionId)).append('\n');
        }
        return out.toString();
    }

    private static String mntr(FrontendCore core) {
        ServerStats s = core.stats();
        DataTree tree = core.stateMachine().tree();
        StringBuilder out = new StringBuilder();
        line(out, "version", VERSION);
        line(out, "server_state", core.role());
        line(out, "ephemerals_count", tree.ephemeralCount());
        line(out, "num_alive_connections", core.connections().size());
        line(out, "avg_latency", String.format(Locale.ROOT, "%.4f", s.avgLatency()));
        line(out, "outstanding_requests", core.outstandingRequests());
        line(out, "znode_count", nodeCount(tree));
        line(out, "global_sessions", core.stateMachine().sessions().size());
        line(out, "local_sessions", core.handshakes().readOnlyConnections());
        line(out, "packets_sent", s.packetsSent);
        line(out, "packets_received", s.packetsReceived);
        line(out, "watch_count", core.watches().totalWatchCount());
        line(out, "approximate_data_size", tree.approximateDataSize());
        line(out, "uptime", ManagementFactory.getRuntimeMXBean().getUptime());
        line(out, "min_latency", s.minLatency());
        line(out, "max_latency", s.maxLatencyMs);
        line(out, "auth_failed_count", s.authFailed);
        line(out, "last_zxid", "0x" + Long.toHexString(core.lastZxid()));
        FrontendReport.fileDescriptors((key, value) -> line(out, key, value));
        WritePath.ReplicaFigures figures = core.replicaFigures();
        if (figures != null) {
            FrontendReport.groupFigures(figures, (key, value) -> line(out, key, value));
            line(out, "vr_status", figures.status());
            line(out, "vr_view", figures.view());
            line(out, "vr_op_number", figures.opNumber());
            line(out, "vr_commit_number", figures.commitNumber());
            line(out, "vr_quorum_standing", core.handshakes().standing().name().toLowerCase(Locale.ROOT));
            line(out, "vr_handshakes_refused_no_quorum", s.handshakesRefusedNoQuorum);
            line(out, "vr_connections_closed_no_quorum", s.connectionsClosedNoQuorum);
            line(out, "vr_handshakes_timed_out", s.handshakesTimedOut);
            line(out, "vr_read_only_sessions", s.readOnlySessions);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String key, Object value) {
        out.append("zk_").append(key).append('\t').append(value).append('\n');
    }

    private static String wchs(FrontendCore core) {
        Map<String, Set<ClientConnection>> byPath = core.watches().dataWatchesByPath();
        long total = byPath.values().stream().mapToLong(Set::size).sum();
        long connections = byPath.values().stream().flatMap(Set::stream).distinct().count();
        return connections + " connections watching " + byPath.size() + " paths\nTotal watches:" + total + "\n";
    }

    private static String wchc(FrontendCore core) {
        Map<Long, StringBuilder> bySession = new java.util.LinkedHashMap<>();
        core.watches().dataWatchesByPath().forEach((path, conns) -> conns.forEach(c ->
                bySession.computeIfAbsent(c.sessionId, k -> new StringBuilder()).append('\t').append(path)
                        .append('\n')));
        StringBuilder out = new StringBuilder();
        bySession.forEach((sid, paths) -> out.append("0x").append(Long.toHexString(sid)).append('\n').append(paths));
        return out.append('\n').toString();
    }

    private static String wchp(FrontendCore core) {
        StringBuilder out = new StringBuilder();
        core.watches().dataWatchesByPath().forEach((path, conns) -> {
            out.append(path).append('\n');
            conns.forEach(c -> out.append("\t0x").append(Long.toHexString(c.sessionId)).append('\n'));
        });
        return out.append('\n').toString();
    }
}
