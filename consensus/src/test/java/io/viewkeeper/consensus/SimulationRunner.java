package io.viewkeeper.consensus;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs seeds, measures seeds per second, and on failure shrinks the settings (fewer clients, ops, ticks and
 * faults while the same kind of failure still reproduces) and writes a readable trace. {@code main} is the command
 * behind {@code simulate}: {@code --seeds N} from {@code --first S}, or {@code --seconds T}; {@code --trace S}
 * replays one seed and writes its trace; {@code --harsh true} (given first) triples faults and run length.
 */
public final class SimulationRunner {

    /** The outcome of one seed, with the disk and crash faults it injected. */
    public record Outcome(long seed, SimSettings settings, Simulation.Failure failure, long traceHash, long ticks,
                          long events, int acknowledgedWrites, int answeredReads, SimFaults faults) {
        public boolean failed() {
            return failure != null;
        }
    }

    private SimulationRunner() {
    }

    public static Outcome run(long seed, SimSettings settings, Set<PlantedBug> bugs, boolean tracing) {
        Simulation simulation = new Simulation(seed, settings, bugs, tracing);
        Simulation.Failure failure = simulation.runRandom();
        return new Outcome(seed, settings, failure, simulation.traceHash(), simulation.now, simulation.eventCount,
                simulation.clients().acknowledgedWrites(), simulation.clients().answeredReads(), simulation.faults());
    }

    public static Outcome run(long seed, Set<PlantedBug> bugs) {
        return run(seed, SimSettings.random(seed), bugs, false);
    }

    /**
     * Greedy shrinking: repeatedly takes the first smaller settings that still fail with the same kind, up to
     * {@code attemptsMax} runs. Returns the smallest failing outcome found.
     */
    public static Outcome shrink(Outcome failing, Set<PlantedBug> bugs, int attemptsMax) {
        Outcome smallest = failing;
        int attempts = 0;
        boolean progressed = true;
        while (progressed && attempts < attemptsMax) {
            progressed = false;
            for (SimSettings candidate : smallest.settings().shrinkCandidates()) {
                if (attempts++ >= attemptsMax) {
                    break;
                }
                Outcome outcome = run(smallest.seed(), candidate, bugs, false);
                if (outcome.failed() && outcome.failure().kind().equals(failing.failure().kind())) {
                    smallest = outcome;
                    progressed = true;
                    break;
                }
            }
        }
        return smallest;
    }

    /** Replays the outcome with tracing and writes the trace; returns the file written. */
    public static Path writeTrace(Outcome outcome, Set<PlantedBug> bugs, Path directory) throws IOException {
        Simulation simulation = new Simulation(outcome.seed(), outcome.settings(), bugs, true);
        Simulation.Failure failure = simulation.runRandom();
        List<String> lines = new ArrayList<>();
        lines.add("seed " + outcome.seed() + " settings " + outcome.settings());
        lines.add("failure " + failure);
        List<String> trace = simulation.trace();
        int from = Math.max(0, trace.size() - Integer.getInteger("sim.traceLines", 5000));
        lines.addAll(trace.subList(from, trace.size()));
        Files.createDirectories(directory);
        Path file = directory.resolve("seed-" + outcome.seed() + ".txt");
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    public static void main(String[] arguments) throws IOException {
        long first = 1;
        long seeds = 1000;
        double seconds = 0;
        boolean harsh = false;
        for (int i = 0; i + 1 < arguments.length; i += 2) {
            switch (arguments[i]) {
                case "--first" -> first = Long.parseLong(arguments[i + 1]);
                case "--seeds" -> seeds = Long.parseLong(arguments[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(arguments[i + 1]);
                case "--harsh" -> harsh = Boolean.parseBoolean(arguments[i + 1]);
                case "--trace" -> {
                    long seed = Long.parseLong(arguments[i + 1]);
                    SimSettings settings = harsh ? SimSettings.random(seed).harsher() : SimSettings.random(seed);
                    Outcome outcome = run(seed, settings, Set.of(), false);
                    System.out.println(outcome.failure() + " " + writeTrace(outcome, Set.of(), Path.of("target",
                            "sim-traces")));
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + arguments[i]);
            }
        }
        PrintStream out = System.out;
        long start = System.nanoTime();
        long ran = 0;
        int failures = 0;
        SimFaults faults = new SimFaults();
        for (long seed = first; seconds > 0 ? (System.nanoTime() - start) / 1e9 < seconds : seed < first + seeds;
                seed++) {
            Outcome outcome = harsh ? run(seed, SimSettings.random(seed).harsher(), Set.of(), false)
                    : run(seed, Set.of());
            ran++;
            faults.add(outcome.faults());
            if (outcome.failed()) {
                failures++;
                out.println("FAIL seed " + seed + " " + outcome.failure() + " settings " + outcome.settings());
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        out.printf("%d seeds, %d failures, %.1f s, %.1f seeds/s%n", ran, failures, elapsed, ran / elapsed);
        out.println("faults: " + faults);
    }
}
