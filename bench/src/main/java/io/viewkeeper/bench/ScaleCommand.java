package io.viewkeeper.bench;

import java.util.List;
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
        Workload writes = ScaleProbe.writes(writeSessions, warmupMs, durationMs);
        System.out.print(ScaleProbe.measure(environment, "scale", systems, noTree ? List.of() : znodes, writes,
                sessions, watchesPerSession, System.out));
        return 0;
    }
}
