package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The commands that change the group's members online, through the primary's {@code reconfig} admin command: add a
 * learner (ZooKeeper's observer), promote learners to voters, remove members, and replace a voter by a new server
 * (added as a learner, caught up, then swapped in, in one reconfiguration). Each needs the admin token.
 */
final class ReconfigCommands {
    private static final long POLL_MS = 200;
    private static final Duration RECONFIG_WAIT = Duration.ofSeconds(40);
    /** A learner this close to the primary's log counts as caught up (the primary's own bound is larger). */
    private static final long CAUGHT_UP_LAG_OPS = 64;

    private ReconfigCommands() {
    }

    /** A new server's line in ZooKeeper's dynamic form, from {@code host:peerPort:clientPort}. */
    static String line(int id, String address, String role) throws AdminClient.CallFailure {
        String[] parts = address.split(":");
        if (parts.length != 3 || parts[0].isBlank()) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--address must be host:peerPort:clientPort, got '"
                    + address + "'");
        }
        int peer;
        int client;
        try {
            peer = Integer.parseInt(parts[1]);
            client = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--address ports must be numbers: '" + address + "'");
        }
        if (peer < 1 || peer > 65534 || client < 1 || client > 65535 || id < 1 || id > 254) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--id must be 1..254 and ports 1..65535");
        }
        return "server." + id + "=" + parts[0] + ":" + peer + ":" + (peer + 1) + ":" + role + ";" + parts[0] + ":"
                + client;
    }

    /** An existing member's line with another role, from the primary's view of it. */
    static String line(JsonNode member, String role) {
        int peer = member.path("peer_port").asInt();
        return "server." + member.path("id").asInt() + "=" + member.path("host").asText() + ":" + peer + ":"
                + (peer + 1) + ":" + role + ";" + member.path("host").asText() + ":"
                + member.path("client_port").asInt();
    }

    static JsonNode member(Probe primary, int id) throws AdminClient.CallFailure {
        for (JsonNode m : primary.replica().path("members")) {
            if (m.path("id").asInt() == id) {
                return m;
            }
        }
        throw new AdminClient.CallFailure(ExitCodes.USAGE, "server " + id + " is not a member (as r" + primary.id()
                + " sees the group)");
    }

    static Probe primary(Vkctl vkctl) throws AdminClient.CallFailure {
        GroupView group = GroupView.probe(vkctl.client(), vkctl.servers());
        Probe primary = group.primary();
        if (primary == null) {
            throw new AdminClient.CallFailure(ExitCodes.NO_QUORUM, "no primary among the reachable --servers; see "
                    + "'vkctl status'");
        }
        return primary;
    }

    /** Asks the primary for the change and prints the outcome; the answer comes once it is applied there. */
    static JsonNode reconfigure(Vkctl vkctl, Probe primary, Map<String, String> change)
            throws AdminClient.CallFailure {
        JsonNode answer = vkctl.client().mutate(primary.server(), "reconfig", change, RECONFIG_WAIT);
        vkctl.out().println("epoch " + answer.path("epoch").asLong() + " (zxid " + answer.path("zxid").asText()
                + "):");
        vkctl.out().println(answer.path("config").asText().strip());
        return answer;
    }

    /** Waits until server {@code id} is a caught-up member of the primary's view (lag within {@code lagMax}). */
    static void awaitCaughtUp(Vkctl vkctl, int id, long lagMax, int waitSeconds)
            throws AdminClient.CallFailure, InterruptedException {
        PrintWriter out = vkctl.out();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        long lastLag = -2;
        while (System.nanoTime() < deadline) {
            Probe primary = GroupView.probe(vkctl.client(), vkctl.servers()).primary();
            if (primary != null) {
                for (JsonNode m : primary.replica().path("members")) {
                    if (m.path("id").asInt() == id && m.path("connected").asBoolean()
                            && m.path("lag_ops").isNumber()) {
                        long lag = m.path("lag_ops").asLong();
                        if (lag != lastLag) {
                            out.println("r" + id + ": " + lag + " ops behind the primary r" + primary.id());
                            out.flush();
                            lastLag = lag;
                        }
                        if (lag <= lagMax) {
                            return;
                        }
                    }
                }
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
        throw new AdminClient.CallFailure(ExitCodes.TIMED_OUT, "r" + id + " did not catch up within " + waitSeconds
                + " s (is it started, with the group's server lines and itself as an observer?)");
    }

    @Command(name = "add-learner", mixinStandardHelpOptions = true,
            description = "Adds a server as a learner (ZooKeeper's observer): it receives the log and serves "
                    + "clients, and votes in nothing. Start it with its own server line as an observer; this waits "
                    + "until it caught up.")
    static final class AddLearner implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--id", required = true, description = "The new server's id (1..254, not a member's).")
        int id;

        @Option(names = "--address", required = true, paramLabel = "HOST:PEER:CLIENT",
                description = "Its peer address and client port.")
        String address;

        @Option(names = "--wait", defaultValue = "60", paramLabel = "SECONDS",
                description = "How long to wait for it to catch up (0: do not wait; default ${DEFAULT-VALUE}).")
        int waitSeconds;

        @Override
        public Integer call() throws AdminClient.CallFailure, InterruptedException {
            Probe primary = primary(vkctl);
            reconfigure(vkctl, primary, Map.of("add", line(id, address, "observer")));
            if (waitSeconds > 0) {
                awaitCaughtUp(vkctl, id, CAUGHT_UP_LAG_OPS, waitSeconds);
                vkctl.out().println("r" + id + " is a caught-up learner");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Makes caught-up learners voters. Voters stay an odd number: promote two, or promote one "
                    + "and --remove a voter.")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--id", required = true, description = "A learner to make a voter (repeatable).")
        List<Integer> ids;

        @Option(names = "--remove", description = "A member to remove in the same reconfiguration (repeatable).")
        List<Integer> removed = new ArrayList<>();

        @Override
        public Integer call() throws AdminClient.CallFailure {
            Probe primary = primary(vkctl);
            List<String> lines = new ArrayList<>();
            for (int id : ids) {
                lines.add(line(member(primary, id), "participant"));
            }
            Map<String, String> change = new LinkedHashMap<>();
            change.put("add", String.join(",", lines));
            if (!removed.isEmpty()) {
                change.put("remove", String.join(",", removed.stream().map(String::valueOf).toList()));
            }
            reconfigure(vkctl, primary, change);
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Removes members (voters or learners); a removed replica stops once the rest of the group "
                    + "started without it. Voters stay an odd number.")
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--id", required = true, description = "A member to remove (repeatable).")
        List<Integer> ids;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            Probe primary = primary(vkctl);
            for (int id : ids) {
                member(primary, id);
            }
            reconfigure(vkctl, primary, Map.of("remove", String.join(",", ids.stream().map(String::valueOf)
                    .toList())));
            return ExitCodes.OK;
        }
    }

    @Command(name = "replace", mixinStandardHelpOptions = true,
            description = "Replaces voter --old by a new server: adds it as a learner, waits until it caught up, "
                    + "then makes it a voter and removes the old one in one reconfiguration.")
    static final class Replace implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--old", required = true, description = "The voter to replace.")
        int old;

        @Option(names = "--id", required = true, description = "The new server's id.")
        int id;

        @Option(names = "--address", required = true, paramLabel = "HOST:PEER:CLIENT",
                description = "The new server's peer address and client port.")
        String address;

        @Option(names = "--wait", defaultValue = "60", paramLabel = "SECONDS",
                description = "How long to wait for it to catch up (default ${DEFAULT-VALUE}).")
        int waitSeconds;

        @Override
        public Integer call() throws AdminClient.CallFailure, InterruptedException {
            Probe primary = primary(vkctl);
            member(primary, old);
            boolean member = false;
            for (JsonNode m : primary.replica().path("members")) {
                member |= m.path("id").asInt() == id;
            }
            if (!member) {
                vkctl.out().println("1/3 adding r" + id + " as a learner");
                reconfigure(vkctl, primary, Map.of("add", line(id, address, "observer")));
            }
            vkctl.out().println("2/3 waiting for r" + id + " to catch up");
            awaitCaughtUp(vkctl, id, CAUGHT_UP_LAG_OPS, waitSeconds);
            vkctl.out().println("3/3 r" + id + " becomes a voter in place of r" + old);
            Map<String, String> change = new LinkedHashMap<>();
            change.put("add", line(id, address, "participant"));
            change.put("remove", Integer.toString(old));
            reconfigure(vkctl, primary(vkctl), change);
            return ExitCodes.OK;
        }
    }
}
