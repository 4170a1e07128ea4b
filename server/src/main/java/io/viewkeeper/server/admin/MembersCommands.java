package io.viewkeeper.server.admin;

import io.viewkeeper.server.ConfigException;
import io.viewkeeper.server.GroupMembers;
import io.viewkeeper.server.MembersChange;
import io.viewkeeper.server.NodeConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The admin command that changes the group's members online (VR Revisited §7, ZooKeeper's {@code reconfig}):
 * incremental ({@code add} member lines in ZooKeeper's dynamic form, comma-separated, and {@code remove} ids) or
 * whole ({@code members}). A member added as a voter must be a learner already (add it as an observer, let it catch
 * up, then add its line again as a participant); the primary refuses a voter that is not caught up. The answer
 * comes once this node applied the reconfiguration: the decision, the new epoch and the members.
 */
final class MembersCommands {
    private final NodeAccess node;

    MembersCommands(NodeAccess node) {
        this.node = node;
    }

    List<AdminCommand> all() {
        return List.of(new AdminCommand(List.of("reconfig", "reconfigure"), true, false,
                "Changes the group's members: add=server.N=host:peerPort:electionPort:participant|observer;"
                        + "clientPort lines, remove=ids, or members=every line; answers once applied here",
                this::reconfig));
    }

    private AdminCommand.Job reconfig(Params params) throws AdminException {
        params.allowOnly(Set.of("add", "remove", "members"));
        if (node.config().members().size() <= 1) {
            throw AdminException.conflict("a node without server.N lines runs alone: it has no group to change");
        }
        boolean whole = params.has("members");
        if (whole == (params.has("add") || params.has("remove"))) {
            throw AdminException.badRequest("give either members (every line of the next group) or add and/or "
                    + "remove");
        }
        List<NodeConfig.Member> added = whole ? List.of() : params.has("add") ? lines(params.text("add"))
                : List.of();
        List<NodeConfig.Member> wholeLines = whole ? lines(params.text("members")) : List.of();
        List<Integer> removed = whole || !params.has("remove") ? List.of() : ids(params.text("remove"));
        return (AdminCommand.Later) () -> {
            CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
            boolean offered = node.offer(() -> {
                try {
                    GroupMembers next = next(node.members(), whole, wholeLines, added, removed);
                    node.reconfigure(next, outcome -> answer(answer, outcome, next));
                } catch (AdminException e) {
                    answer.completeExceptionally(e);
                } catch (IllegalArgumentException e) {
                    answer.completeExceptionally(AdminException.badRequest(e.getMessage()));
                }
            });
            if (!offered) {
                answer.completeExceptionally(new AdminException(503, "the replica thread is not taking tasks"));
            }
            return answer;
        };
    }

    /** The next members: the current ones with these changes, checked as the group would check them. */
    private static GroupMembers next(GroupMembers now, boolean whole, List<NodeConfig.Member> wholeLines,
                                     List<NodeConfig.Member> added, List<Integer> removed) throws AdminException {
        try {
            return MembersChange.next(now, whole ? wholeLines : null, added, removed);
        } catch (MembersChange.Refused refused) {
            throw AdminException.badRequest(refused.getMessage());
        }
    }

    /** Replica thread: completes the admin answer, never throwing into the replica's commit. */
    private static void answer(CompletableFuture<Map<String, Object>> answer, MembersChange.Outcome outcome,
                               GroupMembers asked) {
        if (outcome.decision() == null) {
            answer.completeExceptionally(AdminException.conflict(outcome.refusal()));
            return;
        }
        String refusal = switch (outcome.decision()) {
            case ACCEPTED, PROPOSED -> null;
            case NOT_CAUGHT_UP -> "a voter of the next group is not a caught-up member, or too few of them are "
                    + "(ZooKeeper's NewConfigNoQuorum): let a new member catch up as an observer first";
            case BAD_MEMBERS -> "the primary refused these members (a voter that is no member yet)";
            case STALE -> "the members changed since this replica computed the change: ask again";
        };
        if (refusal != null) {
            answer.completeExceptionally(AdminException.conflict("refused at zxid 0x"
                    + Long.toHexString(outcome.zxid()) + ": " + refusal));
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("decision", "accepted");
        out.put("epoch", outcome.epoch());
        out.put("zxid", "0x" + Long.toHexString(outcome.zxid()));
        out.put("config", asked.zooKeeperLines() + "version=" + Long.toHexString(outcome.zxid()));
        answer.complete(out);
    }

    private static List<NodeConfig.Member> lines(String text) throws AdminException {
        try {
            return GroupMembers.parse(String.join("\n", text.split(",")));
        } catch (ConfigException e) {
            throw AdminException.badRequest(e.getMessage());
        }
    }

    private static List<Integer> ids(String text) throws AdminException {
        List<Integer> ids = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                ids.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw AdminException.badRequest("remove takes server ids, comma-separated: '" + part + "'");
            }
        }
        return ids;
    }
}
