package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code vkctl status}: one row per replica and a verdict; the exit code is the verdict's. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "A table of the group (id, address, role, status, view, op, commit, lag, sessions) and a "
                + "verdict: healthy, degraded (which replica, why) or no quorum. Exit code 0, 1 or 2 accordingly.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    Vkctl vkctl;

    @Option(names = "--json", description = "Print the rows and the verdict as one JSON object.")
    boolean json;

    @Option(names = "--watch", description = "Refresh every --interval seconds until interrupted.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
            description = "Seconds between refreshes with --watch (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "With --watch, stop after N refreshes (default: never).")
    int count;

    @Option(names = "--max-lag", paramLabel = "OPS", defaultValue = "1000",
            description = "A replica further behind the highest commit number is degraded (default: ${DEFAULT-VALUE}).")
    long maxLag;

    @Override
    public Integer call() throws AdminClient.CallFailure, InterruptedException {
        if (intervalSeconds < 1 || count < 0 || maxLag < 0) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--interval must be at least 1, --count and "
                    + "--max-lag not negative");
        }
        AdminClient client = vkctl.client();
        PrintWriter out = vkctl.out();
        int exit = ExitCodes.OK;
        for (int round = 1; ; round++) {
            GroupView group = GroupView.probe(client, vkctl.servers());
            if (watch && System.console() != null) {
                out.print("\033[H\033[2J");
            }
            exit = print(out, group);
            out.flush();
            if (!watch || (count > 0 && round >= count)) {
                return exit;
            }
            TimeUnit.SECONDS.sleep(intervalSeconds);
        }
    }

    private int print(PrintWriter out, GroupView group) {
        GroupView.Verdict verdict = group.verdict(maxLag);
        long highest = group.highestCommit();
        if (json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("state", verdict.state());
            root.put("verdict", verdict.text());
            ArrayNode rows = root.putArray("replicas");
            for (Probe p : group.probes()) {
                ObjectNode row = rows.addObject();
                row.put("server", p.server());
                row.put("reachable", p.reachable());
                if (p.reachable()) {
                    row.setAll((ObjectNode) p.replica().deepCopy());
                    row.remove("command");
                    row.remove("error");
                    row.put("lag", highest - p.commit());
                } else {
                    row.put("error", p.failure().getMessage());
                }
            }
            out.println(root.toPrettyString());
            return verdict.exitCode();
        }
        Table table = new Table("ID", "ADDRESS", "ROLE", "STATUS", "VIEW", "OP", "COMMIT", "LAG", "SESSIONS",
                "CLIENTS");
        for (Probe p : group.probes()) {
            if (p.reachable()) {
                table.row("r" + p.id(), p.server(), p.role(), p.status(), Probe.viewName(p.view()),
                        p.replica().path("op").asLong(),
                        p.commit(), highest - p.commit(), p.replica().path("sessions").asInt(), p.clients());
            } else {
                table.row("r" + group.idOf(p), p.server(), "-", "unreachable", "-", "-", "-", "-", "-", "-");
            }
        }
        out.print(table.render());
        out.println(verdict.text());
        return verdict.exitCode();
    }
}
