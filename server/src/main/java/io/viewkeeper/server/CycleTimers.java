package io.viewkeeper.server;

import java.util.EnumMap;
import java.util.Map;

/**
 * The replica thread's periodic work, from one reading of the clock per duty cycle: the replica's tick, the
 * frontend's tick (expiry, resubmission, handshakes) and the container and TTL reaper, each on its own period, so
 * that a reaper configured to run every millisecond (ZooKeeper's {@code znode.container.checkIntervalMs}) does, and
 * is not held to the frontend's tick. Invariant: a timer is due at most once per reading, and its next deadline is
 * always in the future of the reading that fired it.
 */
final class CycleTimers {

    /** What runs on a period. */
    enum Timer { REPLICA_TICK, FRONTEND_TICK, REAPER }

    private final Map<Timer, Long> periodMs = new EnumMap<>(Timer.class);
    private final Map<Timer, Long> nextMs = new EnumMap<>(Timer.class);

    CycleTimers(long nowMs, long replicaTickMs, long frontendTickMs, long reaperMs) {
        periodMs.put(Timer.REPLICA_TICK, requirePositive("replicaTickMs", replicaTickMs));
        periodMs.put(Timer.FRONTEND_TICK, requirePositive("frontendTickMs", frontendTickMs));
        periodMs.put(Timer.REAPER, requirePositive("reaperMs", reaperMs));
        periodMs.forEach((timer, period) -> nextMs.put(timer, nowMs + period));
    }

    private static long requirePositive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    /** How long the cycle may wait for input before the next timer is due: at least 1 ms, at most the soonest. */
    long waitMs(long nowMs) {
        long soonest = Long.MAX_VALUE;
        for (long next : nextMs.values()) {
            soonest = Math.min(soonest, next);
        }
        return Math.max(1, soonest - nowMs);
    }

    /** Whether {@code timer} is due at {@code nowMs}; if so, its next deadline is one period from now. */
    boolean due(Timer timer, long nowMs) {
        if (nowMs < nextMs.get(timer)) {
            return false;
        }
        nextMs.put(timer, nowMs + periodMs.get(timer));
        return true;
    }
}
