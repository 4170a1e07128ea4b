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
        /** A restart found damaged log entries between intact ones and repaired them from its peers. */
        ENTRY_REPAIRED,
        /** A restart found its last write unreadable, and resolved with its peers what it held. */
        TAIL_RESOLVED,
        /** The stored checkpoint was damaged on disk. */
        CHECKPOINT_CORRUPTED,
        /** A restart found the checkpoint failing its checksum, and the replica recovered from its peers. */
        CHECKPOINT_DAMAGE_FOUND,
        /** A crash right after a log write became durable, before the replica heard of it. */
        CRASH_AFTER_LOG_WRITE,
        CRASH_AFTER_TRUNCATE,
        CRASH_AFTER_VIEW_STATE,
        CRASH_AFTER_CHECKPOINT,
        CRASH_AFTER_CHECKPOINT_INSTALL,
        CRASH_AFTER_REPAIR,
        /** A committed reconfiguration started an epoch (counted once per epoch of a run). */
        EPOCH_STARTED,
        /** A spare node joined a changed group as a learner. */
        MEMBER_JOINED,
        /** A member left out of an epoch learned that it was removed, and stopped. */
        MEMBER_REMOVED
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

    static Kind crashAfter(SimDisk.Step step) {
        return switch (step) {
            case LOG_WRITE -> Kind.CRASH_AFTER_LOG_WRITE;
            case TRUNCATE -> Kind.CRASH_AFTER_TRUNCATE;
            case VIEW_STATE -> Kind.CRASH_AFTER_VIEW_STATE;
            case CHECKPOINT -> Kind.CRASH_AFTER_CHECKPOINT;
            case CHECKPOINT_INSTALL -> Kind.CRASH_AFTER_CHECKPOINT_INSTALL;
            case REPAIR -> Kind.CRASH_AFTER_REPAIR;
        };
    }

    void record(Kind kind) {
        counts[kind.ordinal()]++;
    }

    public long count(Kind kind) {
        return counts[kind.ordinal()];
    }

    /** Crashes right after a disk step, of every step kind. */
    public long crashPoints() {
        long total = 0;
        for (SimDisk.Step step : SimDisk.Step.values()) {
            total += count(crashAfter(step));
        }
        return total;
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
