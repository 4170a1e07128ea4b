package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The version and build time come from the build, not from a string someone forgot to change. */
class VersionTest {
    @Test
    void shouldReportTheVersionAndBuildTimeTheBuildWrote() {
        assertThat(Version.number()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(Version.built()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC");
    }
}
