package io.viewkeeper.bench;

/**
 * What one run asks of a system: the op mix, how many sessions with how many requests outstanding each (a closed
 * loop), the data (value size, key count and how keys are chosen), and how long to warm up and to measure.
 */
public record Workload(
        String name,
        OpMix mix,
        int sessions,
        int window,
        Data data,
        long warmupMs,
        long durationMs) {

    /** The keys and values requests touch; multiSize is the number of setData ops in one multi. */
    public record Data(int valueBytes, int keyCount, String distribution, int multiSize) {
        public Data {
            require(valueBytes >= 0 && valueBytes <= 1 << 20, "valueBytes in [0, 1 MiB]", valueBytes);
            require(keyCount > 0 && keyCount <= 10_000_000, "keyCount in [1, 10M]", keyCount);
            require(multiSize > 0 && multiSize <= keyCount && multiSize <= 1000, "multiSize in [1, min(keyCount, 1000)]",
                    multiSize);
            KeyChooser.of(distribution, Math.max(keyCount, 2));
        }
    }

    public static final int SESSIONS_MAX = 4096;
    public static final int WINDOW_MAX = 1024;

    public Workload {
        require(sessions > 0 && sessions <= SESSIONS_MAX, "sessions in [1, " + SESSIONS_MAX + "]", sessions);
        require(window > 0 && window <= WINDOW_MAX, "window in [1, " + WINDOW_MAX + "]", window);
        require(warmupMs >= 0, "warmupMs >= 0", warmupMs);
        require(durationMs > 0, "durationMs > 0", durationMs);
    }

    /** The label a table row carries, such as {@code write-100B s=16 w=8}. */
    public String label() {
        return name + " s=" + sessions + " w=" + window;
    }

    private static void require(boolean holds, String what, long value) {
        if (!holds) {
            throw new IllegalArgumentException("workload needs " + what + ", got " + value);
        }
    }
}
