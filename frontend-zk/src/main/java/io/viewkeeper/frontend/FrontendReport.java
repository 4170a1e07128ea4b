package io.viewkeeper.frontend;

import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Read-only figures of one node's frontend for the admin endpoint: the server, its connections, sessions and
 * watches, copied into records so they can leave the replica thread. Every method must run on the replica thread,
 * which owns the frontend; the copies are then safe to serialize anywhere. The two resets are the only writes.
 */
public final class FrontendReport {

    /** One client connection, with the fields of ZooKeeper's connection info. */
    public record Connection(String remoteAddress, int remotePort, long sessionId, int sessionTimeoutMs,
            int outstandingRequests, long packetsReceived, long packetsSent, String lastOperation, long establishedMs,
            int lastCxid, long lastZxid, long lastResponseMs, Latency latency) {
    }

    /** Latency figures in milliseconds, as the four-letter words report them. */
    public record Latency(long lastMs, long minMs, double avgMs, long maxMs) {
    }

    /** The server's counters and state sizes (srvr, mntr). */
    public record Server(String role, long lastZxid, long packetsReceived, long packetsSent, Latency latency,
            long authFailed, int connections, int outstandingRequests, Tree tree, int sessions, long startMs) {
    }

    /** Sizes of the replicated state: ZooKeeper's node count (root counted twice), data bytes, ephemerals, watches. */
    public record Tree(int nodeCount, long approximateDataSize, int ephemerals, int watches) {
    }

    /**
     * A replicated session as this replica sees it: its connection if the client is connected here, the expiry
     * deadline this replica tracks (decisive only at the primary), and its ephemeral count.
     */
    public record SessionEntry(long sessionId, int timeoutMs, boolean connectedHere, String remoteAddress,
            long deadlineMs, boolean closing, int ephemerals) {
    }

    /**
     * Where this replica stands with its group and what that did to clients: its standing (serving, waiting,
     * cut_off), whether it serves as ZooKeeper's read-only server, read-only connections and handshakes held now,
     * and since start: handshakes refused and connections closed for lack of a quorum, handshakes closed after
     * their hold time, read-only sessions accepted.
     */
    public record Clients(String standing, boolean readOnlyMode, int readOnlyConnections, int heldHandshakes,
            long refusedNoQuorum, long closedNoQuorum, long handshakesTimedOut, long readOnlySessions) {
    }

    private final FrontendCore core;

    public FrontendReport(FrontendCore core) {
        this.core = core;
    }

    public Server server() {
        ServerStats s = core.stats();
        DataTree tree = core.stateMachine().tree();
        Tree sizes = new Tree(FourLetterWords.nodeCount(tree), tree.approximateDataSize(), tree.ephemeralCount(),
                core.watches().totalWatchCount());
        return new Server(core.role(), core.lastZxid(), s.packetsReceived, s.packetsSent,
                new Latency(0, s.minLatency(), s.avgLatency(), s.maxLatencyMs), s.authFailed,
                core.connections().size(), core.outstandingRequests(), sizes, core.stateMachine().sessions().size(),
                s.startMs);
    }

    public Clients clients() {
        Handshakes h = core.handshakes();
        ServerStats s = core.stats();
        return new Clients(h.standing().name().toLowerCase(java.util.Locale.ROOT), h.readOnlyMode(),
                h.readOnlyConnections(), h.heldCount(), s.handshakesRefusedNoQuorum, s.connectionsClosedNoQuorum,
                s.handshakesTimedOut, s.readOnlySessions);
    }

    public List<Connection> connections() {
        List<Connection> result = new ArrayList<>();
        for (ClientConnection c : core.connections()) {
            double avg = c.completed == 0 ? 0 : (double) c.totalLatencyMs / c.completed;
            result.add(new Connection(c.remoteAddress, c.remotePort, c.sessionId, c.sessionTimeoutMs,
                    c.inflight.get(), c.packetsReceived, c.packetsSent, c.lastOperation, c.establishedMs, c.lastCxid,
                    c.lastZxid, c.lastResponseMs, new Latency(c.lastLatencyMs, c.completed == 0 ? 0 : c.minLatencyMs,
                            avg, c.maxLatencyMs)));
        }
        return result;
    }

    /** Data watches by path, with the sessions watching each (ZooKeeper's {@code path_to_session_ids}). */
    public Map<String, List<Long>> sessionsByWatchedPath() {
        Map<String, List<Long>> result = new TreeMap<>();
        core.watches().dataWatchesByPath().forEach((path, connections) ->
                result.put(path, connections.stream().map(c -> c.sessionId).distinct().toList()));
        return result;
    }

