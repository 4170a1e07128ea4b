package io.viewkeeper.consensus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A linearizability checker for histories of register reads and writes: Wing and Gong's search with Lowe's
 * memoization of (linearized set, state), run per key since keys are independent registers (P-compositionality).
 * A write that never got an answer may have taken effect at any point after its call, so it is given a return at
 * the end of time; a read that never got an answer constrains nothing and is left out.
 */
public final class LinearizabilityChecker {

    /** One operation of a client history. {@code returnTime == Long.MAX_VALUE} for a write with no answer. */
    public record Operation(long key, boolean write, long value, long callTime, long returnTime, int client) {
    }

    /** The outcome per key; {@code failedKey} is the first key without a linearization, or null. */
    public record Result(boolean linearizable, Long failedKey, boolean budgetExceeded) {
    }

    private static final class Node {
        final int id;
        final boolean call;
        final long time;
        Node match;
        Node prev;
        Node next;

        Node(int id, boolean call, long time) {
            this.id = id;
            this.call = call;
            this.time = time;
        }
    }

    private record Frame(Node call, long state) {
    }

    private record CacheKey(BitSet linearized, long state) {
    }

    private final long stepsMax;

    public LinearizabilityChecker(long stepsMax) {
        this.stepsMax = stepsMax;
    }

    public Result check(List<Operation> history) {
        Map<Long, List<Operation>> byKey = new TreeMap<>();
        for (Operation operation : history) {
            if (operation.write() || operation.returnTime() != Long.MAX_VALUE) {
                byKey.computeIfAbsent(operation.key(), k -> new ArrayList<>()).add(operation);
            }
        }
        boolean budgetExceeded = false;
        for (Map.Entry<Long, List<Operation>> entry : byKey.entrySet()) {
            Boolean ok = checkRegister(entry.getValue());
            if (ok == null) {
                budgetExceeded = true;
            } else if (!ok) {
                return new Result(false, entry.getKey(), false);
            }
        }
        return new Result(true, null, budgetExceeded);
    }

    /** True if linearizable, false if not, null if the search budget ran out. */
    Boolean checkRegister(List<Operation> operations) {
        Node head = buildList(operations);
        BitSet linearized = new BitSet(operations.size());
        Set<CacheKey> cache = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        long state = 0;
        Node entry = head.next;
        long steps = 0;
        while (head.next != null) {
            if (++steps > stepsMax) {
                return null;
            }
            if (entry.call) {
                Operation operation = operations.get(entry.id);
                boolean legal = operation.write() || operation.value() == state;
                long next = operation.write() ? operation.value() : state;
                if (legal) {
                    BitSet candidate = (BitSet) linearized.clone();
                    candidate.set(entry.id);
                    if (cache.add(new CacheKey(candidate, next))) {
                        stack.push(new Frame(entry, state));
                        state = next;
                        linearized.set(entry.id);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                if (stack.isEmpty()) {
                    return false;
                }
                Frame frame = stack.pop();
                state = frame.state();
                linearized.clear(frame.call().id);
                unlift(frame.call());
                entry = frame.call().next;
            }
        }
        return true;
    }

    private static Node buildList(List<Operation> operations) {
        List<Node> events = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            Operation operation = operations.get(i);
            Node call = new Node(i, true, operation.callTime());
            Node ret = new Node(i, false, operation.returnTime());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        // Calls sort before returns at an equal time, which only widens the intervals.
        events.sort(Comparator.comparingLong((Node n) -> n.time).thenComparing(n -> n.call ? 0 : 1)
                .thenComparingInt(n -> n.id));
        Node head = new Node(-1, false, Long.MIN_VALUE);
        Node tail = head;
        for (Node node : events) {
            tail.next = node;
            node.prev = tail;
            tail = node;
        }
        return head;
    }

    private static void lift(Node call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Node ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Node call) {
        Node ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }
}
