package io.viewkeeper.server.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.LogHole;
import io.viewkeeper.storage.wal.WalRecord;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's disk whose log has records damaged after they were synced, between intact ones: opening it reports
 * them as holes with the hash chain the disk still names at each (through the intact record after it, or the end
 * record of its batch), keeps every other entry, and takes the entries back in place.
 */
class ReplicaDiskRepairTest {
    private static final ReplicaDisk.Identity IDENTITY = new ReplicaDisk.Identity(0x5eed, 2, "3 members");
    private static final WriteAheadLog.Options OPTIONS = new WriteAheadLog.Options(1 << 20, true, 1 << 16);

    @TempDir
    Path dir;

    @Test
    void shouldReportDamagedRecordsAsHolesWithTheirChainsAndTakeTheEntriesBack() throws IOException {
        List<LogEntry> entries = new ArrayList<>();
        long[] chains = new long[10];
        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            disk.persistViewState(1, 1);
            long chain = 0;
            for (int batch = 0; batch < 2; batch++) {
                List<WalRecord> records = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    int op = entries.size() + 1;
                    LogEntry entry = LogEntry.of(op, 1, 7, op, ("value " + op).getBytes(StandardCharsets.UTF_8));
                    chain = entry.chainAfter(chain);
                    chains[op - 1] = chain;
                    entries.add(entry);
                    records.add(record(entry, chain));
                }
                disk.wal().append(records);
                disk.wal().sync();
            }
        }
        Path segment = onlySegment();
        flipInBody(segment, 3);
        flipInBody(segment, 10);

        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            assertThat(disk.start().kind()).isEqualTo(ReplicaDisk.Kind.INTACT);
            assertThat(disk.start().durable().holes())
                    .containsExactly(new LogHole(3, 3, chains[2]), new LogHole(10, 10, chains[9]));
            assertThat(disk.start().durable().entries()).extracting(LogEntry::op)
                    .containsExactly(1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L);
            disk.wal().repair(List.of(record(entries.get(2), chains[2]), record(entries.get(9), chains[9])));
        }
        try (ReplicaDisk disk = ReplicaDisk.open(dir, IDENTITY, OPTIONS)) {
            assertThat(disk.start().durable().holes()).isEmpty();
            assertThat(disk.start().durable().entries()).isEqualTo(entries);
        }
    }

    private static WalRecord record(LogEntry entry, long chain) {
        return new WalRecord(entry.op(), entry.view(), entry.clientId(), entry.requestNumber(), entry.checksum(),
                chain, entry.body());
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
            List<Path> segments = files.filter(p -> p.toString().endsWith(".wal")).toList();
            assertThat(segments).hasSize(1);
            return segments.get(0);
        }
    }

    /** Flips a byte in the body of the entry record of {@code op}. */
    private static void flipInBody(Path segment, long op) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        int position = 64;
        while (bytes.getInt(position) > 0) {
            if (bytes.get(position + 8) == 1 && bytes.getLong(position + 9) == op) {
                try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                    int at = position + 8 + bytes.getInt(position) - 1; // the last byte of the body
                    channel.write(ByteBuffer.wrap(new byte[] {(byte) (bytes.get(at) ^ 0x21)}), at);
                }
                return;
            }
            position += 8 + bytes.getInt(position);
        }
        throw new IllegalArgumentException("no entry of op " + op);
    }
}
