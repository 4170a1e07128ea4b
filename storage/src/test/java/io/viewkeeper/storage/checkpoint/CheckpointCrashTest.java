package io.viewkeeper.storage.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomicity of a save under a process crash: a child process saves checkpoints in a loop and is killed with
 * SIGKILL at different points (after some saves, during the first full rewrite over an older checkpoint); the
 * reopened store must load exactly one checkpoint the child started to save, at least the last one it finished.
 */
class CheckpointCrashTest {
    private static final Duration CHILD_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    /** A running child and the lines it printed. */
    private record Child(Process process, List<String> lines, Thread reader, Path errors) {
        long count(String prefix) {
            return lines.stream().filter(l -> l.startsWith(prefix)).count();
        }

        String describe() throws IOException {
            return "child printed " + lines.size() + " lines, last " + (lines.isEmpty() ? "-" : lines.getLast())
                    + "; stderr: " + Files.readString(errors).lines().limit(20).toList();
        }
    }

    private Child start(int run) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path errors = directory.resolveSibling(directory.getFileName() + "-child-" + run + ".err");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CheckpointCrashChild.class.getName(), directory.toString(), Long.toString(run + 1),
                Long.toString(run * 10_000_000L));
        builder.redirectError(errors.toFile());
        Process process = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader input = process.inputReader()) {
                input.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        });
        return new Child(process, lines, reader, errors);
    }

    @Test
    void shouldLoadExactlyOneSavedCheckpointWhenTheSavingProcessIsKilled() throws Exception {
        Map<Long, Long> digestByOp = new HashMap<>();
        long durableOp = -1;
        long startedOp = -1;
        // kill after N finished saves, or (0) as soon as the first save, a full rewrite, has started
        int[] killAfterSaves = {2, 0, 5, 0, 1, 3};
        for (int run = 0; run < killAfterSaves.length; run++) {
            Child child = start(run);
            try {
                int saves = killAfterSaves[run];
                await().atMost(CHILD_WAIT).pollInterval(Duration.ofMillis(1)).failFast(
                        () -> !child.process().isAlive()).until(() -> saves == 0 ? child.count("SAVING") >= 1
                                : child.count("SAVED") >= saves);
            } finally {
                child.process().destroyForcibly();
                assertThat(child.process().waitFor(CHILD_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            }
            await().atMost(CHILD_WAIT).until(() -> !child.reader().isAlive());
            for (String line : child.lines()) {
                String[] parts = line.split(" ");
                if (parts[0].equals("SAVING")) {
                    digestByOp.put(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                    startedOp = Math.max(startedOp, Long.parseLong(parts[1]));
                } else if (parts[0].equals("SAVED")) {
                    durableOp = Math.max(durableOp, Long.parseLong(parts[1]));
                }
            }
            assertThat(digestByOp).as(child.describe()).isNotEmpty();

            StoredCheckpoint loaded;
            try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
                loaded = store.load().orElseThrow(() -> new AssertionError("no checkpoint after run"));
            }
            assertThat(loaded.op()).as("run %d: loaded op against the last finished and started saves", run)
                    .isBetween(durableOp, startedOp);
            assertThat(digestByOp).as("run %d: op the child started to save", run).containsKey(loaded.op());
            assertThat(loaded.digest()).isEqualTo(digestByOp.get(loaded.op()))
                    .isEqualTo(loaded.image().tree().recomputeDigest());
            assertThat(loaded.chain()).isEqualTo(CheckpointCrashChild.chain(loaded.op()));
            assertThat(loaded.consensusClients()).isEqualTo(CheckpointCrashChild.clients(loaded.op()));
            System.out.printf("run %d: killed with saves finished up to op %d, started up to %d; loaded %d%n",
                    run, durableOp, startedOp, loaded.op());
        }
    }
}
