package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves the checkers bite: a replica with one known protocol bug must fail the random simulation within a bounded
 * number of seeds, with the kind of failure that bug causes, while the same seed passes without the bug. The
 * failure is then shrunk and written as a trace, as a real failure would be.
 */
class PlantedBugTest {

    private static final long SEEDS_MAX = 400;

    @ParameterizedTest
    @EnumSource(PlantedBug.class)
    void shouldFindPlantedBugWithinBoundedSeeds(PlantedBug bug) throws IOException {
        SimulationRunner.Outcome failing = null;
        for (long seed = 1; seed <= SEEDS_MAX && failing == null; seed++) {
            SimulationRunner.Outcome outcome = SimulationRunner.run(seed, Set.of(bug));
            if (outcome.failed()) {
                failing = outcome;
            }
        }
        assertThat(failing).as("%s found within %d seeds", bug, SEEDS_MAX).isNotNull();
        System.out.printf("%s caught at seed %d: %s%n", bug, failing.seed(), failing.failure());
        assertThat(failing.failure().kind()).isIn(expectedKinds(bug));
        assertThat(SimulationRunner.run(failing.seed(), Set.of()).failed()).as("the same seed without the bug")
                .isFalse();

        SimulationRunner.Outcome shrunk = SimulationRunner.shrink(failing, Set.of(bug), 25);
        assertThat(shrunk.failed()).isTrue();
        assertThat(shrunk.failure().kind()).isEqualTo(failing.failure().kind());
        assertThat(shrunk.settings().weight()).isLessThanOrEqualTo(failing.settings().weight());
        Path trace = SimulationRunner.writeTrace(shrunk, Set.of(bug), Path.of("target", "sim-traces", bug.name()));
        assertThat(Files.readString(trace)).contains("seed " + failing.seed()).contains("failure ");
    }

    private static Set<String> expectedKinds(PlantedBug bug) {
        return switch (bug) {
            case ACK_BEFORE_PERSIST, LONGEST_LOG_WINS -> Set.of("divergence", "lost-write", "linearizability",
                    "stale-read", "exception");
            case READ_WITHOUT_CONFIRMATION -> Set.of("stale-read", "linearizability", "cut-off-read");
            case IGNORE_CLIENT_TABLE -> Set.of("duplicate-execution");
        };
    }
}
