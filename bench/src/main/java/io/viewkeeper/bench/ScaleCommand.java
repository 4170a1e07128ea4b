package io.viewkeeper.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench scale}: writes as the tree grows, and many sessions and watches with one change firing many. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "setData throughput and p99 as one group grows through the tree sizes given (znodes of 100 B "
                + "under 1,000 parents); then, on a fresh group, many sessions each watching several znodes, and the "
                + "time one setData takes to reach every session's watch. Results in scale.json and scale.md.")
final class ScaleCommand implements Callable<Integer> {
    @CommandLine.Mixin
    BenchMain.ServerOptionsMixin server;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--systems", split = ",", defaultValue = "zk,vk-lin",
            description = "Systems, measured one after the other (default ${DEFAULT-VALUE}).")
    List<BenchSystem> systems;

    @Option(names = "--znodes", split = ",", defaultValue = "0,1000000,5000000",
            description = "Tree sizes to measure writes at, ascending (default ${DEFAULT-VALUE}).")
    List<Long> znodes;

    @Option(names = "--no-tree", description = "Skip the writes as the tree grows: only the sessions and watches.")
    boolean noTree;

    @Option(names = "--write-sessions", defaultValue = "16", description = "Sessions of the setData load.")
    int writeSessions;

    @Option(names = "--warmup-ms", defaultValue = "3000")
    long warmupMs;

    @Option(names = "--duration-ms", defaultValue = "10000", description = "Measured time per tree size.")
    long durationMs;

    @Option(names = "--sessions", defaultValue = "10000",
            description = "Sessions opened for the watch probe (default ${DEFAULT-VALUE}); 0 skips it. Every "
                    + "session is a connection of the bench speaking the wire protocol on one shared event loop.")
    int sessions;

    @Option(names = "--watches-per-session", defaultValue = "10",
            description = "Znodes each session watches (default ${DEFAULT-VALUE}); one of them changes.")
    int watchesPerSession;

    @Override
    public Integer call() throws Exception {
        for (int i = 1; i < znodes.size(); i++) {
            if (znodes.get(i) < znodes.get(i - 1) || znodes.get(i - 1) < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--znodes must be ascending and not negative: " + znodes);
            }
        }
        BenchEnvironment environment = server.environment();
        Workload writes = new Workload("setData-100B", OpMix.parse("setData:1"), writeSessions, 8,
                new Workload.Data(ScaleProbe.VALUE_BYTES, 1000, "uniform", 1), warmupMs, durationMs);
        List<ScaleProbe.SizeResult> sizes = new ArrayList<>();
        List<ScaleProbe.WatchResult> watches = new ArrayList<>();
        for (BenchSystem system : systems) {
            if (!noTree) {
                System.out.printf("scale: %s, writes at %s znodes%n", system.id(), znodes);
                sizes.addAll(ScaleProbe.sizes(environment, system, znodes, writes, System.out));
            }
            if (sessions > 0) {
                System.out.printf("scale: %s, %,d sessions watching %d znodes each%n", system.id(), sessions,
                        watchesPerSession);
                watches.add(ScaleProbe.watches(environment, system, sessions, watchesPerSession, System.out));
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "scale");
        root.put("serverJvmOptions", environment.jvmOptions());
        root.put("sizes", sizes.stream().map(ScaleProbe.SizeResult::toMap).toList());
        root.put("watches", watches.stream().map(ScaleProbe.WatchResult::toMap).toList());
        Files.writeString(environment.out().resolve("scale.json"), Json.write(root) + "\n");
        String table = ScaleProbe.table(sizes, watches);
        Files.writeString(environment.out().resolve("scale.md"), table);
        System.out.print(table);
        return 0;
    }
}
