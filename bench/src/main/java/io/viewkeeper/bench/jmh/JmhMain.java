package io.viewkeeper.bench.jmh;

import org.openjdk.jmh.runner.RunnerException;

/**
 * Runs the microbenchmarks: {@code java -cp 'bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * io.viewkeeper.bench.jmh.JmhMain [JMH options, e.g. PrepareBatch -f 1]}. Never part of the build or the tests.
 */
public final class JmhMain {
    private JmhMain() {
    }

    public static void main(String[] args) throws RunnerException, java.io.IOException {
        org.openjdk.jmh.Main.main(args);
    }
}
