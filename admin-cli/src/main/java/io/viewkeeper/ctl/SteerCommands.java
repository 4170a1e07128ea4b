package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** The commands that change the group: a view change and a checkpoint. Both need the admin token. */
final class SteerCommands {
    private static final long POLL_MS = 100;

    private SteerCommands() {
    }

    @Command(name = "view-change", mixinStandardHelpOptions = true,
            description = "Asks the primary to step down (or --replica ID to start a view change, as on a timeout) "
                    + "and waits until a primary is normal in a newer view.")
    static final class ViewChange implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--replica", paramLabel = "ID", description = "Send it to this replica instead of the primary.")
        Integer replica;

        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "10",
                description = "How long to wait for the new primary (default: ${DEFAULT-VALUE}; 0: do not wait).")
        int waitSeconds;

        @Override
        public Integer call() throws AdminClient.CallFailure, InterruptedException {
            AdminClient client = vkctl.client();
            List<String> servers = vkctl.servers();
            GroupView before = GroupView.probe(client, servers);
            Probe target = GroupCommands.target(before, replica);
            Probe oldPrimary = before.primary();
            JsonNode answer = client.mutate(target.server(), "view-change");
            PrintWriter out = vkctl.out();
            long toView = answer.path("to_view").asLong();
            out.println("r" + target.id() + " started view change " + answer.path("from_view").asLong() + " -> "
                    + toView + " (next primary r" + answer.path("next_primary_id").asInt() + ")");
            if (waitSeconds <= 0) {
                return ExitCodes.OK;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
            while (System.nanoTime() < deadline) {
                Probe primary = GroupView.probe(client, servers).primary();
                if (primary != null && primary.view() >= toView) {
                    out.println("primary " + (oldPrimary == null ? "none" : "r" + oldPrimary.id() + " (view "
                            + Probe.viewName(oldPrimary.view()) + ")") + " -> r" + primary.id() + " (view "
                            + Probe.viewName(primary.view()) + ")");
                    return ExitCodes.OK;
                }
                TimeUnit.MILLISECONDS.sleep(POLL_MS);
            }
            vkctl.spec.commandLine().getErr().println("vkctl: no primary normal in view " + toView + " or later within "
                    + waitSeconds + " s; see 'vkctl status'");
            return ExitCodes.TIMED_OUT;
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = "Takes a checkpoint at the commit number now, on every replica (or --replica ID).")
    static final class Checkpoint implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Option(names = "--replica", paramLabel = "ID", description = "Only on this replica.")
        Integer replica;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            AdminClient client = vkctl.client();
            GroupView group = GroupView.probe(client, vkctl.servers());
            List<Probe> targets = replica == null ? group.probes() : List.of(GroupCommands.target(group, replica));
            PrintWriter out = vkctl.out();
            PrintWriter err = vkctl.spec.commandLine().getErr();
            int exit = ExitCodes.OK;
            for (Probe p : targets) {
                if (!p.reachable()) {
                    err.println("vkctl: " + p.failure().getMessage());
                    exit = Math.max(exit, ExitCodes.UNREACHABLE);
                    continue;
                }
                try {
                    JsonNode answer = client.mutate(p.server(), "checkpoint");
                    out.println("r" + p.id() + ": checkpoint at op " + answer.path("checkpoint_op").asLong()
                            + ", log starts after op " + answer.path("log_start_op").asLong());
                } catch (AdminClient.CallFailure failure) {
                    if (failure.exitCode() == ExitCodes.AUTH) {
                        throw failure;
                    }
                    err.println("vkctl: " + failure.getMessage());
                    exit = Math.max(exit, failure.exitCode());
                }
            }
            return exit;
        }
    }
}
