package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.RandomWorkload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The process {@link CheckpointCrashTest} kills: it saves numbered checkpoints of a growing random tree in a loop,
 * printing {@code SAVING op digest} before each save and {@code SAVED op} after it returns.
 * Arguments: directory, seed, op base (so ops keep rising across runs on one directory).
 */
public final class CheckpointCrashChild {
    /** A child left running by a vanished parent stops on its own after this many saves. */
    static final int SAVES_MAX = 2_000;
    static final int FIRST_ROUND_OPS = 3_000;
    static final int ROUND_OPS = 300;

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
        workload.run(FIRST_ROUND_OPS);
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            for (int i = 0; i < SAVES_MAX; i++) {
                long op = base + workload.zxid();
                System.out.println("SAVING " + op + " " + workload.machine().tree().digest());
                System.out.flush();
                store.save(workload.machine(), op, chain(op), clients(op));
                System.out.println("SAVED " + op);
                System.out.flush();
                workload.run(ROUND_OPS);
            }
        }
    }
}
