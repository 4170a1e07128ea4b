package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private static final long NONE = Long.MAX_VALUE;
    private final LinearizabilityChecker checker = new LinearizabilityChecker(1_000_000);

    private static LinearizabilityChecker.Operation write(long key, long value, long call, long ret) {
        return new LinearizabilityChecker.Operation(key, true, value, call, ret, 1);
    }

    private static LinearizabilityChecker.Operation read(long key, long value, long call, long ret) {
        return new LinearizabilityChecker.Operation(key, false, value, call, ret, 2);
    }

    @Test
    void shouldAcceptReadOverlappingWriteWhenItSeesEitherValue() {
        assertThat(checker.check(List.of(write(1, 5, 1, 4), read(1, 0, 2, 3))).linearizable()).isTrue();
        assertThat(checker.check(List.of(write(1, 5, 1, 4), read(1, 5, 2, 3))).linearizable()).isTrue();
    }

    @Test
    void shouldRejectStaleReadWhenWriteCompletedBeforeReadBegan() {
        LinearizabilityChecker.Result result = checker.check(List.of(write(1, 5, 1, 2), read(1, 0, 3, 4)));
        assertThat(result.linearizable()).isFalse();
        assertThat(result.failedKey()).isEqualTo(1L);
    }

    @Test
    void shouldRejectReadsThatSeeValuesGoBackwards() {
        List<LinearizabilityChecker.Operation> history = List.of(write(1, 5, 1, 10), write(1, 6, 2, 10),
                read(1, 6, 3, 4), read(1, 5, 5, 6), read(1, 6, 7, 8));
        assertThat(checker.check(history).linearizable()).isFalse();
    }

    @Test
    void shouldAllowUnansweredWriteToTakeEffectLateOrNever() {
        assertThat(checker.check(List.of(write(1, 5, 1, NONE), read(1, 0, 2, 3), read(1, 5, 4, 5)))
                .linearizable()).isTrue();
        assertThat(checker.check(List.of(write(1, 5, 1, NONE), read(1, 0, 2, 3))).linearizable()).isTrue();
        assertThat(checker.check(List.of(write(1, 5, 1, NONE), read(1, 5, 2, 3), read(1, 0, 4, 5)))
                .linearizable()).isFalse();
    }

    @Test
    void shouldCheckKeysIndependently() {
        List<LinearizabilityChecker.Operation> history = List.of(write(1, 5, 1, 2), write(2, 7, 3, 4),
                read(2, 7, 5, 6), read(1, 5, 7, 8));
        assertThat(checker.check(history).linearizable()).isTrue();
        List<LinearizabilityChecker.Operation> wrong = new ArrayList<>(history);
        wrong.add(read(2, 5, 9, 10));
        assertThat(checker.check(wrong).failedKey()).isEqualTo(2L);
    }

    @Test
    void shouldFinishWhenManyWritesAreConcurrent() {
        List<LinearizabilityChecker.Operation> history = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            history.add(write(1, i, i, 100 + i));
        }
        history.add(read(1, 40, 200, 201));
        LinearizabilityChecker.Result result = checker.check(history);
        assertThat(result.linearizable()).isTrue();
        assertThat(result.budgetExceeded()).isFalse();
    }
}
