package io.viewkeeper.cluster;

import io.viewkeeper.cluster.History.Kind;
import io.viewkeeper.cluster.History.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a history of register reads and writes for linearizability with the Wing and Gong search as Lowe
 * improved it (a cache of linearized-set and state pairs), one key at a time: linearizability is local, so the
 * keys of a history are independent registers. Written values must be unique per key. A write with an unknown
 * outcome may take effect at any point after its invocation or not at all; one whose value nobody read is dropped
 * first, since "never happened" always explains it.
 */
final class LinearizabilityChecker {

    /** The outcome; for a violation, the key and the operation no linearization could place. */
    record Verdict(boolean linearizable, String key, String explanation) {
        static Verdict ok() {
            return new Verdict(true, null, "linearizable");
        }
    }

    /** Thrown when the search takes more steps than allowed: no verdict, which is not a pass. */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded(String key, long steps) {
            super("the linearizability search of key " + key + " took more than " + steps + " steps");
        }
    }

    private final long stepsMax;

    LinearizabilityChecker(long stepsMax) {
        this.stepsMax = stepsMax;
    }

    /** {@code initial} holds each key's value before the history began. */
    Verdict check(List<Operation> history, Map<String, Long> initial) {
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        for (Operation op : history) {
            if (!initial.containsKey(op.key())) {
                throw new IllegalArgumentException("no initial value for key " + op.key());
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
            Verdict v = checkKey(e.getKey(), e.getValue(), initial.get(e.getKey()));
            if (!v.linearizable()) {
                return v;
            }
        }
        return Verdict.ok();
    }

    private Verdict checkKey(String key, List<Operation> operations, long initialValue) {
        List<Operation> ops = withoutUnobservedUnknownWrites(operations);
        Entry head = entries(ops);
        BitSet linearized = new BitSet(ops.size());
        Set<CacheKey> cache = new HashSet<>();
        Deque<Frame> calls = new ArrayDeque<>();
        long state = initialValue;
        Entry entry = head.next;
        Entry deepestStuck = null;
        int deepest = -1;
        long steps = 0;
        while (head.next != null) {
            if (++steps > stepsMax) {
                throw new BudgetExceeded(key, stepsMax);
            }
            if (entry.call) {
                Operation op = entry.operation;
                boolean legal = op.kind() == Kind.WRITE || op.value() == state;
                long next = op.kind() == Kind.WRITE ? op.value() : state;
                if (legal) {
                    BitSet after = (BitSet) linearized.clone();
                    after.set(entry.id);
                    if (cache.add(new CacheKey(after, next))) {
                        calls.push(new Frame(entry, state));
                        state = next;
                        linearized.set(entry.id);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                if (calls.size() > deepest) {
                    deepest = calls.size();
                    deepestStuck = entry;
                }
                if (calls.isEmpty()) {
                    return violation(key, deepestStuck, ops);
                }
                Frame top = calls.pop();
                state = top.stateBefore;
                linearized.clear(top.call.id);
                unlift(top.call);
                entry = top.call.next;
            }
        }
        return Verdict.ok();
    }

    private static Verdict violation(String key, Entry stuck, List<Operation> ops) {
        Operation op = stuck.operation;
        StringBuilder around = new StringBuilder();
        List<Operation> writesBefore = new ArrayList<>();
        for (Operation o : ops) {
            if (o.kind() == Kind.WRITE && o.completeNs() < op.invokeNs()) {
                writesBefore.add(o);
            }
        }
        writesBefore.sort(Comparator.comparingLong(Operation::completeNs));
        for (Operation o : writesBefore.subList(Math.max(0, writesBefore.size() - 3), writesBefore.size())) {
            around.append("\n  ").append(o);
        }
        for (Operation o : ops) {
            if (o.invokeNs() <= op.completeNs() && o.completeNs() >= op.invokeNs()) {
                around.append("\n  ").append(o);
            }
        }
        return new Verdict(false, key, "no linearization of key " + key + " can complete " + op
                + "; the last writes that completed before it, then every operation overlapping it:" + around);
    }

    /** An unacknowledged write nobody read can always be taken as not having happened. */
    private static List<Operation> withoutUnobservedUnknownWrites(List<Operation> ops) {
        Set<Long> read = new HashSet<>();
        for (Operation op : ops) {
            if (op.kind() == Kind.READ) {
                read.add(op.value());
            }
        }
        List<Operation> kept = new ArrayList<>();
        for (Operation op : ops) {
            if (!(op.kind() == Kind.WRITE && op.isUnknown() && !read.contains(op.value()))) {
                kept.add(op);
            }
        }
        return kept;
    }

    /** The call and return events in time order (calls first on a tie), behind a head sentinel. */
    private static Entry entries(List<Operation> ops) {
        List<Entry> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            Entry call = new Entry(i, true, op, op.invokeNs());
            Entry ret = new Entry(i, false, op, op.completeNs());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
        Entry head = new Entry(-1, false, null, Long.MIN_VALUE);
        Entry last = head;
        for (Entry e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        return head;
    }

    private static void lift(Entry call) {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        Entry ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Entry call) {
        Entry ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }

    private static final class Entry {
        final int id;
        final boolean call;
        final Operation operation;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(int id, boolean call, Operation operation, long time) {
            this.id = id;
            this.call = call;
            this.operation = operation;
            this.time = time;
        }
    }

    private record Frame(Entry call, long stateBefore) {
    }

    private record CacheKey(BitSet linearized, long state) {
    }
}
