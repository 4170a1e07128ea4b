package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogEntryTest {

    /** The chain before an entry follows from the chain at it: a damaged record's chain is named by the next one. */
    @Test
    void shouldGiveBackTheParentChainFromTheChainAtTheEntry() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 10_000; i++) {
            byte[] body = new byte[random.nextInt(0, 40)];
            random.nextBytes(body);
            LogEntry entry = LogEntry.of(random.nextLong(1, Long.MAX_VALUE), random.nextLong(), random.nextLong(),
                    random.nextLong(), body);
            long parent = random.nextLong();
            assertThat(entry.parentChainOf(entry.chainAfter(parent))).isEqualTo(parent);
        }
    }

    /** A different entry at the same op does not lead from the same parent to the same chain. */
    @Test
    void shouldLinkOtherParentWhenEntryDiffers() {
        LogEntry entry = LogEntry.of(5, 1, 7, 3, new byte[] {1, 2, 3});
        LogEntry other = LogEntry.of(5, 1, 7, 3, new byte[] {1, 2, 4});
        long chain = entry.chainAfter(42);
        assertThat(other.parentChainOf(chain)).isNotEqualTo(42);
    }
}
