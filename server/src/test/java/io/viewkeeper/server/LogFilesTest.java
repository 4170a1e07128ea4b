package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's log file in dataDir/logs: one line per event, status transitions at INFO with the replica prefix. */
class LogFilesTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldWriteStatusTransitionWithReplicaPrefixToFileInDataDirWhenNodeStarts() throws IOException {
        Path logDir = dataDir.resolve("logs");
        RollingFileAppender<ILoggingEvent> appender = LogFiles.install(logDir);
        try (ViewkeeperNode node = ViewkeeperNode.start(NodeConfig.forTesting(dataDir))) {
            Path file = logDir.resolve(LogFiles.FILE_NAME);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file)
                    && Files.readString(file, StandardCharsets.UTF_8).contains("serving ZooKeeper clients on"));
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(text).containsPattern(
                    "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO  \\[replica-loop\\] "
                            + "\\S*ReplicaLoop - \\[r0 v0 normal\\] now NORMAL v0 primary$");
            assertThat(text.lines()).allMatch(line -> line.matches("^\\d{4}-\\d\\d-\\d\\dT.*")
                    || line.startsWith("\t") || line.startsWith("Caused by") || line.isBlank());
        } finally {
            LogFiles.remove(appender);
        }
    }
}
