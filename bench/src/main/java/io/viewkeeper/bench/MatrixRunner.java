package io.viewkeeper.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a matrix: starts one group per system (each in its own port slot; idle groups stay up in the background),
 * makes the planned runs in their interleaved order, prints each run's JSON line and appends it to
 * runs.jsonl, and stops every group it started.
 */
public final class MatrixRunner {
    private final BenchEnvironment environment;
    private final PrintStream log;
    private final long seed;

    public MatrixRunner(BenchEnvironment environment, PrintStream log, long seed) {
        this.environment = environment;
        this.log = log;
        this.seed = seed;
    }

    public List<RunResult> run(List<Workload> workloads, List<BenchSystem> systems, int repeats)
            throws IOException, InterruptedException {
        List<MatrixPlan.PlannedRun> plan = MatrixPlan.interleave(workloads, systems, repeats);
        List<ServerGroup> groups = new ArrayList<>();
        Path runsFile = environment.out().resolve("runs.jsonl");
        Files.deleteIfExists(runsFile);
        List<RunResult> results = new ArrayList<>();
        try {
            for (int slot = 0; slot < systems.size(); slot++) {
                ServerGroup group = systems.get(slot).group(environment.settings(systems.get(slot), slot, "matrix"));
                groups.add(group);
                log.printf("starting %s (%s) on %s%n", systems.get(slot).id(), systems.get(slot).description(),
                        group.settingsSummary());
                group.start();
            }
            int index = 0;
            for (MatrixPlan.PlannedRun planned : plan) {
                index++;
                ServerGroup group = groups.get(systems.indexOf(planned.system()));
                log.printf("[%d/%d] %s on %s, repeat %d%n", index, plan.size(), planned.workload().label(),
                        planned.system().id(), planned.repeat());
                requireAlive(group);
                LoadGenerator generator = new LoadGenerator(group.clientAddresses(), true, seed + planned.repeat(),
                        group::clientConfig);
                RunResult result = generator.run(planned.system().id(), planned.workload(), planned.repeat(), null);
                results.add(result);
                String line = result.toJson();
                log.println(line);
                Files.writeString(runsFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return results;
        } finally {
            for (ServerGroup group : groups) {
                group.close();
            }
        }
    }

    private static void requireAlive(ServerGroup group) {
        for (ServerProcess process : group.processes()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.name() + " (pid " + process.pid() + ") is no longer running");
            }
        }
    }
}
