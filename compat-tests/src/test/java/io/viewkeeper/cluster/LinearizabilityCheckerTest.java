package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.cluster.History.Kind;
import io.viewkeeper.cluster.History.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker must accept what a register allows and reject stale reads, lost writes and reads from nowhere. */
class LinearizabilityCheckerTest {
    private static final long UNKNOWN = History.UNKNOWN;
    private final LinearizabilityChecker checker = new LinearizabilityChecker(1_000_000);

    private static Operation write(String key, long value, long invoke, long complete) {
        return new Operation(0, key, Kind.WRITE, value, -1, invoke, complete);
    }

    private static Operation read(String key, long value, long invoke, long complete) {
        return new Operation(1, key, Kind.READ, value, -1, invoke, complete);
    }

    private boolean linearizable(Operation... ops) {
        return checker.check(List.of(ops), Map.of("a", 0L, "b", 0L)).linearizable();
    }

    @Test
    void shouldAcceptSequentialHistoryWhenReadsSeeLastWrite() {
        assertThat(linearizable(write("a", 1, 0, 10), read("a", 1, 11, 20), write("a", 2, 21, 30),
                read("a", 2, 31, 40))).isTrue();
    }

    @Test
    void shouldRejectStaleReadWhenWriteCompletedBeforeReadBegan() {
        assertThat(linearizable(write("a", 1, 0, 10), read("a", 0, 11, 20))).isFalse();
    }

    @Test
    void shouldAcceptEitherValueWhenReadOverlapsWrite() {
        assertThat(linearizable(write("a", 1, 0, 10), read("a", 0, 5, 15))).isTrue();
        assertThat(linearizable(write("a", 1, 0, 10), read("a", 1, 5, 15))).isTrue();
    }

    @Test
    void shouldRejectReadsThatGoBackWhenTheyDoNotOverlap() {
        assertThat(linearizable(write("a", 1, 0, 100), read("a", 1, 10, 20), read("a", 0, 30, 40))).isFalse();
    }

    @Test
    void shouldRejectValueNobodyWrote() {
        assertThat(linearizable(write("a", 1, 0, 10), read("a", 7, 11, 20))).isFalse();
    }

    @Test
    void shouldAcceptUnknownWriteWhenReadLaterOrNever() {
        assertThat(linearizable(write("a", 1, 0, UNKNOWN), read("a", 0, 5, 10), read("a", 1, 50, 60))).isTrue();
        assertThat(linearizable(write("a", 1, 0, UNKNOWN), read("a", 0, 50, 60))).isTrue();
    }

    @Test
    void shouldRejectUnknownWriteWhenSeenBeforeItWasInvoked() {
        assertThat(linearizable(read("a", 1, 0, 10), write("a", 1, 20, UNKNOWN))).isFalse();
    }

    @Test
    void shouldRejectUnknownWriteWhenItFlipsBack() {
        // seen, then a later read sees the older value again
        assertThat(linearizable(write("a", 2, 0, 5), write("a", 1, 10, UNKNOWN), read("a", 1, 20, 30),
                read("a", 2, 40, 50))).isFalse();
    }

    @Test
    void shouldCheckKeysIndependently() {
        assertThat(linearizable(write("a", 1, 0, 10), read("b", 0, 11, 20), read("a", 1, 21, 30))).isTrue();
        assertThat(linearizable(write("a", 1, 0, 10), read("b", 1, 11, 20))).isFalse();
    }

    @Test
    void shouldNameTheKeyAndOperationWhenRejecting() {
        LinearizabilityChecker.Verdict v = checker.check(List.of(write("b", 1, 0, 10), read("b", 0, 11, 20)),
                Map.of("b", 0L));
        assertThat(v.key()).isEqualTo("b");
        assertThat(v.explanation()).contains("READ(b=0)");
    }

    @Test
    void shouldHandleLongConcurrentHistoryWhenLinearizable() {
        List<Operation> ops = new ArrayList<>();
        long t = 0;
        long value = 0;
        for (int i = 0; i < 5000; i++) {
            // four clients in lock step: a write overlapping three reads of either the old or the new value
            long old = value;
            value++;
            ops.add(write("a", value, t, t + 10));
            ops.add(read("a", old, t + 1, t + 5));
            ops.add(read("a", value, t + 2, t + 12));
            ops.add(read("a", value, t + 11, t + 13));
            t += 20;
        }
        assertThat(checker.check(ops, Map.of("a", 0L)).linearizable()).isTrue();
    }

    @Test
    void shouldStopWhenBudgetIsSpent() {
        LinearizabilityChecker tiny = new LinearizabilityChecker(2);
        assertThatThrownBy(() -> tiny.check(List.of(write("a", 1, 0, 10), read("a", 1, 11, 20),
                read("a", 1, 21, 30)), Map.of("a", 0L))).isInstanceOf(LinearizabilityChecker.BudgetExceeded.class);
    }
}
