package io.viewkeeper.cluster;

import io.viewkeeper.cluster.History.Kind;
import io.viewkeeper.cluster.History.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks the register history real clients recorded against a cluster with the consensus module's checker (Wing
 * and Gong's search with Lowe's memoization, per key): keys become numbers, and each key's value before the
 * history began becomes a write that completes before any operation starts. A write with an unknown outcome keeps
 * {@link History#UNKNOWN} as its completion, which the checker treats as "may take effect any time after its
 * invocation, or never".
 */
final class LinearizabilityChecker {

    /** The outcome; for a violation, the key and that key's operations. */
    record Verdict(boolean linearizable, String key, String explanation) {
        static Verdict ok() {
            return new Verdict(true, null, "linearizable");
        }
    }

    /** Thrown when the search takes more steps than allowed: no verdict, which is not a pass. */
    static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded(long steps) {
            super("the linearizability search took more than " + steps + " steps for some key");
        }
    }

    private static final int OPERATIONS_SHOWN_MAX = 60;

    private final long stepsMax;

    LinearizabilityChecker(long stepsMax) {
        this.stepsMax = stepsMax;
    }

    /** {@code initial} holds each key's value before the history began. */
    Verdict check(List<Operation> history, Map<String, Long> initial) {
        Map<String, Long> keyIds = new LinkedHashMap<>();
        long start = Long.MAX_VALUE;
        for (Operation op : history) {
            if (!initial.containsKey(op.key())) {
                throw new IllegalArgumentException("no initial value for key " + op.key());
            }
            keyIds.putIfAbsent(op.key(), (long) keyIds.size());
            start = Math.min(start, op.invokeNs());
        }
        List<io.viewkeeper.consensus.LinearizabilityChecker.Operation> converted = new ArrayList<>();
        for (Map.Entry<String, Long> key : keyIds.entrySet()) {
            converted.add(new io.viewkeeper.consensus.LinearizabilityChecker.Operation(key.getValue(), true,
                    initial.get(key.getKey()), start - 2, start - 1, -1));
        }
        for (Operation op : history) {
            converted.add(new io.viewkeeper.consensus.LinearizabilityChecker.Operation(keyIds.get(op.key()),
                    op.kind() == Kind.WRITE, op.value(), op.invokeNs(), op.completeNs(), op.client()));
        }
        io.viewkeeper.consensus.LinearizabilityChecker.Result result =
                new io.viewkeeper.consensus.LinearizabilityChecker(stepsMax).check(converted);
        if (!result.linearizable()) {
            String key = keyIds.entrySet().stream().filter(e -> e.getValue().equals(result.failedKey()))
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            String operations = history.stream().filter(op -> op.key().equals(key)).limit(OPERATIONS_SHOWN_MAX)
                    .map(Operation::toString).collect(Collectors.joining("\n  "));
            return new Verdict(false, key, "no linearization of key " + key + " (initial value "
                    + initial.get(key) + "):\n  " + operations);
        }
        if (result.budgetExceeded()) {
            throw new BudgetExceeded(stepsMax);
        }
        return Verdict.ok();
    }
}
