package io.viewkeeper.server.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.consensus.LogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitHintTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadBackTheLastHintWritten() throws IOException {
        assertThat(CommitHint.read(dir)).as("no hint yet").isEqualTo(CommitHint.Hint.NONE);
        CommitHint.write(dir, 90_611, 7);
        CommitHint.write(dir, 190_017, 42);
        assertThat(CommitHint.read(dir)).isEqualTo(new CommitHint.Hint(190_017, 42));
    }

    @Test
    void shouldReadNoHintWhenTheFileIsTornOrDamaged() throws IOException {
        CommitHint.write(dir, 190_017, 42);
        Path file = dir.resolve(CommitHint.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[3] ^= 0x10;
        Files.write(file, bytes);
        assertThat(CommitHint.read(dir)).as("a flipped bit").isEqualTo(CommitHint.Hint.NONE);
        Files.write(file, new byte[] {0, 0, 0});
        assertThat(CommitHint.read(dir)).as("a torn write").isEqualTo(CommitHint.Hint.NONE);
    }

    @Test
    void shouldVouchOnlyForAnOpTheLogHoldsWithTheHintedChain() {
        List<LogEntry> log = new ArrayList<>();
        long chain = 0;
        long chainAt3 = 0;
        for (int op = 1; op <= 5; op++) {
            LogEntry entry = LogEntry.of(op, 0, 1, op, ("e" + op).getBytes(StandardCharsets.UTF_8));
            log.add(entry);
            chain = entry.chainAfter(chain);
            if (op == 3) {
                chainAt3 = chain;
            }
        }
        assertThat(CommitHint.validate(new CommitHint.Hint(3, chainAt3), 0, 0, log)).isEqualTo(3);
        assertThat(CommitHint.validate(new CommitHint.Hint(3, chainAt3 + 1), 0, 0, log))
                .as("a hint about another log").isZero();
        assertThat(CommitHint.validate(new CommitHint.Hint(9, chainAt3), 0, 0, log))
                .as("beyond the log that survived").isZero();
        assertThat(CommitHint.validate(CommitHint.Hint.NONE, 0, 0, log)).isZero();
    }
}
