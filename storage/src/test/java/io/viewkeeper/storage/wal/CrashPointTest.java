package io.viewkeeper.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted workload of appends with syncs, a truncation, a release and a reset, crashed at every write and fsync
 * it makes, with unsynced writes lost or torn. After each crash the log must reopen without damage and hold exactly
 * the state after the last completed step, or (for the step under way) the state after it: never less than what a
 * completed sync acknowledged, never an entry that was not appended.
 */
class CrashPointTest {

    private static final WriteAheadLog.Options OPTIONS = new WriteAheadLog.Options(4096, true, 8192);

    @TempDir
    Path root;

    /** The model: what a reopen with {@code checkpointOp} must return. */
    private record State(List<WalRecord> records, long checkpointOp) {
    }

    private interface Step {
        State run(WriteAheadLog wal, State before) throws IOException;
    }

    private static List<Step> workload() {
        SplittableRandom random = new SplittableRandom(42);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            steps.add(append(random.nextInt(1, 4), random.split()));
        }
        steps.add((wal, before) -> {
            long keep = before.records().size() - 7;
            wal.truncateAfter(keep);
            return new State(before.records().subList(0, (int) keep), before.checkpointOp());
        });
        for (int i = 0; i < 4; i++) {
            steps.add(append(random.nextInt(1, 4), random.split()));
        }
        steps.add((wal, before) -> {
            long released = before.records().get(before.records().size() / 2).op();
            wal.releaseUpTo(released);
            return new State(before.records().stream().filter(r -> r.op() > released).toList(), released);
        });
        steps.add((wal, before) -> {
            wal.beginReset(500);
            return before;
        });
        steps.add((wal, before) -> new State(List.of(), 500)); // the checkpoint at op 500 became durable
        steps.add((wal, before) -> {
            wal.reset(500);
            return before;
        });
        steps.add(append(3, random.split()));
        return steps;
    }

    private static Step append(int count, SplittableRandom random) {
        return (wal, before) -> {
            List<WalRecord> batch = WriteAheadLogTest.batch(wal.lastOp() + 1, count, 1, random);
            wal.append(batch);
            wal.sync();
            List<WalRecord> after = new ArrayList<>(before.records());
            after.addAll(batch);
            return new State(after, before.checkpointOp());
        };
    }

    @Test
    void shouldKeepEverySyncedBatchWhateverWriteOrFsyncTheCrashHits() throws IOException {
        long total = runUntilCrash(Long.MAX_VALUE, false, 0).operations;
        assertThat(total).isGreaterThan(40);
        int crashes = 0;
        for (long point = 1; point <= total; point++) {
            for (boolean tear : new boolean[] {false, true}) {
                Outcome outcome = runUntilCrash(point, tear, point);
                assertThat(outcome.crashed).as("crash point %d", point).isTrue();
                WriteAheadLog.Contents contents = reopen(outcome.dir, outcome.committed.checkpointOp());
                assertThat(contents.damage()).as("crash point %d, torn %s", point, tear).isNull();
                List<WalRecord> found = contents.records();
                boolean matchesBefore = same(found, outcome.committed.records());
                boolean matchesAfter = outcome.underWay != null && same(found, outcome.underWay.records());
                boolean partialTruncate = outcome.underWayStep == 10
                        && isPrefixBetween(found, outcome.underWay.records(), outcome.committed.records());
                assertThat(matchesBefore || matchesAfter || partialTruncate)
                        .as("crash point %d (torn %s, step %d): found ops %s, committed %s", point, tear,
                                outcome.underWayStep, ops(found), ops(outcome.committed.records()))
                        .isTrue();
                crashes++;
            }
        }
        assertThat(crashes).isEqualTo(2 * total);
    }

    private record Outcome(Path dir, boolean crashed, long operations, State committed, State underWay,
                           int underWayStep) {
    }

    private Outcome runUntilCrash(long crashPoint, boolean tear, long seed) throws IOException {
        Path dir = root.resolve("run-" + crashPoint + "-" + tear);
        CrashingDisk disk = new CrashingDisk(crashPoint);
        State committed = new State(List.of(), 0);
        List<Step> steps = workload();
        WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS, disk, 0).log();
        for (int i = 0; i < steps.size(); i++) {
            State expectedAfter;
            try {
                expectedAfter = steps.get(i).run(wal, committed);
            } catch (CrashingDisk.Crash crash) {
                disk.crash(tear, new SplittableRandom(seed));
                return new Outcome(dir, true, disk.operations(), committed, afterOf(steps.get(i), committed), i);
            }
            committed = expectedAfter;
        }
        return new Outcome(dir, false, disk.operations(), committed, null, -1);
    }

    /** What the step under way would have left, computed on a scratch log that does not crash. */
    private State afterOf(Step step, State before) throws IOException {
        Path scratch = Files.createTempDirectory(root, "scratch");
        WriteAheadLog wal = WriteAheadLog.open(scratch, OPTIONS, ChannelOpener.DIRECT, before.checkpointOp()).log();
        if (!before.records().isEmpty()) {
            wal.reset(before.records().get(0).op() - 1);
            wal.append(before.records());
        } else {
            wal.reset(before.checkpointOp());
        }
        State after = step.run(wal, before);
        wal.close();
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        return after;
    }

    private static WriteAheadLog.Contents reopen(Path dir, long checkpointOp) throws IOException {
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, OPTIONS, ChannelOpener.DIRECT, checkpointOp);
        opened.log().close();
        return opened.contents();
    }

    private static boolean same(List<WalRecord> found, List<WalRecord> expected) {
        if (found.size() != expected.size()) {
            return false;
        }
        for (int i = 0; i < found.size(); i++) {
            WalRecord a = found.get(i);
            WalRecord b = expected.get(i);
            if (a.op() != b.op() || a.chain() != b.chain() || !java.util.Arrays.equals(a.body(), b.body())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrefixBetween(List<WalRecord> found, List<WalRecord> shortest,
            List<WalRecord> longest) {
        return found.size() >= shortest.size() && found.size() <= longest.size()
                && same(found, longest.subList(0, found.size()));
    }

    private static List<Long> ops(List<WalRecord> records) {
        return records.stream().map(WalRecord::op).toList();
    }
}
