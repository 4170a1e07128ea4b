package io.viewkeeper.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs failover, memory and restart probes for several systems, alternating them repeat by repeat. */
final class Probes {
    static final long FAILOVER_BEFORE_MS = 5000;
    static final long FAILOVER_AFTER_MS = 15000;

    private Probes() {
    }

    static List<FailoverProbe.FailoverResult> failover(BenchEnvironment environment, List<BenchSystem> systems,
            int repeats, PrintStream log) throws IOException, InterruptedException {
        List<FailoverProbe.FailoverResult> results = new ArrayList<>();
        for (int repeat = 1; repeat <= repeats; repeat++) {
            for (BenchSystem system : systems) {
                log.printf("failover: %s, repeat %d%n", system.id(), repeat);
                FailoverProbe.FailoverResult result = FailoverProbe.run(environment, system, repeat,
                        FAILOVER_BEFORE_MS, FAILOVER_AFTER_MS);
                log.println(Json.write(result.toMap()));
                results.add(result);
            }
        }
        return results;
    }

    static List<MemoryProbe.MemoryResult> memory(BenchEnvironment environment, List<BenchSystem> systems,
            long znodes, PrintStream log) throws IOException, InterruptedException {
        List<MemoryProbe.MemoryResult> results = new ArrayList<>();
        for (BenchSystem system : systems) {
            log.printf("memory: %s, %,d znodes%n", system.id(), znodes);
            MemoryProbe.MemoryResult result = MemoryProbe.run(environment, system, znodes);
            log.println(Json.write(result.toMap()));
            results.add(result);
        }
        return results;
    }

    static List<RestartProbe.RestartResult> restart(BenchEnvironment environment, List<BenchSystem> systems,
            long znodes, int repeats, PrintStream log) throws IOException, InterruptedException {
        List<RestartProbe.RestartResult> results = new ArrayList<>();
        for (int repeat = 1; repeat <= repeats; repeat++) {
            for (BenchSystem system : systems) {
                log.printf("restart: %s, %,d znodes, repeat %d%n", system.id(), znodes, repeat);
                RestartProbe.RestartResult result = RestartProbe.run(environment, system, repeat, znodes);
                log.println(Json.write(result.toMap()));
                results.add(result);
            }
        }
        return results;
    }
}
