package io.viewkeeper.consensus;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The replica's count of ignored peer messages by reason ({@link Ignored}); guards report through it. */
final class IgnoredMessages {
    private final long[] counts = new long[Ignored.values().length];

    /** Counts a message ignored for {@code reason}; always true, so a guard reads {@code return ignore(...)}. */
    boolean ignore(Ignored reason) {
        counts[reason.ordinal()]++;
        return true;
    }

    /** Whether every entry of a message passes its checksum; counts the message as ignored when one does not. */
    boolean entriesValid(List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            if (!entry.checksumValid()) {
                return !ignore(Ignored.BAD_CHECKSUM);
            }
        }
        return true;
    }

    Map<Ignored, Long> counts() {
        Map<Ignored, Long> byReason = new EnumMap<>(Ignored.class);
        for (Ignored reason : Ignored.values()) {
            byReason.put(reason, counts[reason.ordinal()]);
        }
        return byReason;
    }
}
