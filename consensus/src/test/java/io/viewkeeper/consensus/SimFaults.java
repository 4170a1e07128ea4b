package io.viewkeeper.consensus;

import java.util.Locale;
import java.util.StringJoiner;

/**
 * How often each disk and crash fault happened in one run, or summed over many: what the seeds actually
 * exercised, so a fault kind that stops occurring (a setting drawn to zero, a guard that never opens) shows up as
 * a zero in the report and fails the test that asserts it occurs. Invariant: counts only grow.
 */
public final class SimFaults {

    /** A fault the simulator injected, or its consequence the driver detected. */
    public enum Kind {
        CRASH_INTACT,
        CRASH_UNSYNCED_LOST,
        CRASH_TORN_WRITE,
        CRASH_WIPED,
        /** A synced log entry was damaged on disk. */
        ENTRY_CORRUPTED,
        /** The stored checkpoint was damaged on disk. */
        CHECKPOINT_CORRUPTED,
        /** A restart found the checkpoint failing its checksum, and the replica recovered from its peers. */
        CHECKPOINT_DAMAGE_FOUND
    }

    private final long[] counts = new long[Kind.values().length];

    static Kind crash(SimDisk.CrashMode mode) {
        return switch (mode) {
            case INTACT -> Kind.CRASH_INTACT;
            case UNSYNCED_LOST -> Kind.CRASH_UNSYNCED_LOST;
            case TORN_WRITE -> Kind.CRASH_TORN_WRITE;
            case WIPED -> Kind.CRASH_WIPED;
        };
    }

    void record(Kind kind) {
        counts[kind.ordinal()]++;
    }

    public long count(Kind kind) {
        return counts[kind.ordinal()];
    }

    public void add(SimFaults other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ");
        for (Kind kind : Kind.values()) {
            joiner.add(kind.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " " + count(kind));
        }
        return joiner.toString();
    }
}
