package io.viewkeeper.server.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitHintTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadBackTheLastHintWritten() throws IOException {
        assertThat(CommitHint.read(dir)).as("no hint yet").isZero();
        CommitHint.write(dir, 90_611);
        CommitHint.write(dir, 190_017);
        assertThat(CommitHint.read(dir)).isEqualTo(190_017);
    }

    @Test
    void shouldReadNoHintWhenTheFileIsTornOrDamaged() throws IOException {
        CommitHint.write(dir, 190_017);
        Path file = dir.resolve(CommitHint.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[3] ^= 0x10;
        Files.write(file, bytes);
        assertThat(CommitHint.read(dir)).as("a flipped bit").isZero();
        Files.write(file, new byte[] {0, 0, 0});
        assertThat(CommitHint.read(dir)).as("a torn write").isZero();
    }
}
