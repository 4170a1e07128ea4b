package io.viewkeeper.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs failover and memory probes for several systems, alternating them repeat by repeat. */
final class Probes {
    static final long FAILOVER_BEFORE_MS = 5000;
    static final long FAILOVER_AFTER_MS = 15000;

    private Probes() {
    }

    static List<BenchSystem> systems(List<String> ids) {
        return ids.stream().map(String::trim).map(BenchSystem::parse).toList();
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
}