    /** Data watches by session (ZooKeeper's {@code session_id_to_watched_paths}). */
    public Map<Long, List<String>> watchedPathsBySession() {
        Map<Long, List<String>> result = new TreeMap<>();
        sessionsByWatchedPath().forEach((path, sessions) -> sessions.forEach(session ->
                result.computeIfAbsent(session, k -> new ArrayList<>()).add(path)));
        return result;
    }

    /** Every watch of both tables, as {@code watch_count} counts them. */
    public int watchCount() {
        return core.watches().totalWatchCount();
    }

    /** The digest of the whole tree, as the hash four-letter word prints it. */
    public long treeDigest() {
        return core.stateMachine().tree().digest();
    }

    public int sessionCount() {
        return core.stateMachine().sessions().size();
    }

    /** The first {@code limit} replicated sessions in the order they were created. */
    public List<SessionEntry> sessions(int limit) {
        List<SessionEntry> result = new ArrayList<>();
        for (Session session : core.stateMachine().sessions().all()) {
            if (result.size() >= limit) {
                break;
            }
            result.add(entry(session));
        }
        return result;
    }

    /** One replicated session, or null when no session has this id. */
    public SessionEntry session(long sessionId) {
        Session session = core.stateMachine().sessions().get(sessionId);
        return session == null ? null : entry(session);
    }

    private SessionEntry entry(Session session) {
        SessionTracker.Tracked tracked = core.sessions().tracker().get(session.sessionId());
        ClientConnection c = tracked == null ? null : tracked.connection;
        boolean connected = c != null && !c.isClosed();
        return new SessionEntry(session.sessionId(), session.timeoutMs(), connected,
                connected ? c.remoteAddress + ":" + c.remotePort : null, tracked == null ? -1 : tracked.deadlineMs,
                tracked != null && tracked.closing, core.stateMachine().tree().ephemeralsOf(session.sessionId()).size());
    }

    /** Tracked deadlines to the sessions that expire then (ZooKeeper's {@code expiry_time_to_session_ids}). */
    public Map<Long, List<Long>> sessionsByExpiryTime() {
        Map<Long, List<Long>> result = new TreeMap<>();
        for (SessionTracker.Tracked t : core.sessions().tracker().all()) {
            result.computeIfAbsent(t.deadlineMs, k -> new ArrayList<>()).add(t.sessionId);
        }
        return result;
    }

    /** Ephemeral paths by owning session, copied (ZooKeeper's {@code session_id_to_ephemeral_paths}). */
    public Map<Long, List<String>> ephemeralsBySession() {
        Map<Long, List<String>> result = new LinkedHashMap<>();
        core.stateMachine().tree().ephemeralsBySession().forEach((session, paths) ->
                result.put(session, List.copyOf(new TreeSet<>(paths))));
        return result;
    }

    /** The version string srvr and mntr report. */
    public static String version() {
        return FourLetterWords.VERSION;
    }

    public FrontendSettings settings() {
        return core.settings();
    }

    public int clientPort() {
        return core.clientPort();
    }

    /** ZooKeeper's {@code connection_stat_reset}. */
    public void resetConnectionStats() {
        core.connections().forEach(ClientConnection::resetStats);
    }

    /** ZooKeeper's {@code stat_reset}. */
    public void resetServerStats() {
        core.stats().reset();
    }

    /**
     * The process's open and largest allowed file descriptor counts, as ZooKeeper's mntr reports them on Unix; nothing
     * where the platform does not say.
     */
    public static void fileDescriptors(java.util.function.BiConsumer<String, Object> out) {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            out.accept("open_file_descriptor_count", unix.getOpenFileDescriptorCount());
            out.accept("max_file_descriptor_count", unix.getMaxFileDescriptorCount());
        }
    }

    /**
     * ZooKeeper's group figures in mntr: {@code quorum_size} (the voters) in a group, and at the primary its
     * learners (every other member), the followers and observers that acknowledged within the cut-off
     * ({@code synced_followers}, {@code synced_observers}; a group has no non-voting followers).
     */
    public static void groupFigures(WritePath.ReplicaFigures figures, java.util.function.BiConsumer<String, Object> out) {
        if (figures.quorumSize() > 1) {
            out.accept("quorum_size", figures.quorumSize());
        }
        if (figures.learners() >= 0 && figures.quorumSize() > 1) {
            out.accept("learners", figures.learners());
            out.accept("synced_followers", figures.syncedFollowers());
            out.accept("synced_non_voting_followers", 0);
            out.accept("synced_observers", figures.syncedObservers());
        }
    }
}
