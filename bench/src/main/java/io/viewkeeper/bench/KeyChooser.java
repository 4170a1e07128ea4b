package io.viewkeeper.bench;

import java.util.SplittableRandom;

/** Chooses a key index in [0, keyCount) for each request; implementations are immutable and share no state. */
public sealed interface KeyChooser permits KeyChooser.Uniform, KeyChooser.Zipfian {

    int next(SplittableRandom random);

    int keyCount();

    static KeyChooser of(String distribution, int keyCount) {
        return switch (distribution) {
            case "uniform" -> new Uniform(keyCount);
            case "zipfian" -> new Zipfian(keyCount, Zipfian.DEFAULT_THETA);
            default -> throw new IllegalArgumentException(
                    "unknown key distribution '" + distribution + "'; uniform or zipfian");
        };
    }

    /** Every key equally likely. */
    record Uniform(int keyCount) implements KeyChooser {
        public Uniform {
            if (keyCount <= 0) {
                throw new IllegalArgumentException("keyCount must be positive, got " + keyCount);
            }
        }

        @Override
        public int next(SplittableRandom random) {
            return random.nextInt(keyCount);
        }
    }

    /**
     * Key i (from 0) drawn with probability proportional to 1 / (i + 1)^theta, by the rejection-free method of
     * Gray et al., "Quickly generating billion-record synthetic databases" (SIGMOD 1994), as YCSB does; theta 0.99
     * is YCSB's default. Key 0 is the hottest.
     */
    record Zipfian(int keyCount, double theta, double zetaN, double alpha, double eta) implements KeyChooser {
        static final double DEFAULT_THETA = 0.99;

        public Zipfian(int keyCount, double theta) {
            this(keyCount, theta, zeta(keyCount, theta), 1 / (1 - theta),
                    (1 - Math.pow(2.0 / keyCount, 1 - theta)) / (1 - zeta(2, theta) / zeta(keyCount, theta)));
        }

        public Zipfian {
            if (keyCount <= 1) {
                throw new IllegalArgumentException("a zipfian choice needs at least 2 keys, got " + keyCount);
            }
            if (!(theta > 0 && theta < 1)) {
                throw new IllegalArgumentException("theta must be in (0, 1), got " + theta);
            }
        }

        static double zeta(int n, double theta) {
            double sum = 0;
            for (int i = 1; i <= n; i++) {
                sum += 1 / Math.pow(i, theta);
            }
            return sum;
        }

        @Override
        public int next(SplittableRandom random) {
            double u = random.nextDouble();
            double uz = u * zetaN;
            if (uz < 1) {
                return 0;
            }
            if (uz < 1 + Math.pow(0.5, theta)) {
                return 1;
            }
            int key = (int) (keyCount * Math.pow(eta * u - eta + 1, alpha));
            return Math.min(Math.max(key, 0), keyCount - 1);
        }
    }
}
