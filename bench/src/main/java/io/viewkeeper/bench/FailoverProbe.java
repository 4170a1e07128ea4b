package io.viewkeeper.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Failover under a steady write load: sessions spread over the whole group, the leader (srvr Mode: leader) is
 * killed with SIGKILL, and the longest interval with no acknowledged write around the kill is reported.
 */
public final class FailoverProbe {
    private FailoverProbe() {
    }

    /**
     * The outcome of one kill. gapMs is the longest interval without an acknowledged write that opened between the
     * last one before the kill and two seconds after it; resumedAfterKillMs is when the acknowledgement that ended
     * it came, from the kill (acknowledgements in the first milliseconds after a kill are often replies already on
     * their way); killedAt is the wall-clock time of the kill, to find it in the servers' logs.
     */
    public record FailoverResult(String system, int repeat, String killed, String killedAt, long gapMs,
            long resumedAfterKillMs, long writesAcknowledged) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("repeat", repeat);
            map.put("killed", killed);
            map.put("killedAt", killedAt);
            map.put("gapMs", gapMs);
            map.put("resumedAfterKillMs", resumedAfterKillMs);
            map.put("writesAcknowledged", writesAcknowledged);
            return map;
        }
    }

    /** The longest interval without an acknowledgement around a kill: its length and the time it ended. */
    record Gap(long nanos, long endNanos) {
    }

    /** Acknowledgement times, appended from client event threads, and when the load stopped. */
    static final class AckTimes implements LoadGenerator.AckListener {
        private long[] times = new long[1 << 16];
        private int size;
        private volatile long stoppedNanos;

        @Override
        public void onLoadStopped(long nanos) {
            stoppedNanos = nanos;
        }

        @Override
        public synchronized void onWriteAcknowledged(long nanos) {
            if (size == times.length) {
                times = Arrays.copyOf(times, size * 2);
            }
            times[size++] = nanos;
        }

        synchronized long[] sorted() {
            long[] copy = Arrays.copyOf(times, size);
            Arrays.sort(copy);
            return copy;
        }
    }

    /**
     * The failover takes this long at most: a gap that opens later (a checkpoint, a collection) is not the failover
     * and is left to the latency figures. A gap that opens within it counts whole, however long it lasts.
     */
    static final long FAILOVER_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(2);

    /**
     * The longest interval without an acknowledgement that opens between the last one before the kill and
     * {@code windowNanos} after the kill, up to the end of the load; acknowledgements after the end (the drain) do
     * not count. A load that never resumed ends its gap at the end.
     */
    static Gap longestGap(long[] sortedAcks, long killNanos, long endNanos, long windowNanos) {
        long previous = killNanos;
        for (long ack : sortedAcks) {
            if (ack <= killNanos) {
                previous = ack;
            }
        }
        Gap longest = new Gap(0, killNanos);
        for (long ack : sortedAcks) {
            if (ack > killNanos && ack <= endNanos) {
                if (ack - previous > longest.nanos()) {
                    longest = new Gap(ack - previous, ack);
                }
                previous = ack;
                if (previous - killNanos > windowNanos) {
                    return longest;
                }
            }
        }
        return endNanos - previous > longest.nanos() ? new Gap(endNanos - previous, endNanos) : longest;
    }

    public static FailoverResult run(BenchEnvironment environment, BenchSystem system, int repeat, long beforeMs,
            long afterMs) throws IOException, InterruptedException {
        try (ServerGroup group = system.group(environment.settings(system, 0, "failover-" + repeat))) {
            group.start();
            Workload workload = MatrixPlan.StandardMix.WRITE.workload(8, 4, 0, beforeMs + afterMs);
            AckTimes acks = new AckTimes();
            long[] kill = new long[1];
            String[] killed = new String[1];
            Instant[] killedAt = new Instant[1];
            Thread killer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(beforeMs);
                    Optional<Integer> leader = group.leaderIndex();
                    if (leader.isEmpty()) {
                        return;
                    }
                    ServerProcess victim = group.processes().get(leader.get());
                    killed[0] = victim.name() + " (pid " + victim.pid() + ")";
                    killedAt[0] = Instant.now();
                    kill[0] = System.nanoTime();
                    victim.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            LoadGenerator generator = new LoadGenerator(group.addresses(), false, 42 + repeat);
            generator.run(system.id(), workload, repeat, acks);
            long end = acks.stoppedNanos > 0 ? acks.stoppedNanos : System.nanoTime();
            killer.join();
            if (killed[0] == null) {
                throw new IllegalStateException(system.id() + ": no leader found to kill");
            }
            long[] sorted = acks.sorted();
            Gap gap = longestGap(sorted, kill[0], end, FAILOVER_WINDOW_NANOS);
            return new FailoverResult(system.id(), repeat, killed[0], killedAt[0].toString(),
                    TimeUnit.NANOSECONDS.toMillis(gap.nanos()), TimeUnit.NANOSECONDS.toMillis(gap.endNanos() - kill[0]),
                    sorted.length);
        }
    }
}
