package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The group as the {@code replica} command of every listed server shows it at one moment, asked in parallel, and
 * the verdict drawn from it: healthy, degraded (and which replica, why), or no quorum.
 */
final class GroupView {
    private final List<Probe> probes;

    private GroupView(List<Probe> probes) {
        this.probes = probes;
    }

    static GroupView probe(AdminClient client, List<String> servers) {
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Probe>> futures = new ArrayList<>();
            for (String server : servers) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return new Probe(server, client.command(server, "replica", Map.of()), null);
                    } catch (AdminClient.CallFailure failure) {
                        return new Probe(server, null, failure);
                    }
                }, executor));
            }
            return new GroupView(futures.stream().map(CompletableFuture::join).toList());
        }
    }

    List<Probe> probes() {
        return probes;
    }

    List<Probe> reachable() {
        return probes.stream().filter(Probe::reachable).toList();
    }

    /** The primary in normal status of the highest view any replica reports, or null. */
    Probe primary() {
        long view = highestView();
        return reachable().stream().filter(p -> p.normalPrimary() && p.view() == view).findFirst().orElse(null);
    }

    Probe byId(int id) {
        return reachable().stream().filter(p -> p.id() == id).findFirst().orElse(null);
    }

    long highestView() {
        return reachable().stream().mapToLong(Probe::view).max().orElse(-1);
    }

    long highestCommit() {
        return reachable().stream().mapToLong(Probe::commit).max().orElse(0);
    }

    /**
     * The members (id to member object, in id order) as the primary lists them, which knows the group's latest
     * epoch; without a primary, as the reachable replicas list them.
     */
    Map<Integer, JsonNode> members() {
        Map<Integer, JsonNode> members = new java.util.TreeMap<>();
        Probe primary = primary();
        for (Probe p : primary != null ? List.of(primary) : reachable()) {
            for (JsonNode m : p.replica().path("members")) {
                members.putIfAbsent(m.path("id").asInt(), m);
            }
        }
        return members;
    }

    /** The member id of an unreachable server, when exactly one member not answering has its host. */
    String idOf(Probe probe) {
        if (probe.reachable()) {
            return Integer.toString(probe.id());
        }
        List<Integer> candidates = new ArrayList<>();
        members().forEach((id, m) -> {
            if (m.path("host").asText().equals(probe.host()) && byId(id) == null) {
                candidates.add(id);
            }
        });
        return candidates.size() == 1 ? Integer.toString(candidates.get(0)) : "?";
    }

    /** The verdict on the group; a replica behind the highest commit by more than {@code lagMax} ops is degraded. */
    Verdict verdict(long lagMax) {
        if (reachable().isEmpty()) {
            return new Verdict("unreachable", "no server answered", ExitCodes.UNREACHABLE);
        }
        // learners (observers) are in no quorum
        int size = Math.max(1, (int) members().values().stream().filter(m -> !m.path("learner").asBoolean()).count());
        long view = highestView();
        long normalInView = reachable().stream().filter(p -> !p.role().equals("learner")
                && p.status().equals("normal") && p.view() == view).count();
        Probe primary = primary();
        if (primary == null || normalInView < size / 2 + 1) {
            return new Verdict("no_quorum", "no quorum: " + normalInView + " of " + size + " replicas normal in view "
                    + Probe.viewName(view) + (primary == null ? ", no primary" : ""), ExitCodes.NO_QUORUM);
        }
        Map<String, String> problems = new LinkedHashMap<>();
        for (Probe p : probes) {
            String name = "r" + idOf(p);
            if (!p.reachable() && members().values().stream().noneMatch(m -> m.path("host").asText()
                    .equals(p.host()))) {
                continue; // no member has its host: a server removed from the group, which stopped
            } else if (!p.reachable()) {
                problems.put(name, "unreachable");
            } else if (p.clients().equals("cut-off") || p.clients().equals("read-only")) {
                problems.put(name, "cut off from the group (" + p.clients() + ")");
            } else if (!p.status().equals("normal")) {
                problems.put(name, p.status());
            } else if (p.view() != view) {
                problems.put(name, "in old view " + Probe.viewName(p.view()));
            } else if (highestCommit() - p.commit() > lagMax) {
                problems.put(name, "lagging " + (highestCommit() - p.commit()) + " ops");
            }
        }
        for (Integer id : members().keySet()) {
            if (probes.stream().noneMatch(p -> idOf(p).equals(Integer.toString(id)))) {
                problems.put("r" + id, "not in --servers");
            }
        }
        if (problems.isEmpty()) {
            int learners = members().size() - size;
            return new Verdict("healthy", "healthy: " + size + " of " + size + " replicas normal in view "
                    + Probe.viewName(view)
                    + (learners == 0 ? "" : learners == 1 ? " (and a learner)" : " (and " + learners + " learners)")
                    + ", primary r" + primary.id(), ExitCodes.OK);
        }
        List<String> parts = new ArrayList<>();
        problems.forEach((name, why) -> parts.add(name + " " + why));
        return new Verdict("degraded", "degraded: " + String.join(", ", parts) + "; primary r" + primary.id()
                + " in view " + Probe.viewName(view), ExitCodes.DEGRADED);
    }

    /** The state word scripts match on, a line for people, and the exit code. */
    record Verdict(String state, String text, int exitCode) {
    }
}
