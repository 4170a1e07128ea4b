package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.RandomWorkload;
import io.viewkeeper.storage.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The process {@link CheckpointCrashTest} kills: it saves numbered checkpoints of a growing random tree in a loop,
 * printing {@code SAVING op digest} before each save and {@code SAVED op} after it returns.
 * Arguments: directory, seed, op base (so ops keep rising across runs on one directory), and optionally a mode:
 * {@code incremental} (the first save is full, the rest write changes), {@code full} (every save after the first
 * replaces the whole checkpoint), or {@code halt STEP N}: incremental saves, but save number N (from 0) is a full
 * one and the process halts, as abruptly as a kill, when that save reaches {@link CheckpointStore.FullSaveStep}
 * STEP.
 */
public final class CheckpointCrashChild {
    /** A child left running by a vanished parent stops on its own after this many saves. */
    static final int SAVES_MAX = 2_000;
    static final int FIRST_ROUND_OPS = 3_000;
    static final int ROUND_OPS = 300;
    /** The exit status of a child that halted itself at a step. */
    static final int HALTED_STATUS = 86;

    private CheckpointCrashChild() {
    }

    static byte[] clients(long op) {
        return ("client table at " + op).getBytes(StandardCharsets.UTF_8);
    }

    static long chain(long op) {
        return op * 0x9E3779B97F4A7C15L;
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        RandomWorkload workload = new RandomWorkload(Long.parseLong(args[1]));
        long base = Long.parseLong(args[2]);
        String mode = args.length > 3 ? args[3] : "incremental";
        int haltAtSave = mode.equals("halt") ? Integer.parseInt(args[5]) : -1;
        workload.run(FIRST_ROUND_OPS);
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            int[] save = {0};
            if (haltAtSave >= 0) {
                CheckpointStore.FullSaveStep haltStep = CheckpointStore.FullSaveStep.valueOf(args[4]);
                store.observeFullSaveSteps(step -> {
                    if (step == haltStep && save[0] == haltAtSave) {
                        System.out.println("HALTING at " + step);
                        System.out.flush();
                        Runtime.getRuntime().halt(HALTED_STATUS);
                    }
                });
            }
            for (; save[0] < SAVES_MAX; save[0]++) {
                long op = base + workload.zxid();
                System.out.println("SAVING " + op + " " + workload.machine().tree().digest());
                System.out.flush();
                if (save[0] == haltAtSave || (mode.equals("full") && save[0] > 0)) {
                    store.replaceAll(new TreeSnapshot.Image(workload.machine().tree(), workload.machine().sessions(),
                            workload.machine().lastZxid()), op, chain(op), clients(op));
                } else {
                    store.save(workload.machine(), op, chain(op), clients(op));
                }
                System.out.println("SAVED " + op);
                System.out.flush();
                workload.run(ROUND_OPS);
            }
        }
    }
}
