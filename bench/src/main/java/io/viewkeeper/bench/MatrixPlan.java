package io.viewkeeper.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of the runs of a matrix: for each configuration, repeat after repeat, every system once in turn
 * (A B A B ...), so drift on a shared machine falls on all systems alike rather than on whichever ran last.
 */
public final class MatrixPlan {
    private MatrixPlan() {
    }

    /** One run to make; repeat counts from 1. */
    public record PlannedRun(Workload workload, BenchSystem system, int repeat) {
    }

    public static List<PlannedRun> interleave(List<Workload> workloads, List<BenchSystem> systems, int repeats) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
        }
        List<PlannedRun> runs = new ArrayList<>();
        for (Workload workload : workloads) {
            for (int repeat = 1; repeat <= repeats; repeat++) {
                for (BenchSystem system : systems) {
                    runs.add(new PlannedRun(workload, system, repeat));
                }
            }
        }
        return runs;
    }

    /** The standard matrix: six mixes of 100-byte values on 1000 uniform keys, each at every session count. */
    public static List<Workload> standard(List<Integer> sessionCounts, int window, long warmupMs, long durationMs) {
        List<Workload> workloads = new ArrayList<>();
        for (StandardMix mix : StandardMix.values()) {
            for (int sessions : sessionCounts) {
                workloads.add(mix.workload(sessions, window, warmupMs, durationMs));
            }
        }
        return workloads;
    }

    /** The mixes of the standard matrix. */
    public enum StandardMix {
        WRITE("write", "setData:1", 1),
        CREATE("create", "create:1", 1),
        READ("read", "getData:1", 1),
        READ90("read90", "getData:90,setData:10", 1),
        READ50("read50", "getData:50,setData:50", 1),
        MULTI5("multi5", "multi:1", 5);

        static final int VALUE_BYTES = 100;
        static final int KEY_COUNT = 1000;

        private final String id;
        private final String mix;
        private final int multiSize;

        StandardMix(String id, String mix, int multiSize) {
            this.id = id;
            this.mix = mix;
            this.multiSize = multiSize;
        }

        public String id() {
            return id;
        }

        public Workload workload(int sessions, int window, long warmupMs, long durationMs) {
            return new Workload(id, OpMix.parse(mix), sessions, window,
                    new Workload.Data(VALUE_BYTES, KEY_COUNT, "uniform", multiSize), warmupMs, durationMs);
        }

        public static StandardMix parse(String id) {
            for (StandardMix mix : values()) {
                if (mix.id.equals(id)) {
                    return mix;
                }
            }
            throw new IllegalArgumentException("unknown mix '" + id + "'; one of write, create, read, read90, "
                    + "read50, multi5");
        }
    }
}
