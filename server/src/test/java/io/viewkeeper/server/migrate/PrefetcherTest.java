package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The hand-over between the thread that makes elements and the one that takes them. */
class PrefetcherTest {

    @Test
    void shouldHandOverEveryElementInTheSourcesOrder() {
        List<Integer> taken = new ArrayList<>();
        try (Prefetcher<Integer> prefetcher = Prefetcher.start(() -> IntStream.range(0, 10_007).iterator(), "test",
                100, 2)) {
            prefetcher.forEachRemaining(taken::add);
            assertThat(prefetcher.hasNext()).isFalse();
        }
        assertThat(taken).containsExactlyElementsOf(IntStream.range(0, 10_007).boxed().toList());
    }

    @Test
    void shouldThrowTheSourcesFailureAfterTheElementsBeforeIt() {
        Iterator<Integer> failing = new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (next == 250) {
                    throw new IllegalStateException("source broke at 250");
                }
                return next++;
            }
        };
        List<Integer> taken = new ArrayList<>();
        try (Prefetcher<Integer> prefetcher = Prefetcher.start(() -> failing, "test", 100, 2)) {
            assertThatThrownBy(() -> prefetcher.forEachRemaining(taken::add)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("source broke at 250");
        }
        assertThat(taken).hasSize(250);
    }

    @Test
    void shouldStopAProducerNobodyTakesFromWhenClosed() {
        AtomicInteger made = new AtomicInteger();
        Iterator<Integer> endless = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                return made.incrementAndGet();
            }
        };
        Prefetcher<Integer> prefetcher = Prefetcher.start(() -> endless, "test", 10, 3);
        assertThat(prefetcher.next()).isEqualTo(1);
        prefetcher.close();
        int afterClose = made.get();
        assertThat(afterClose).as("at most the bounded queue and one batch in hand were made").isLessThanOrEqualTo(50);
        assertThat(made.get()).isEqualTo(afterClose);
    }
}
