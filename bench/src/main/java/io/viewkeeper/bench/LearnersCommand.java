package io.viewkeeper.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench learners}: what observers cost the voters. For each system and observer count, a fresh group of three
 * voters and that many observers takes a setData load through the voters only; the throughput and latency show
 * whether shipping the log to the observers slows the commit path.
 */
@Command(name = "learners", mixinStandardHelpOptions = true,
        description = "setData throughput and latency of three voters with 0, 1 and 3 observers (learners) beside "
                + "them, clients on the voters only. Results in learners.json and learners.md.")
final class LearnersCommand implements Callable<Integer> {
    @CommandLine.Mixin
    BenchMain.ServerOptionsMixin server;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin",
            description = "Systems, measured one after the other (default ${DEFAULT-VALUE}).")
    List<BenchSystem> systems;

    @Option(names = "--learners", split = ",", defaultValue = "0,1,3",
            description = "Observer counts, each on a fresh group (default ${DEFAULT-VALUE}; at most 4).")
    List<Integer> learners;

    @Option(names = "--sessions", defaultValue = "16", description = "Sessions of the setData load.")
    int sessions;

    @Option(names = "--warmup-ms", defaultValue = "3000")
    long warmupMs;

    @Option(names = "--duration-ms", defaultValue = "10000", description = "Measured time per group.")
    long durationMs;

    /** One group's run. */
    record Result(String system, int learners, double writesPerSecond, long p50Micros, long p99Micros,
            long errors) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("learners", learners);
            map.put("writesPerSecond", Math.round(writesPerSecond));
            map.put("p50Micros", p50Micros);
            map.put("p99Micros", p99Micros);
            map.put("errors", errors);
            return map;
        }
    }

    @Override
    public Integer call() throws Exception {
        for (int count : learners) {
            if (count < 0 || count > 4) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--learners counts must be 0 to 4 (three voters and at most seven servers): " + learners);
            }
        }
        BenchEnvironment environment = server.environment();
        Workload writes = new Workload("setData-100B", OpMix.parse("setData:1"), sessions, 8,
                new Workload.Data(100, 1000, "uniform", 1), warmupMs, durationMs);
        List<Result> results = new ArrayList<>();
        for (BenchSystem system : systems) {
            if (system == BenchSystem.ZK_STANDALONE) {
                throw new CommandLine.ParameterException(spec.commandLine(), "a standalone server has no observers");
            }
            for (int count : learners) {
                ServerGroup.Settings base = environment.settings(system, 0, "learners-" + count);
                ServerGroup.Settings settings = new ServerGroup.Settings(base.system(), 3 + count,
                        base.clientPort(), base.workDir(), base.javaExecutable(), base.jvmOptions(),
                        base.classpath());
                System.out.printf("learners: %s with %d observers%n", system.id(), count);
                try (ServerGroup group = system.group(settings).withObservers(count)) {
                    group.start();
                    RunResult run = new LoadGenerator(group.voterAddresses(), true, 23).run(system.id(), writes, 1,
                            null);
                    Result result = new Result(system.id(), count, run.throughput(), run.latency().p50(),
                            run.latency().p99(), run.errorCount());
                    System.out.println(Json.write(result.toMap()));
                    results.add(result);
                }
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "learners");
        root.put("serverJvmOptions", environment.jvmOptions());
        root.put("results", results.stream().map(Result::toMap).toList());
        Files.writeString(environment.out().resolve("learners.json"), Json.write(root) + "\n");
        String table = table(results);
        Files.writeString(environment.out().resolve("learners.md"), table);
        System.out.print(table);
        return 0;
    }

    static String table(List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append("| system | observers | setData/s | p50 ms | p99 ms | errors |\n");
        out.append("|---|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %d |%n", r.system(),
                    r.learners(), r.writesPerSecond(), r.p50Micros() / 1000.0, r.p99Micros() / 1000.0, r.errors()));
        }
        return out.toString();
    }
}
