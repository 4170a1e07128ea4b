package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same seeded random operation sequences against an in-process Apache ZooKeeper 3.9 server and against the
 * server under test; every result must match (see {@link CrossCheckRun} for what is compared and how). A failure
 * prints the seed; {@code -Dcrosscheck.seed=N} replays just that seed, {@code -Dcrosscheck.ops=N} sets the length.
 * Against a group, the run's sessions are spread over the replicas (see {@link CrossCheckRun}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrossCheckTest {
    private static final long[] DEFAULT_SEEDS = {1, 2, 3, 42, 1234, 98765};

    @TempDir
    static Path dir;

    private TargetServer reference;
    private TargetServer subject;

    /** The kind of server compared with ZooKeeper: {@code -Dcompat.target}, unless a subclass fixes it. */
    protected TargetServer.Kind target() {
        return TargetServer.Kind.selected();
    }

    @BeforeAll
    void startServers() throws IOException {
        // no background reaping during a run: its timing would differ between the two servers
        ServerSettings settings = ServerSettings.defaults().withContainerCheckIntervalMs(86_400_000);
        reference = ReferenceZooKeeper.start(settings, Files.createDirectories(dir.resolve("reference")));
        subject = TargetServer.start(target(), settings,
                Files.createDirectories(dir.resolve("subject")));
    }

    @AfterAll
    void stopServers() {
        if (subject != null) {
            subject.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    static Stream<Long> seeds() {
        String replay = System.getProperty("crosscheck.seed");
        if (replay != null && !replay.isBlank()) {
            return Stream.of(Long.parseLong(replay.trim()));
        }
        return LongStream.of(DEFAULT_SEEDS).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldMatchZookeeperForSeed(long seed) throws Exception {
        int ops = Integer.getInteger("crosscheck.ops", 120);
        List<String> expected = new CrossCheckRun(reference.connectString(), seed, ops).execute();
        List<String> replicas = IntStream.range(0, subject.replicaCount()).mapToObj(subject::connectString).toList();
        List<String> actual = new CrossCheckRun(replicas, seed, ops).execute();
        int mismatch = firstMismatch(expected, actual);
        if (mismatch >= 0) {
            StringBuilder report = new StringBuilder();
            report.append("seed ").append(seed).append(" diverges from ZooKeeper at line ").append(mismatch)
                    .append(" (replay with -Dcrosscheck.seed=").append(seed).append(")\n");
            for (int i = Math.max(0, mismatch - 6); i < mismatch; i++) {
                report.append("   both: ").append(expected.get(i)).append('\n');
            }
            report.append("zookeeper: ").append(mismatch < expected.size() ? expected.get(mismatch) : "<end>")
                    .append('\n');
            report.append("  subject: ").append(mismatch < actual.size() ? actual.get(mismatch) : "<end>")
                    .append('\n');
            throw new AssertionError(report.toString());
        }
        assertThat(actual).as("seed %d", seed).hasSameSizeAs(expected).hasSizeGreaterThan(ops);
    }

    private static int firstMismatch(List<String> a, List<String> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            if (!a.get(i).equals(b.get(i))) {
                return i;
            }
        }
        return a.size() == b.size() ? -1 : n;
    }
}
