package io.viewkeeper.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The bench's command line: the matrix (default), one load run against given servers, failover, memory, restart.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Viewkeeper side by side with Apache ZooKeeper 3.9.4 on loopback.",
        subcommands = {MatrixCommand.class, BenchMain.RunCommand.class, BenchMain.FailoverCommand.class,
            BenchMain.MemoryCommand.class, BenchMain.RestartCommand.class, BenchMain.ImportCommand.class,
            ScaleCommand.class, LearnersCommand.class, ReconfigCommand.class})
public final class BenchMain {
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "bench-logback.xml");
        }
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        if (arguments.isEmpty() || arguments.getFirst().startsWith("--") && !isHelp(arguments.getFirst())) {
            arguments.addFirst("matrix");
        }
        System.exit(commandLine().execute(arguments.toArray(String[]::new)));
    }

    /**
     * The bench's command line. Systems and mixes are converted as options are parsed, so an unknown one is a usage
     * error naming it (exit 2), not a stack trace from the middle of a run.
     */
    static CommandLine commandLine() {
        return new CommandLine(new BenchMain())
                .registerConverter(BenchSystem.class, id -> BenchSystem.parse(id.trim()))
                .registerConverter(MatrixPlan.StandardMix.class, id -> MatrixPlan.StandardMix.parse(id.trim()));
    }

    private static boolean isHelp(String argument) {
        return argument.equals("--help") || argument.equals("--version");
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "One load run against servers already running; prints its JSON summary line.")
    static final class RunCommand implements Callable<Integer> {
        @Option(names = "--servers", required = true, split = ",", description = "host:port of each server.")
        List<String> servers;

        @Option(names = "--system", defaultValue = "target", description = "Label in the summary.")
        String system;

        @Option(names = "--mix", defaultValue = "setData:1", description = "Ops and weights, e.g. getData:90,setData:10.")
        String mix;

        @Option(names = "--sessions", defaultValue = "16")
        int sessions;

        @Option(names = "--window", defaultValue = "8", description = "Requests outstanding per session.")
        int window;

        @Option(names = "--value-bytes", defaultValue = "100")
        int valueBytes;

        @Option(names = "--keys", defaultValue = "1000")
        int keys;

        @Option(names = "--distribution", defaultValue = "uniform", description = "uniform or zipfian.")
        String distribution;

        @Option(names = "--multi-size", defaultValue = "5", description = "setData ops per multi.")
        int multiSize;

        @Option(names = "--warmup-ms", defaultValue = "5000")
        long warmupMs;

        @Option(names = "--duration-ms", defaultValue = "15000")
        long durationMs;

        @Option(names = "--pin-sessions", defaultValue = "true", negatable = true,
                description = "Session i connects to server i mod n only (default); otherwise to any.")
        boolean pinSessions;

        @Override
        public Integer call() throws Exception {
            Workload workload = new Workload("custom", OpMix.parse(mix), sessions, window,
                    new Workload.Data(valueBytes, keys, distribution, multiSize), warmupMs, durationMs);
            RunResult result = new LoadGenerator(servers, pinSessions, 1).run(system, workload, 1, null);
            System.out.println(result.toJson());
            return 0;
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = "Kill -9 the leader under steady writes; report the longest gap with no acknowledged write.")
    static final class FailoverCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptionsMixin server;

        @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin")
        List<BenchSystem> systems;

        @Option(names = "--repeats", defaultValue = "3")
        int repeats;

        @Override
        public Integer call() throws Exception {
            BenchEnvironment environment = server.environment();
            BenchReport report = new BenchReport(environment, "failover");
            report.failover(Probes.failover(environment, systems, repeats, System.out));
            report.write();
            return 0;
        }
    }

    @Command(name = "memory", mixinStandardHelpOptions = true,
            description = "Heap after full GC before and after creating znodes of 100 B, per 1,000,000 znodes.")
    static final class MemoryCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptionsMixin server;

        @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin")
        List<BenchSystem> systems;

        @Option(names = "--znodes", defaultValue = "1000000")
        long znodes;

        @Override
        public Integer call() throws Exception {
            BenchEnvironment environment = server.environment();
            BenchReport report = new BenchReport(environment, "memory");
            report.memory(Probes.memory(environment, systems, znodes, System.out));
            report.write();
            return 0;
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Create znodes of 100 B, kill -9 every server, restart them all on the same data "
                    + "directories; report the time until a read is served and until every server is back.")
    static final class RestartCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptionsMixin server;

        @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin",
                description = "Systems, the first is the reference for ratios (default ${DEFAULT-VALUE}).")
        List<BenchSystem> systems;

        @Option(names = "--znodes", defaultValue = "1000000", description = "Znodes created before the kill "
                + "(default ${DEFAULT-VALUE}).")
        long znodes;

        @Option(names = "--repeats", defaultValue = "1", description = "Load, kill and restart cycles per system "
                + "(default ${DEFAULT-VALUE}).")
        int repeats;

        @Override
        public Integer call() throws Exception {
            BenchEnvironment environment = server.environment();
            BenchReport report = new BenchReport(environment, "restart");
            report.restart(Probes.restart(environment, systems, znodes, repeats, System.out));
            report.write();
            System.out.print(report.summary());
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Write a ZooKeeper data directory of znodes of 100 B (ZooKeeper's own snapshot and log "
                    + "writers), time 'viewkeeper import --replicas 3' on it with its peak heap and resident memory, "
                    + "and the heap one replica holds once it serves the imported tree.")
    static final class ImportCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptionsMixin server;

        @Option(names = "--znodes", defaultValue = "1000000", description = "Znodes in the snapshot (default "
                + "${DEFAULT-VALUE}), plus 1001 parents and " + ImportProbe.LOG_TAIL + " logged creates.")
        long znodes;

        @Override
        public Integer call() throws Exception {
            BenchEnvironment environment = server.environment();
            ImportProbe.ImportResult result = ImportProbe.run(environment, znodes, System.out);
            java.util.Map<String, Object> root = new java.util.LinkedHashMap<>();
            root.put("command", "import");
            root.put("serverJvmOptions", environment.jvmOptions());
            root.put("import", result.toMap());
            Files.writeString(environment.out().resolve("import.json"), Json.write(root) + "\n");
            String table = ImportProbe.table(result);
            Files.writeString(environment.out().resolve("import.md"), table);
            System.out.print(table);
            return 0;
        }
    }

    /** Options every command that launches servers shares, as a picocli mixin. */
    static final class ServerOptionsMixin {
        @Option(names = "--out", description = "Output directory (default: bench/target/bench-runs/<time>).")
        Path out;

        @Option(names = "--heap", defaultValue = "1g",
                description = "-Xms and -Xmx of every server JVM of every system (default ${DEFAULT-VALUE}).")
        String heap;

        @Option(names = "--base-port", defaultValue = "24181",
                description = "Client port of the first group; group k uses base + 10k (default ${DEFAULT-VALUE}).")
        int basePort;

        BenchEnvironment environment() throws java.io.IOException {
            Path directory = out;
            if (directory == null) {
                String fallback = System.getProperty("bench.defaultOut", "bench/target/bench-runs");
                directory = Path.of(fallback,
                        ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            }
            Files.createDirectories(directory);
            return BenchEnvironment.create(directory.toAbsolutePath(), heap, basePort);
        }
    }
}
