package io.viewkeeper.server.admin;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.FrontendReport;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.Txn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Viewkeeper's own commands: the replica's VR state and its view of each peer ({@code replica}), the replicated
 * sessions ({@code sessions}), the tail of the log ({@code log}), and the two that steer it, {@code view-change}
 * and {@code checkpoint}. Every figure is read on the replica thread; outputs are bounded by named limits.
 */
final class ReplicaCommands {
    static final int SESSIONS_LIMIT_MAX = 10_000;
    static final int SESSIONS_LIMIT_DEFAULT = 1_000;
    static final int LOG_TAIL_MAX = 1_000;
    static final int EPHEMERAL_PATHS_MAX = 100;
    static final int LOG_TAIL_DEFAULT = 20;

    private final NodeAccess node;

    ReplicaCommands(NodeAccess node) {
        this.node = node;
    }

    List<AdminCommand> all() {
        return List.of(
                new AdminCommand(List.of("replica"), false, true,
                        "This replica's VR state and its view of each peer; peer=ID shows one member", this::replica),
                new AdminCommand(List.of("sessions"), false, true,
                        "The group's sessions (limit=N, at most " + SESSIONS_LIMIT_MAX + "; session_id=0x... for one; "
                        + "ephemerals=true lists up to " + EPHEMERAL_PATHS_MAX + " ephemeral paths of each)",
                        this::sessions),
                new AdminCommand(List.of("log"), false, true,
                        "The last ops of the log (tail=N, at most " + LOG_TAIL_MAX + ")", this::log),
                new AdminCommand(List.of("view-change"), true, true,
                        "Starts a view change: a backup as on a timeout, the primary by stepping down",
                        this::viewChange),
                new AdminCommand(List.of("checkpoint"), true, true, "Takes a checkpoint at the commit number now",
                        this::checkpoint));
    }

