package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyChooserTest {
    private static int[] histogram(KeyChooser chooser, int draws) {
        SplittableRandom random = new SplittableRandom(7);
        int[] counts = new int[chooser.keyCount()];
        for (int i = 0; i < draws; i++) {
            counts[chooser.next(random)]++;
        }
        return counts;
    }

    @Test
    void shouldFavourLowKeysByRankWhenZipfian() {
        int[] counts = histogram(KeyChooser.of("zipfian", 1000), 200_000);
        assertThat(counts[0]).isGreaterThan(counts[1]);
        assertThat(counts[1]).isGreaterThan(counts[9]);
        assertThat(counts[9]).isGreaterThan(counts[99]);
        // P(key 0) = 1 / zeta(1000, 0.99), about 0.13; allow generous sampling slack.
        double expected = 1 / KeyChooser.Zipfian.zeta(1000, 0.99);
        assertThat(counts[0] / 200_000.0).isBetween(expected * 0.9, expected * 1.1);
    }

    @Test
    void shouldSpreadEvenlyWhenUniform() {
        int[] counts = histogram(KeyChooser.of("uniform", 10), 100_000);
        for (int count : counts) {
            assertThat(count).isBetween(9_000, 11_000);
        }
    }

    @Test
    void shouldStayInRangeWhenFewKeys() {
        int[] counts = histogram(KeyChooser.of("zipfian", 2), 10_000);
        assertThat(counts[0] + counts[1]).isEqualTo(10_000);
        assertThat(counts[0]).isGreaterThan(counts[1]);
    }

    @Test
    void shouldRejectUnknownDistribution() {
        assertThatThrownBy(() -> KeyChooser.of("gaussian", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRepeatSequenceWhenSeedRepeats() {
        KeyChooser chooser = KeyChooser.of("zipfian", 100);
        SplittableRandom first = new SplittableRandom(3);
        SplittableRandom second = new SplittableRandom(3);
        for (int i = 0; i < 100; i++) {
            assertThat(chooser.next(first)).isEqualTo(chooser.next(second));
        }
    }
}
