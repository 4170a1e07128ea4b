package io.viewkeeper.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The standard matrix, the two systems interleaved, then optionally failover, memory, restart and the scale probe;
 * writes the report.
 */
@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = "Run the standard matrix (the default command) and print the side-by-side table.")
final class MatrixCommand implements Callable<Integer> {
    @CommandLine.Mixin
    BenchMain.ServerOptionsMixin server;

    @Option(names = "--quick", description = "Shorter runs (1 s warm-up, 3 s measured), 2 repeats, 1 failover kill, "
            + "200,000 znodes for memory and restart.")
    boolean quick;

    @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin,zk-nofsync,vk-seq",
            description = "Systems, the first is the reference for ratios (default ${DEFAULT-VALUE}).")
    List<BenchSystem> systems;

    @Option(names = "--mixes", split = ",", defaultValue = "write,create,read,read90,read50,multi5",
            description = "Workloads: write, create, read, read90, read50, multi5 (default ${DEFAULT-VALUE}).")
    List<MatrixPlan.StandardMix> mixes;

    @Option(names = "--sessions", split = ",", defaultValue = "4,16,64")
    List<Integer> sessions;

    @Option(names = "--window", defaultValue = "8")
    int window;

    @Option(names = "--repeats", description = "Runs per system and configuration (default 3, quick 2).")
    Integer repeats;

    @Option(names = "--warmup-ms", description = "Default 5000, quick 1000.")
    Long warmupMs;

    @Option(names = "--duration-ms", description = "Default 15000, quick 3000.")
    Long durationMs;

    @Option(names = "--failover", description = "Also measure failover (zk and vk-lin).")
    boolean failover;

    @Option(names = "--memory", description = "Also measure heap per znode (zk and vk-lin).")
    boolean memory;

    @Option(names = "--restart", description = "Also measure restart from disk after kill -9 of every server "
            + "(zk and vk-lin).")
    boolean restart;

    @Option(names = "--znodes", description = "Znodes for --memory and --restart (default 1,000,000, quick "
            + "200,000).")
    Long znodes;

    @Option(names = "--scale", description = "Also run the scale probe (zk and vk-lin) with the defaults of 'bench "
            + "scale': setData as each group grows to 0, 1,000,000 and 5,000,000 znodes, then 10,000 sessions "
            + "watching 10 znodes each and one change firing 10,000 watches (quick: 0 and 200,000 znodes, 1,000 "
            + "sessions). Results also in scale.json and scale.md.")
    boolean scale;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Override
    public Integer call() throws Exception {
        BenchEnvironment environment = server.environment();
        List<BenchSystem> chosen = systems;
        List<Workload> workloads = new ArrayList<>();
        long warmup = warmupMs != null ? warmupMs : quick ? 1000 : 5000;
        long duration = durationMs != null ? durationMs : quick ? 3000 : 15000;
        for (MatrixPlan.StandardMix mix : mixes) {
            for (int count : sessions) {
                workloads.add(mix.workload(count, window, warmup, duration));
            }
        }
        int repeatCount = repeats != null ? repeats : quick ? 2 : 3;
        BenchReport report = new BenchReport(environment, "matrix");
        report.matrix(chosen, repeatCount, new MatrixRunner(environment, System.out, seed)
                .run(workloads, chosen, repeatCount));
        report.write();
        List<BenchSystem> pair = List.of(BenchSystem.ZK, BenchSystem.VK_LINEARIZABLE);
        if (failover) {
            report.failover(Probes.failover(environment, pair, quick ? 1 : 3, System.out));
            report.write();
        }
        long count = znodes != null ? znodes : quick ? 200_000 : 1_000_000;
        if (memory) {
            report.memory(Probes.memory(environment, pair, count, System.out));
            report.write();
        }
        if (restart) {
            report.restart(Probes.restart(environment, pair, count, 1, System.out));
            report.write();
        }
        String scaleTable = "";
        if (scale) {
            scaleTable = ScaleProbe.measure(environment, "matrix", pair,
                    quick ? List.of(0L, 200_000L) : List.of(0L, 1_000_000L, 5_000_000L),
                    ScaleProbe.writes(16, quick ? 1000 : 3000, quick ? 3000 : 10_000), quick ? 1000 : 10_000, 10,
                    System.out);
        }
        System.out.println();
        System.out.print(report.summary());
        System.out.print(scaleTable);
        System.out.println("results: " + environment.out());
        return 0;
    }
}
