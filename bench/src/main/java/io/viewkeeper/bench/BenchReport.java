package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a bench invocation measured, written as results.json (every run, failover, memory and restart), the tables
 * as table.md (matrix, then restart) and the chart as chart.svg in the output directory. The caveats travel with
 * the figures.
 */
final class BenchReport {
    static final String CAVEAT = "Viewkeeper 'vk-lin' and 'vk-seq' run with fsync=always (a group-committed "
            + "write-ahead log, one fsync per batch, default checkpoint settings) and ZooKeeper 'zk' fsyncs its "
            + "transaction log; 'zk-nofsync' runs with forceSync=no to show fsync's share. On a shared machine "
            + "absolute figures drift; ratios taken in the same run hold better.";

    private final BenchEnvironment environment;
    private final String command;
    private final ZonedDateTime started = ZonedDateTime.now();
    private List<BenchSystem> systems = List.of();
    private int repeats;
    private List<RunResult> runs = List.of();
    private List<FailoverProbe.FailoverResult> failovers = List.of();
    private List<MemoryProbe.MemoryResult> memories = List.of();
    private List<RestartProbe.RestartResult> restarts = List.of();

    BenchReport(BenchEnvironment environment, String command) {
        this.environment = environment;
        this.command = System.getProperty("bench.command", command);
    }

    void matrix(List<BenchSystem> chosen, int repeatCount, List<RunResult> results) {
        this.systems = chosen;
        this.repeats = repeatCount;
        this.runs = List.copyOf(results);
    }

    void failover(List<FailoverProbe.FailoverResult> results) {
        this.failovers = List.copyOf(results);
    }

    void memory(List<MemoryProbe.MemoryResult> results) {
        this.memories = List.copyOf(results);
    }

    void restart(List<RestartProbe.RestartResult> results) {
        this.restarts = List.copyOf(results);
    }

    void write() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", started.toString());
        root.put("command", command);
        root.put("machine", machine());
        root.put("serverJvmOptions", environment.jvmOptions());
        root.put("caveat", CAVEAT);
        root.put("systems", systems.stream().map(s -> Map.of("id", s.id(), "description", s.description())).toList());
        root.put("repeats", repeats);
        root.put("runs", runs.stream().map(RunResult::toMap).toList());
        root.put("failover", failovers.stream().map(FailoverProbe.FailoverResult::toMap).toList());
        root.put("memory", memories.stream().map(MemoryProbe.MemoryResult::toMap).toList());
        root.put("restart", restarts.stream().map(RestartProbe.RestartResult::toMap).toList());
        Files.writeString(environment.out().resolve("results.json"), Json.write(root) + "\n");
        String tables = (runs.isEmpty() ? "" : ResultTable.format(Medians.of(runs), systems))
                + (runs.isEmpty() || restarts.isEmpty() ? "" : "\n") + RestartProbe.table(restarts);
        if (!tables.isEmpty()) {
            Files.writeString(environment.out().resolve("table.md"), tables);
        }
        if (!runs.isEmpty()) {
            Files.writeString(environment.out().resolve("chart.svg"), SvgChart.render(Medians.of(runs), systems,
                    "Medians of " + repeats + " runs; fsync on for zk, vk-lin and vk-seq"));
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return machine;
    }

    String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s, %d cores, %s; servers %s%n", started.toLocalDate(),
                Runtime.getRuntime().availableProcessors(), machine().get("java"),
                String.join(" ", environment.jvmOptions())));
        out.append("Caveat: ").append(CAVEAT).append('\n');
        if (!runs.isEmpty()) {
            out.append(String.format(Locale.ROOT, "Medians of %d runs per system and configuration:%n", repeats));
            out.append(ResultTable.format(Medians.of(runs), systems));
        }
        for (String line : failoverLines()) {
            out.append(line).append('\n');
        }
        for (MemoryProbe.MemoryResult memory : memories) {
            out.append(String.format(Locale.ROOT,
                    "memory %s: %,d znodes of 100 B; heap after full GC grew by %,.0f MB per 1,000,000 znodes "
                            + "(%,.0f B per znode, mean of %d servers), %,.0f MB on the leader; heap after the fill "
                            + "summed over the servers %,.1f MB%s%n",
                    memory.system(), memory.znodes(), memory.meanBytesPerMillion() / 1e6, memory.bytesPerZnode(),
                    memory.beforeBytes().size(), memory.bytesPerMillion(memory.leader()) / 1e6,
                    memory.totalAfterBytes() / 1e6, memoryRatio(memory)));
        }
        for (MemoryProbe.MemoryResult memory : memories) {
            out.append(String.format(Locale.ROOT, "heap histogram of %s server %d (the most heap after the fill, "
                    + "%,.1f MB; top %d classes):%n", memory.system(), memory.largest() + 1,
                    memory.afterBytes().get(memory.largest()) / 1e6, memory.largestHistogram().size() - 1));
            for (HeapProbe.ClassShare share : memory.largestHistogram()) {
                out.append(String.format(Locale.ROOT, "  %,14d B %,12d  %s%n", share.bytes(), share.instances(),
                        share.className()));
            }
        }
        out.append(restartLines());
        return out.toString();
    }

    /** " (0.45x zk)": the summed heap against the first system's, when this is not the first. */
    private String memoryRatio(MemoryProbe.MemoryResult memory) {
        MemoryProbe.MemoryResult reference = memories.getFirst();
        if (reference == memory || reference.totalAfterBytes() <= 0) {
            return "";
        }
        return String.format(Locale.ROOT, " (%.2fx %s; growth %.2fx)",
                (double) memory.totalAfterBytes() / reference.totalAfterBytes(), reference.system(),
                memory.meanBytesPerMillion() / reference.meanBytesPerMillion());
    }

    /** The restart table after a line on what it measured; nothing when restart was not measured. */
    String restartLines() {
        if (restarts.isEmpty()) {
            return "";
        }
        return String.format(Locale.ROOT, "restart: %,d znodes of 100 B, kill -9 of every server, all restarted "
                + "on their data directories; ms from the restart command to the first getData served and to "
                + "every server back in the group (srvr), median of %d:%n", restarts.getFirst().znodes(),
                restarts.stream().filter(r -> r.system().equals(restarts.getFirst().system())).count())
                + RestartProbe.table(restarts);
    }

    private List<String> failoverLines() {
        Map<String, List<Long>> gaps = new LinkedHashMap<>();
        for (FailoverProbe.FailoverResult result : failovers) {
            gaps.computeIfAbsent(result.system(), k -> new ArrayList<>()).add(result.gapMs());
        }
        List<String> lines = new ArrayList<>();
        gaps.forEach((system, values) -> lines.add(String.format(Locale.ROOT,
                "failover %s: longest gap with no acknowledged write after kill -9 of the leader, median %.0f ms "
                        + "of %s ms", system, Medians.median(values.stream().mapToDouble(Long::doubleValue).toArray()),
                values)));
        return lines;
    }
}
