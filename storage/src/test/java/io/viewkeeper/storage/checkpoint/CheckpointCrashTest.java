package io.viewkeeper.storage.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomicity of a save under a process crash: a child process saves checkpoints in a loop and is killed with
 * SIGKILL at different points (after some saves, during the first full rewrite over an older checkpoint, during
 * full rewrites by a new file), or halts itself at each step of a full save; the reopened store must load exactly
 * one checkpoint the child started to save, at least the last one it finished.
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

        /** Waits until the child is gone and everything it printed is read. */
        void reap() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(CHILD_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            await().atMost(CHILD_WAIT).until(() -> !reader.isAlive());
        }
    }

    /** How one run ends: SIGKILL once the child printed {@code count} lines starting with {@code line}. */
    private record Kill(int count, String line, String mode) {
    }

    /** What the children of one directory started and finished saving, by op. */
    private static final class Saves {
        final Map<Long, Long> digestByOp = new HashMap<>();
        long durableOp = -1;
        long startedOp = -1;
        long lastStartedOp = -1;

        void read(Child child) throws IOException {
            for (String line : child.lines()) {
                String[] parts = line.split(" ");
                if (parts[0].equals("SAVING")) {
                    lastStartedOp = Long.parseLong(parts[1]);
                    digestByOp.put(lastStartedOp, Long.parseLong(parts[2]));
                    startedOp = Math.max(startedOp, lastStartedOp);
                } else if (parts[0].equals("SAVED")) {
                    durableOp = Math.max(durableOp, Long.parseLong(parts[1]));
                }
            }
            assertThat(digestByOp).as(child.describe()).isNotEmpty();
        }
    }

    private Child start(Path where, int run, String... mode) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path errors = where.resolveSibling(where.getFileName() + "-child-" + run + ".err");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                CheckpointCrashChild.class.getName(), where.toString(), Long.toString(run + 1),
                Long.toString(run * 10_000_000L)));
        command.addAll(List.of(mode));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectError(errors.toFile());
        Process process = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader input = process.inputReader()) {
                input.lines().forEach(lines::add);
            } catch (IOException | UncheckedIOException e) {
                lines.add("READ FAILED " + e);
            }
        });
        return new Child(process, lines, reader, errors);
    }

    @Test
    void shouldLoadExactlyOneSavedCheckpointWhenTheSavingProcessIsKilled() throws Exception {
        Saves saves = new Saves();
        // SAVING 1: during the first save, a full one; in "full" runs every save after the first replaces the
        // whole checkpoint through a new file, and the kill comes as one of them has started
        List<Kill> kills = List.of(new Kill(2, "SAVED", "incremental"), new Kill(1, "SAVING", "incremental"),
                new Kill(5, "SAVED", "incremental"), new Kill(1, "SAVING", "incremental"),
                new Kill(1, "SAVED", "incremental"), new Kill(3, "SAVED", "incremental"),
                new Kill(2, "SAVING", "full"), new Kill(3, "SAVING", "full"), new Kill(5, "SAVING", "full"),
                new Kill(4, "SAVING", "full"));
        for (int run = 0; run < kills.size(); run++) {
            Kill kill = kills.get(run);
            Child child = start(directory, run, kill.mode());
            try {
                await().atMost(CHILD_WAIT).pollInterval(Duration.ofMillis(1)).failFast(
                        () -> !child.process().isAlive()).until(() -> child.count(kill.line()) >= kill.count());
            } finally {
                child.reap();
            }
            saves.read(child);

            StoredCheckpoint loaded = loadAndCheck(directory, saves).orElseThrow(
                    () -> new AssertionError("no checkpoint after run"));
            assertThat(loaded.op()).as("run %d: loaded op against the last finished and started saves", run)
                    .isBetween(saves.durableOp, saves.startedOp);
            System.out.printf("run %d (%s): killed with saves finished up to op %d, started up to %d; loaded %d%n",
                    run, kill.mode(), saves.durableOp, saves.startedOp, loaded.op());
        }
    }

    @Test
    void shouldLoadTheOldCheckpointBeforeTheRenameAndTheNewOneAfterWhenHaltedDuringAFullSave() throws Exception {
        int run = 0;
        for (CheckpointStore.FullSaveStep step : CheckpointStore.FullSaveStep.values()) {
            // save 0 is the first checkpoint of an empty directory; save 2 replaces one saved full, then changed
            for (int haltAtSave : new int[] {0, 2}) {
                Path where = directory.resolve(step + "-" + haltAtSave);
                Child child = start(where, run++, "halt", step.name(), Integer.toString(haltAtSave));
                try {
                    assertThat(child.process().waitFor(CHILD_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                } finally {
                    child.reap();
                }
                assertThat(child.process().exitValue()).as(child.describe())
                        .isEqualTo(CheckpointCrashChild.HALTED_STATUS);
                assertThat(child.lines().getLast()).isEqualTo("HALTING at " + step);
                Saves saves = new Saves();
                saves.read(child);
                checkFilesAt(step, where);

                Optional<StoredCheckpoint> loaded = loadAndCheck(where, saves);
                boolean renamed = step.compareTo(CheckpointStore.FullSaveStep.RENAMED) >= 0;
                long expected = renamed ? saves.lastStartedOp : saves.durableOp;
                assertThat(loaded.map(StoredCheckpoint::op).orElse(-1L)).as("halted at %s of save %d", step,
                        haltAtSave).isEqualTo(expected);
                assertThat(Files.exists(where.resolve(CheckpointStore.REWRITE_FILE_NAME)))
                        .as("the unfinished new file is gone after open").isFalse();
            }
        }
    }

    /** The files a halt at {@code step} leaves: the new file exists until the rename, old write-ahead files not. */
    private static void checkFilesAt(CheckpointStore.FullSaveStep step, Path where) throws IOException {
        boolean renamed = step.compareTo(CheckpointStore.FullSaveStep.RENAMED) >= 0;
        assertThat(Files.exists(where.resolve(CheckpointStore.REWRITE_FILE_NAME))).as("new file at %s", step)
                .isEqualTo(!renamed);
        if (step.compareTo(CheckpointStore.FullSaveStep.OLD_FILE_RETIRED) >= 0
                && step != CheckpointStore.FullSaveStep.REOPENED) {
            try (Stream<Path> files = Files.list(where)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .as("write-ahead files of the old checkpoint at %s", step)
                        .noneMatch(name -> name.startsWith(CheckpointStore.FILE_NAME + ".wal."));
            }
        }
    }

    /** Loads what is in {@code where} and checks it is intact and one of the checkpoints the children started. */
    private static Optional<StoredCheckpoint> loadAndCheck(Path where, Saves saves) throws Exception {
        Optional<StoredCheckpoint> loaded;
        try (CheckpointStore store = CheckpointStore.open(where, System::nanoTime)) {
            loaded = store.load();
        }
        if (loaded.isPresent()) {
            StoredCheckpoint checkpoint = loaded.get();
            assertThat(saves.digestByOp).as("op the child started to save").containsKey(checkpoint.op());
            assertThat(checkpoint.digest()).isEqualTo(saves.digestByOp.get(checkpoint.op()))
                    .isEqualTo(checkpoint.image().tree().recomputeDigest());
            assertThat(checkpoint.chain()).isEqualTo(CheckpointCrashChild.chain(checkpoint.op()));
            assertThat(checkpoint.consensusClients()).isEqualTo(CheckpointCrashChild.clients(checkpoint.op()));
        }
        return loaded;
    }
}
