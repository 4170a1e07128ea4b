package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** The read-only views of the group beside status: members, sessions, watches and the log. */
final class GroupCommands {

    private GroupCommands() {
    }

    /** The replica to ask: {@code --replica ID} if given (it must be among --servers), else the primary. */
    static Probe target(GroupView group, Integer replicaId) throws AdminClient.CallFailure {
        if (replicaId != null) {
            Probe probe = group.byId(replicaId);
            if (probe == null) {
                throw new AdminClient.CallFailure(ExitCodes.USAGE, "replica " + replicaId
                        + " is not among the reachable --servers (ids: " + group.reachable().stream()
                        .map(p -> "r" + p.id()).toList() + ")");
            }
            return probe;
        }
        Probe primary = group.primary();
        if (primary != null) {
            return primary;
        }
        if (group.reachable().isEmpty()) {
            throw group.probes().get(0).failure();
        }
        return group.reachable().get(0);
    }

    @Command(name = "members", mixinStandardHelpOptions = true,
            description = "The members of the group as the primary sees them: role (voter or learner, ZooKeeper's "
                    + "observer), addresses, connection, last contact, acknowledged op and lag.")
    static final class Members implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            GroupView group = GroupView.probe(vkctl.client(), vkctl.servers());
            Probe source = target(group, null);
            Table table = new Table("ID", "ROLE", "HOST", "PEER-PORT", "CLIENT-PORT", "PRIMARY", "CONNECTED",
                    "LAST-CONTACT", "ACKED-OP", "LAG");
            for (JsonNode m : source.replica().path("members")) {
                JsonNode last = m.path("last_contact_ms_ago");
                table.row("r" + m.path("id").asInt(), m.path("learner").asBoolean() ? "learner" : "voter",
                        m.path("host").asText(), m.path("peer_port").asInt(),
                        m.path("client_port").asInt(), m.path("primary").asBoolean() ? "yes" : "",
                        m.path("self").asBoolean() ? "self" : m.path("connected").asBoolean() ? "yes" : "no",
                        last.isNull() ? "never" : last.asLong() + " ms ago", text(m.path("acked_op")),
                        text(m.path("lag_ops")));
            }
            PrintWriter out = vkctl.out();
            if (table.isEmpty()) {
                out.println("r" + source.id() + " runs alone (no server.N lines)");
            } else {
                out.print(table.render());
                out.println("epoch " + source.replica().path("epoch").asLong() + ", as seen by r" + source.id() + " ("
                        + source.role() + ", view " + Probe.viewName(source.view()) + ")");
            }
            return ExitCodes.OK;
        }
    }

    static String text(JsonNode value) {
        return value.isNull() || value.isMissingNode() ? "-" : value.asText();
    }

    @Command(name = "sessions", mixinStandardHelpOptions = true,
            description = "The group's sessions, with the replicas their clients are connected to.")
    static final class Sessions implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "Show at most N sessions (default: ${DEFAULT-VALUE}, at most 10000).")
        int limit;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            AdminClient client = vkctl.client();
            GroupView group = GroupView.probe(client, vkctl.servers());
            Probe primary = target(group, null);
            Map<String, JsonNode> sessions = new LinkedHashMap<>();
            Map<String, List<String>> connectedTo = new TreeMap<>();
            long total = 0;
            for (Probe p : group.reachable()) {
                JsonNode answer = client.command(p.server(), "sessions", Map.of("limit", Integer.toString(limit)));
                total = Math.max(total, answer.path("total").asLong());
                for (JsonNode s : answer.path("sessions")) {
                    String id = s.path("session_id").asText();
                    if (p == primary || !sessions.containsKey(id)) {
                        sessions.put(id, s);
                    }
                    if (s.path("connected_here").asBoolean()) {
                        connectedTo.computeIfAbsent(id, k -> new ArrayList<>()).add("r" + p.id());
                    }
                }
            }
            Table table = new Table("SESSION", "TIMEOUT-MS", "CONNECTED-TO", "EPHEMERALS", "EXPIRES-IN-MS");
            sessions.forEach((id, s) -> table.row(id, s.path("timeout_ms").asInt(),
                    String.join(",", connectedTo.getOrDefault(id, List.of())), s.path("ephemerals").asInt(),
                    text(s.path("expires_in_ms"))));
            PrintWriter out = vkctl.out();
            out.print(table.render());
            out.println(total + " session" + (total == 1 ? "" : "s") + (total > sessions.size() ? ", "
                    + sessions.size() + " shown" : "") + "; expiry as the primary r" + primary.id() + " tracks it");
            return ExitCodes.OK;
        }
    }

    @Command(name = "watches", mixinStandardHelpOptions = true,
            description = "Watched paths on each replica (watches are local to the replica a client is on).")
    static final class Watches implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--by-session", description = "List the paths each session watches instead.")
        boolean bySession;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            AdminClient client = vkctl.client();
            GroupView group = GroupView.probe(client, vkctl.servers());
            Table table = bySession ? new Table("REPLICA", "SESSION", "PATHS")
                    : new Table("REPLICA", "PATH", "SESSIONS");
            int total = 0;
            for (Probe p : group.reachable()) {
                String field = bySession ? "session_id_to_watched_paths" : "path_to_session_ids";
                JsonNode map = client.command(p.server(), bySession ? "watches" : "watches_by_path", Map.of())
                        .path(field);
                for (Map.Entry<String, JsonNode> e : map.properties()) {
                    List<String> values = new ArrayList<>();
                    e.getValue().forEach(v -> values.add(bySession ? v.asText()
                            : "0x" + Long.toHexString(v.asLong())));
                    String key = bySession ? "0x" + Long.toHexString(Long.parseLong(e.getKey())) : e.getKey();
                    table.row("r" + p.id(), key, String.join(",", values));
                    total += values.size();
                }
            }
            PrintWriter out = vkctl.out();
            out.print(table.render());
            out.println(total + " data watch" + (total == 1 ? "" : "es") + " on " + group.reachable().size()
                    + " replica" + (group.reachable().size() == 1 ? "" : "s"));
            return group.reachable().size() == group.probes().size() ? ExitCodes.OK : ExitCodes.UNREACHABLE;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = "The last ops of a replica's log (the primary's unless --replica): op, view, whether "
                    + "committed, the operation and its path.")
    static final class Log implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--tail", paramLabel = "N", defaultValue = "20",
                description = "How many ops (default: ${DEFAULT-VALUE}, at most 1000).")
        int tail;

        @Option(names = "--replica", paramLabel = "ID", description = "Ask this replica (server id).")
        Integer replica;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            AdminClient client = vkctl.client();
            Probe target = target(GroupView.probe(client, vkctl.servers()), replica);
            JsonNode answer = client.command(target.server(), "log", Map.of("tail", Integer.toString(tail)));
            Table table = new Table("OP", "VIEW", "COMMITTED", "TYPE", "PATH", "SESSION", "BYTES");
            for (JsonNode e : answer.path("entries")) {
                table.row(e.path("op").asLong(), e.path("view").asLong(), e.path("committed").asBoolean() ? "yes"
                        : "no", e.path("type").asText(), text(e.path("path")), text(e.path("session_id")),
                        e.path("bytes").asInt());
            }
            PrintWriter out = vkctl.out();
            out.print(table.render());
            out.println("r" + target.id() + ": op " + answer.path("op").asLong() + ", commit "
                    + answer.path("commit").asLong() + "; ops up to " + answer.path("log_start_op").asLong()
                    + " are released (in a checkpoint)");
            return ExitCodes.OK;
        }
    }
}
