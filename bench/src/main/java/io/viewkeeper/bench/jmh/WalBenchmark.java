package io.viewkeeper.bench.jmh;

import io.viewkeeper.storage.wal.ChannelOpener;
import io.viewkeeper.storage.wal.WalRecord;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One group-commit round of the write-ahead log as the log writer does it: append a batch of entries with 100-byte
 * bodies, then sync (fsync on), reported per batch. The log lives in a new directory under {@code bench.walDir}
 * (default: java.io.tmpdir), which must be on the disk being measured: on tmpfs the fsync costs nothing. Segments
 * are rolled (preallocated and synced) as the log grows, amortised in the figure; the ones behind the writer are
 * deleted after every iteration.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WalBenchmark {
    static final int BODY_BYTES = 100;
    static final int RECORD_BYTES_MAX = 1 << 20;

    @Param({"1", "16", "128"})
    public int batchEntries;

    private Path directory;
    private WriteAheadLog wal;
    private byte[] body;
    private long nextOp;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path base = Path.of(System.getProperty("bench.walDir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(base);
        directory = Files.createTempDirectory(base, "wal-benchmark-");
        WriteAheadLog.Options fsyncOn = new WriteAheadLog.Options(WriteAheadLog.Options.defaults().segmentBytes(), true,
                RECORD_BYTES_MAX);
        wal = WriteAheadLog.open(directory, fsyncOn, ChannelOpener.DIRECT, 0).log();
        body = new byte[BODY_BYTES];
        nextOp = 1;
    }

    @Benchmark
    public long appendAndSync() throws IOException {
        List<WalRecord> batch = new ArrayList<>(batchEntries);
        for (int i = 0; i < batchEntries; i++) {
            long op = nextOp++;
            batch.add(new WalRecord(op, 1, 0x1000000000001L, op, (int) op, op * 31, body));
        }
        wal.append(batch);
        wal.sync();
        return wal.lastOp();
    }

    @TearDown(Level.Iteration)
    public void releaseWrittenSegments() throws IOException {
        wal.releaseUpTo(wal.lastOp());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        wal.close();
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