    static String statusName(Replica.Status status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private AdminCommand.Job replica(Params params) throws AdminException {
        params.allowOnly(Set.of("peer"));
        List<NodeConfig.Member> members = node.config().members().size() <= 1 ? node.config().members()
                : node.members().members();
        int only = -1;
        if (params.has("peer")) {
            long id = params.number("peer", 1, 254, 0);
            only = members.size() <= 1 ? indexOf(members, id) : indexOf(members, id) < 0 ? -1 : (int) id - 1;
            if (only < 0) {
                throw AdminException.notFound("replica " + id + " is not a member of this group (members: "
                        + members.stream().map(m -> Integer.toString(m.id())).toList() + ")");
            }
        }
        int filter = only;
        return () -> replicaFigures(filter);
    }

    private static int indexOf(List<NodeConfig.Member> members, long id) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).id() == id) {
                return i;
            }
        }
        return -1;
    }

    Map<String, Object> replicaFigures(int onlyIndex) {
        Replica r = node.replica();
        NodeConfig config = node.config();
        boolean normal = r.status() == Replica.Status.NORMAL;
        int count = Math.max(1, config.members().size());
        int primaryIndex = r.primaryIndex();
        Checkpoint checkpoint = r.latestCheckpoint();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", config.serverId());
        out.put("index", r.replicaIndex());
        out.put("role", count == 1 ? "standalone" : r.configuration().learner() ? "learner"
                : normal && r.isPrimary() ? "primary" : "backup");
        out.put("server_state", node.zooKeeperRole());
        out.put("status", statusName(r.status()));
        out.put("view", r.view());
        out.put("epoch", r.configuration().epoch());
        out.put("last_normal_view", r.lastNormalView());
        out.put("op", r.opNumber());
        out.put("commit", r.commitNumber());
        out.put("durable_op", r.durableOp());
        out.put("checkpoint_op", checkpoint == null ? -1 : checkpoint.op());
        out.put("log_start_op", r.logStartOp());
        if (r.repairSummary() != null) {
            out.put("repair", r.repairSummary());
        }
        out.put("primary_id", count == 1 ? config.serverId() : primaryIndex + 1);
        out.put("sessions", node.frontend().sessionCount());
        out.put("clients", clients(r));
        Map<String, Object> ignored = new LinkedHashMap<>();
        r.ignoredCounts().forEach((reason, times) -> ignored.put(reason.name().toLowerCase(Locale.ROOT), times));
        out.put("ignored_messages", ignored);
        NodeAccess.InputQueue queue = node.inputQueue();
        out.put("input_queue", Map.of("capacity", queue.capacity(), "high_water", queue.highWater(),
                "refused_offers", queue.refusedOffers(), "dropped_peer_inputs", queue.droppedPeerInputs(),
                "consumed", new java.util.TreeMap<>(queue.consumed())));
        out.put("members", members(r, onlyIndex));
        return out;
    }

    /** Where the replica stands with its group and what that did to clients (see FrontendReport.Clients). */
    private Map<String, Object> clients(Replica r) {
        FrontendReport.Clients c = node.frontend().clients();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("standing", c.standing());
        out.put("ticks_since_quorum_contact", r.ticksSinceQuorumContact());
        out.put("read_only_mode", c.readOnlyMode());
        out.put("read_only_connections", c.readOnlyConnections());
        out.put("held_handshakes", c.heldHandshakes());
        out.put("refused_no_quorum", c.refusedNoQuorum());
        out.put("closed_no_quorum", c.closedNoQuorum());
        out.put("handshakes_timed_out", c.handshakesTimedOut());
        out.put("read_only_sessions", c.readOnlySessions());
        return out;
    }

    private List<Map<String, Object>> members(Replica r, int onlyIndex) {
        List<NodeConfig.Member> members = node.config().members().size() <= 1 ? node.config().members()
                : node.members().members();
        boolean countsAcks = r.status() == Replica.Status.NORMAL && r.isPrimary();
        long now = System.currentTimeMillis();
        List<Map<String, Object>> result = new ArrayList<>();
        for (NodeConfig.Member m : members) {
            int i = members.size() <= 1 ? 0 : m.slot();
            if (onlyIndex >= 0 && i != onlyIndex) {
                continue;
            }
            boolean self = i == r.replicaIndex();
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("id", m.id());
            peer.put("host", m.host());
            peer.put("peer_port", m.peerPort());
            peer.put("client_port", m.clientPort() > 0 ? m.clientPort() : node.config().clientPort());
            peer.put("self", self);
            peer.put("learner", m.learner());
            peer.put("primary", i == r.primaryIndex());
            peer.put("connected", self || node.peerConnected(i));
            long last = self ? now : node.peerLastReceivedMs(i);
            peer.put("last_contact_ms_ago", last == 0 ? null : Math.max(0, now - last));
            peer.put("acked_op", countsAcks && !self ? r.ackedOp(i) : null);
            peer.put("lag_ops", countsAcks && !self ? Math.max(0, r.opNumber() - r.ackedOp(i)) : null);
            result.add(peer);
        }
        return result;
    }

    private AdminCommand.Job sessions(Params params) throws AdminException {
        params.allowOnly(Set.of("limit", "session_id", "ephemerals"));
        boolean paths = params.bool("ephemerals", false);
        if (params.has("session_id")) {
            long id = params.sessionId("session_id");
            return () -> {
                FrontendReport.SessionEntry entry = node.frontend().session(id);
                if (entry == null) {
                    throw AdminException.notFound("no session 0x" + Long.toHexString(id) + " in this group");
                }
                return Map.of("total", node.frontend().sessionCount(), "sessions", List.of(session(entry, paths)));
            };
        }
        int limit = (int) params.number("limit", 1, SESSIONS_LIMIT_MAX, SESSIONS_LIMIT_DEFAULT);
        return () -> {
            List<Map<String, Object>> sessions = new ArrayList<>();
            for (FrontendReport.SessionEntry entry : node.frontend().sessions(limit)) {
                sessions.add(session(entry, paths));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("total", node.frontend().sessionCount());
            out.put("sessions", sessions);
            return out;
        };
    }

    private Map<String, Object> session(FrontendReport.SessionEntry entry, boolean withPaths) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", "0x" + Long.toHexString(entry.sessionId()));
        out.put("timeout_ms", entry.timeoutMs());
        out.put("connected_here", entry.connectedHere());
        out.put("remote_address", entry.remoteAddress());
        out.put("expires_in_ms", entry.deadlineMs() < 0 ? null : entry.deadlineMs() - System.currentTimeMillis());
        out.put("closing", entry.closing());
        out.put("ephemerals", entry.ephemerals());
        if (withPaths) {
            List<String> paths = new ArrayList<>(node.stateMachine().tree().ephemeralsOf(entry.sessionId()));
            paths.sort(null);
            out.put("ephemeral_paths", paths.subList(0, Math.min(EPHEMERAL_PATHS_MAX, paths.size())));
        }
        return out;
    }

    private AdminCommand.Job log(Params params) throws AdminException {
        params.allowOnly(Set.of("tail"));
        int tail = (int) params.number("tail", 1, LOG_TAIL_MAX, LOG_TAIL_DEFAULT);
        return () -> {
            Replica r = node.replica();
            long first = Math.max(r.logStartOp() + 1, r.opNumber() - tail + 1);
            List<Map<String, Object>> entries = new ArrayList<>();
            // zxid = op + what a restore moved zxids up by; the state's offset now, which entries before such a
            // restore did not have
            long zxidOffset = node.stateMachine().lastZxid() - r.commitNumber();
            for (long op = first; op <= r.opNumber(); op++) {
                LogEntry entry = r.entry(op);
                if (entry != null) {
                    entries.add(describe(entry, r.commitNumber(), zxidOffset));
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("log_start_op", r.logStartOp());
            out.put("op", r.opNumber());
            out.put("commit", r.commitNumber());
            out.put("entries", entries);
            return out;
        };
    }

    private static Map<String, Object> describe(LogEntry entry, long commitNumber, long zxidOffset) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", entry.op());
        out.put("zxid", "0x" + Long.toHexString(entry.op() + zxidOffset));
        out.put("view", entry.view());
        out.put("committed", entry.op() <= commitNumber);
        out.put("client_id", "0x" + Long.toHexString(entry.clientId()));
        out.put("request_number", entry.requestNumber());
        out.put("bytes", entry.body().length);
        if (io.viewkeeper.consensus.Reconfiguration.is(entry)) {
            io.viewkeeper.consensus.Reconfiguration change = io.viewkeeper.consensus.Reconfiguration.parse(
                    entry.body());
            out.put("type", "reconfig(" + change.decision().name().toLowerCase(Locale.ROOT) + ", "
                    + change.membership() + ")");
            out.put("path", "/zookeeper/config");
            return out;
        }
        try {
            Txn txn = OperationCodec.decode(entry.body());
            out.put("session_id", "0x" + Long.toHexString(txn.sessionId()));
            out.put("time_ms", txn.timeMs());
            out.put("type", typeOf(txn.op()));
            out.put("path", pathOf(txn.op()));
        } catch (OperationCodec.MalformedOperationException e) {
            out.put("type", "undecodable");
            out.put("path", null);
        }
        return out;
    }

    static String typeOf(Operation op) {
        return switch (op) {
            case Operation.Create c -> switch (c.opcode()) {
                case 15 -> "create2";
                case 19 -> "createContainer";
                case 21 -> "createTTL";
                default -> "create";
            };
            case Operation.Delete d -> "delete";
            case Operation.SetData s -> "setData";
            case Operation.SetAcl s -> "setACL";
            case Operation.Check c -> "check";
            case Operation.Multi m -> "multi(" + m.ops().size() + ")";
            case Operation.CreateSession s -> "createSession";
            case Operation.CloseSession s -> "closeSession";
            case Operation.DeleteContainer d -> "deleteContainer";
            case Operation.Failed f -> "error(" + f.errorCode() + ")";
            case Operation.SetConfig c -> "setConfig";
            case Operation.Reconfig c -> "reconfig";
            case Operation.RestoreState r -> "restore(" + r.state().length + " bytes)";
            case Operation.RestorePart r -> r.index() == Integer.MAX_VALUE ? "restorePart(abandoned)"
                    : "restorePart(" + (r.index() + 1) + (r.last() ? ", last" : "") + ", " + r.bytes().length
                            + " bytes)";
        };
    }

    private static String pathOf(Operation op) {
        return switch (op) {
            case Operation.Create c -> c.path();
            case Operation.Delete d -> d.path();
            case Operation.SetData s -> s.path();
            case Operation.SetAcl s -> s.path();
            case Operation.Check c -> c.path();
            case Operation.Multi m -> m.ops().isEmpty() ? null : pathOf(m.ops().get(0));
            case Operation.DeleteContainer d -> d.path();
            case Operation.CreateSession s -> null;
            case Operation.CloseSession s -> null;
            case Operation.Failed f -> null;
            case Operation.SetConfig c -> "/zookeeper/config";
            case Operation.Reconfig c -> "/zookeeper/config";
            case Operation.RestoreState r -> "/";
            case Operation.RestorePart r -> "/";
        };
    }

    private AdminCommand.Job viewChange(Params params) throws AdminException {
        params.allowOnly(Set.of());
        return () -> {
            Replica r = node.replica();
            long from = r.view();
            if (node.config().members().size() <= 1) {
                throw AdminException.conflict("a single node has no other replica to hand the primary to");
            }
            if (!node.requestViewChange()) {
                throw AdminException.conflict("not in normal status (" + statusName(r.status()) + " in view "
                        + r.view() + "); a view change is already under way or the replica is recovering");
            }
            int next = r.primaryIndex();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("from_view", from);
            out.put("to_view", r.view());
            out.put("next_primary_id", next + 1);
            out.put("status", statusName(r.status()));
            return out;
        };
    }

    private AdminCommand.Job checkpoint(Params params) throws AdminException {
        params.allowOnly(Set.of());
        return () -> {
            Replica r = node.replica();
            Checkpoint before = r.latestCheckpoint();
            long saving = node.checkpointSavingOp();
            if (saving >= r.commitNumber() || before != null && before.op() >= r.commitNumber()) {
                throw AdminException.conflict("the latest checkpoint is already at the commit number "
                        + r.commitNumber() + (saving >= r.commitNumber() ? " (being saved)" : ""));
            }
            if (saving >= 0) {
                throw AdminException.conflict("the checkpoint at op " + saving + " is being saved; ask again when "
                        + "it is done");
            }
            long op = r.commitNumber();
            if (!node.requestCheckpoint()) {
                throw AdminException.conflict("no checkpoint taken: status " + statusName(r.status())
                        + ", commit number " + op + " (a checkpoint needs normal status and a commit, and none is "
                        + "taken while a restore's parts are staged or the store is read for a peer)");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            // saved off the replica thread: the replica command's checkpoint_op shows it once it is durable
            out.put("checkpoint_op", op);
            out.put("durable", r.latestCheckpoint() != null && r.latestCheckpoint().op() == op);
            out.put("log_start_op", r.logStartOp());
            return out;
        };
    }
}
