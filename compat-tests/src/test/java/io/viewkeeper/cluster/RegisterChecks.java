package io.viewkeeper.cluster;

import io.viewkeeper.cluster.History.Kind;
import io.viewkeeper.cluster.History.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks on a register history that use the znode data version the server reports: a version names one value
 * (else a write was lost and its version reused, or applied twice), no key has been written more times than
 * clients wrote it, and a later read is never behind an acknowledged write.
 */
final class RegisterChecks {
    /** A key's value and data version as one replica reports it. */
    record Observed(long value, long version) {
    }

    private RegisterChecks() {
    }

    /** Every (key, version) pair that acknowledged writes and reads report must carry one value. */
    static List<String> versionConflicts(List<Operation> ops) {
        Map<String, Map<Long, Operation>> seen = new HashMap<>();
        List<String> conflicts = new ArrayList<>();
        for (Operation op : ops) {
            if (op.version() < 0) {
                continue;
            }
            Operation earlier = seen.computeIfAbsent(op.key(), k -> new HashMap<>()).putIfAbsent(op.version(), op);
            if (earlier != null && earlier.value() != op.value()) {
                conflicts.add("version " + op.version() + " of " + op.key() + " holds two values: " + earlier
                        + " and " + op);
            }
        }
        return conflicts;
    }

    /** The highest acknowledged write of each key, by version. */
    static Map<String, Operation> lastAcknowledgedWrites(List<Operation> ops) {
        Map<String, Operation> last = new LinkedHashMap<>();
        for (Operation op : ops) {
            if (op.kind() == Kind.WRITE && !op.isUnknown()) {
                last.merge(op.key(), op, (a, b) -> a.version() >= b.version() ? a : b);
            }
        }
        return last;
    }

    /** Acknowledged writes missing from what a replica reports now: its version is older, or another value. */
    static List<String> lostWrites(Map<String, Operation> acknowledged, Map<String, Observed> now) {
        List<String> lost = new ArrayList<>();
        acknowledged.forEach((key, write) -> {
            Observed o = now.get(key);
            if (o == null || o.version() < write.version()
                    || (o.version() == write.version() && o.value() != write.value())) {
                lost.add("acknowledged " + write + " but the key now reads " + o);
            }
        });
        return lost;
    }

    /** A key at a version above the number of writes clients issued to it had a write applied more than once. */
    static List<String> appliedMoreThanIssued(List<Operation> ops, Map<String, Observed> finalState) {
        Map<String, Long> issued = new HashMap<>();
        for (Operation op : ops) {
            if (op.kind() == Kind.WRITE) {
                issued.merge(op.key(), 1L, Long::sum);
            }
        }
        List<String> excess = new ArrayList<>();
        finalState.forEach((key, o) -> {
            long n = issued.getOrDefault(key, 0L);
            if (o.version() > n) {
                excess.add(key + " is at version " + o.version() + " after " + n + " setData calls");
            }
        });
        return excess;
    }
}
