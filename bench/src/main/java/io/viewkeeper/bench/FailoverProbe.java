package io.viewkeeper.bench;

import java.io.IOException;
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

    /** The outcome of one kill; gapMs is the longest interval without an acknowledged write from the kill on. */
    public record FailoverResult(String system, int repeat, String killed, long gapMs, long firstAckAfterKillMs,
            long writesAcknowledged) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("system", system);
            map.put("repeat", repeat);
            map.put("killed", killed);
            map.put("gapMs", gapMs);
            map.put("firstAckAfterKillMs", firstAckAfterKillMs);
            map.put("writesAcknowledged", writesAcknowledged);
            return map;
        }
    }

    /** Acknowledgement times, appended from client event threads. */
    static final class AckTimes implements LoadGenerator.AckListener {
        private long[] times = new long[1 << 16];
        private int size;

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

    /** The longest interval without an acknowledgement, from the last one before the kill to the end. */
    static long longestGapNanos(long[] sortedAcks, long killNanos, long endNanos) {
        long previous = killNanos;
        for (long ack : sortedAcks) {
            if (ack <= killNanos) {
                previous = ack;
            }
        }
        long longest = 0;
        for (long ack : sortedAcks) {
            if (ack > killNanos) {
                longest = Math.max(longest, ack - previous);
                previous = ack;
            }
        }
        return Math.max(longest, endNanos - previous);
    }

    public static FailoverResult run(BenchEnvironment environment, BenchSystem system, int repeat, long beforeMs,
            long afterMs) throws IOException, InterruptedException {
        try (ServerGroup group = system.group(environment.settings(system, 0, "failover-" + repeat))) {
            group.start();
            Workload workload = MatrixPlan.StandardMix.WRITE.workload(8, 4, 0, beforeMs + afterMs);
            AckTimes acks = new AckTimes();
            long[] kill = new long[1];
            String[] killed = new String[1];
            Thread killer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(beforeMs);
                    Optional<Integer> leader = group.leaderIndex();
                    if (leader.isEmpty()) {
                        return;
                    }
                    ServerProcess victim = group.processes().get(leader.get());
                    killed[0] = victim.name() + " (pid " + victim.pid() + ")";
                    kill[0] = System.nanoTime();
                    victim.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            LoadGenerator generator = new LoadGenerator(group.addresses(), false, 42 + repeat);
            generator.run(system.id(), workload, repeat, acks);
            long end = System.nanoTime();
            killer.join();
            if (killed[0] == null) {
                throw new IllegalStateException(system.id() + ": no leader found to kill");
            }
            long[] sorted = acks.sorted();
            long gap = longestGapNanos(sorted, kill[0], end);
            long firstAfter = Arrays.stream(sorted).filter(t -> t > kill[0]).findFirst().orElse(end) - kill[0];
            return new FailoverResult(system.id(), repeat, killed[0], TimeUnit.NANOSECONDS.toMillis(gap),
                    TimeUnit.NANOSECONDS.toMillis(firstAfter), sorted.length);
        }
    }
}
