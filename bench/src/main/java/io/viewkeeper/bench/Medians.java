package io.viewkeeper.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Medians over the repeats of each (configuration, system), in the order configurations first appear. */
public final class Medians {
    /** Median throughput (ops/s) and p99 latency (microseconds) of one system on one configuration. */
    public record Cell(double throughput, double p99Us, int runs, long errors) {
    }

    private final Map<String, Map<BenchSystem, Cell>> cells = new LinkedHashMap<>();

    public static Medians of(Collection<RunResult> results) {
        Map<String, Map<BenchSystem, List<RunResult>>> grouped = new LinkedHashMap<>();
        for (RunResult result : results) {
            grouped.computeIfAbsent(result.workload().label(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(BenchSystem.parse(result.system()), k -> new ArrayList<>()).add(result);
        }
        Medians medians = new Medians();
        grouped.forEach((label, bySystem) -> bySystem.forEach((system, runs) -> medians.cells
                .computeIfAbsent(label, k -> new LinkedHashMap<>())
                .put(system, new Cell(median(runs.stream().mapToDouble(RunResult::throughput).toArray()),
                        median(runs.stream().mapToDouble(r -> r.latency().p99()).toArray()), runs.size(),
                        runs.stream().mapToLong(RunResult::errorCount).sum()))));
        return medians;
    }

    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public List<String> configurations() {
        return List.copyOf(cells.keySet());
    }

    public Cell cell(String configuration, BenchSystem system) {
        Map<BenchSystem, Cell> row = cells.get(configuration);
        return row == null ? null : row.get(system);
    }
}
