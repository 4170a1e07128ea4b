package io.viewkeeper.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {

    private static final WriteAheadLog.Options SMALL = new WriteAheadLog.Options(4096, true, 8192);

    @TempDir
    Path dir;

    static List<WalRecord> batch(long firstOp, int count, long view, SplittableRandom random) {
        List<WalRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] body = new byte[random.nextInt(0, 1500)];
            random.nextBytes(body);
            long op = firstOp + i;
            records.add(new WalRecord(op, view, random.nextLong(), op, random.nextInt(), op * 31 + view, body));
        }
        return records;
    }

    private WriteAheadLog.Contents reopen(long checkpointOp) throws IOException {
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, checkpointOp);
        opened.log().close();
        return opened.contents();
    }

    private List<WalRecord> fill(WriteAheadLog wal, int batches, SplittableRandom random) throws IOException {
        List<WalRecord> all = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<WalRecord> records = batch(wal.lastOp() + 1, random.nextInt(1, 5), 1, random);
            wal.append(records);
            wal.sync();
            all.addAll(records);
        }
        return all;
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
        }
    }

    @Test
    void shouldReadBackEveryBatchAcrossSegments() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 20, random);
        wal.close();
        assertThat(segmentFiles()).hasSizeGreaterThan(3);
        WriteAheadLog.Contents contents = reopen(0);
        assertThat(contents.damage()).isNull();
        assertThat(contents.records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
        assertThat(reopen(5).records().get(0).op()).isEqualTo(6);
    }

    @Test
    void shouldContinueAfterReopen() throws IOException {
        SplittableRandom random = new SplittableRandom(2);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 5, random);
        wal.close();
        WriteAheadLog again = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        written.addAll(fill(again, 5, random));
        again.close();
        assertThat(reopen(0).records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
    }

    @Test
    void shouldCutTornTailAndKeepEverySyncedBatch() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 6, random);
        List<WalRecord> unsynced = batch(wal.lastOp() + 1, 2, 1, random);
        wal.append(unsynced);
        wal.close();
        Path last = segmentFiles().get(segmentFiles().size() - 1);
        long end = endOfData(last);
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[40]), end - 30); // tear the end of the unsynced batch
        }
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0);
        assertThat(opened.contents().damage()).isNull();
        assertThat(opened.contents().records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
        // bytes that are not zero and no batch end: a torn write or a damaged synced one, which the peers resolve
        assertThat(opened.contents().uncertainTailOps()).isPositive();
        assertThatThrownBy(() -> opened.log().append(batch(written.size() + 1, 1, 2, random)))
                .isInstanceOf(IllegalStateException.class);
        opened.log().resolveTail(List.of());
        List<WalRecord> next = batch(written.size() + 1, 3, 2, random);
        opened.log().append(next);
        opened.log().close();
        written.addAll(next);
        assertThat(reopen(0).records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
    }

    private static long endOfData(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }

    @Test
    void shouldReportDamageWhenSyncedRecordFailsItsChecksum() throws IOException {
        SplittableRandom random = new SplittableRandom(4);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        fill(wal, 12, random);
        wal.close();
        List<Path> files = segmentFiles();
        Path middle = files.get(files.size() / 2);
        flipByte(middle, WalFormat.HEADER_BYTES + 1); // the first record's length: it cannot be skipped
        WriteAheadLog.Contents contents = reopen(0);
        assertThat(contents.damage()).contains(middle.getFileName().toString());
        assertThat(contents.lastOp()).isEqualTo(firstOpOf(middle) - 1);
    }

    @Test
    void shouldReportDamageInLastSegmentWhenCompleteBatchFollowsBadRecord() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        WriteAheadLog wal = WriteAheadLog.open(dir, new WriteAheadLog.Options(1 << 20, true, 8192),
                ChannelOpener.DIRECT, 0).log();
        fill(wal, 10, random);
        wal.close();
        Path only = segmentFiles().get(0);
        flipByte(only, WalFormat.HEADER_BYTES + 2);
        WriteAheadLog.Contents contents = reopen(0);
        assertThat(contents.damage()).contains("followed by a complete batch");
        assertThat(contents.records()).isEmpty();
    }

    @Test
    void shouldReportDamageWhenSyncedRecordIsZeroed() throws IOException {
        SplittableRandom random = new SplittableRandom(6);
        WriteAheadLog wal = WriteAheadLog.open(dir, new WriteAheadLog.Options(1 << 20, true, 8192),
                ChannelOpener.DIRECT, 0).log();
        fill(wal, 10, random);
        wal.close();
        try (FileChannel channel = FileChannel.open(segmentFiles().get(0), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8), WalFormat.HEADER_BYTES);
        }
        // zeroed bytes before written ones went bad after they were written: damage, never the end of the log
        assertThat(reopen(0).damage()).contains("at offset " + WalFormat.HEADER_BYTES)
                .contains("followed by a complete batch");
    }

    /** The offset of the entry record of {@code op} in a segment, found by walking its records. */
    private static int offsetOf(Path segment, long op) throws IOException {
        ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(segment));
        int position = WalFormat.HEADER_BYTES;
        while (content.getInt(position) > 0) {
            if (content.get(position + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_ENTRY
                    && content.getLong(position + WalFormat.RECORD_PREFIX_BYTES + 1) == op) {
                return position;
            }
            position += WalFormat.RECORD_PREFIX_BYTES + content.getInt(position);
        }
        throw new IllegalArgumentException("no record of op " + op + " in " + segment);
    }

    /**
     * A byte flipped in the body of a synced entry between intact records is a hole, not damage: the log reads on,
     * names the op, and rewrites the record in place when given the entry; the next open finds every record.
     */
    @Test
    void shouldSkipDamagedRecordBetweenIntactOnesAndRepairItInPlace() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        WriteAheadLog wal = WriteAheadLog.open(dir, new WriteAheadLog.Options(1 << 20, true, 8192),
                ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            List<WalRecord> records = batch(wal.lastOp() + 1, 3, 1, random);
            wal.append(records);
            wal.sync();
            written.addAll(records);
        }
        wal.close();
        Path only = segmentFiles().get(0);
        flipByte(only, offsetOf(only, 5) + WalFormat.RECORD_PREFIX_BYTES + 20);
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0);
        WriteAheadLog.Contents contents = opened.contents();
        assertThat(contents.damage()).isNull();
        assertThat(contents.holes()).containsExactly(new WriteAheadLog.Hole(5, false, 0));
        assertThat(contents.records()).extracting(WalRecord::op).doesNotContain(5L).hasSize(11);
        assertThat(contents.lastOp()).isEqualTo(12);
        assertThat(opened.log().holesLeft()).isEqualTo(1);
        assertThatThrownBy(() -> opened.log().repair(List.of(written.get(3))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("op 4");
        opened.log().repair(List.of(written.get(4)));
        assertThat(opened.log().holesLeft()).isZero();
        opened.log().close();
        WriteAheadLog.Contents repaired = reopen(0);
        assertThat(repaired.holes()).isEmpty();
        assertThat(repaired.records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
    }

    /**
     * The last entry of the last synced batch damaged: a hole whose chain its batch's end record names, not a torn
     * tail to cut (the op may have been acknowledged).
     */
    @Test
    void shouldKeepDamagedLastEntryAsHoleWithTheChainItsBatchEndNames() throws IOException {
        SplittableRandom random = new SplittableRandom(12);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 6, random);
        wal.close();
        WalRecord lastRecord = written.get(written.size() - 1);
        Path last = segmentFiles().get(segmentFiles().size() - 1);
        flipByte(last, offsetOf(last, lastRecord.op()) + WalFormat.RECORD_PREFIX_BYTES + 30);
        WriteAheadLog.Contents contents = reopen(0);
        assertThat(contents.damage()).isNull();
        assertThat(contents.holes()).containsExactly(new WriteAheadLog.Hole(lastRecord.op(), true, lastRecord.chain()));
        assertThat(contents.lastOp()).isEqualTo(lastRecord.op());
    }

    /**
     * The last synced batch's last entry and its end record both damaged: nothing tells that write from one a crash
     * cut short, so the open reports how many ops it may have held, and keeps reporting it on every open (the bytes
     * are cut the first time) until the replica resolves it with its peers, appending what they hold.
     */
    @Test
    void shouldReportUnreadableLastWriteOnEveryOpenUntilResolved() throws IOException {
        SplittableRandom random = new SplittableRandom(14);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 5, random);
        List<WalRecord> lastBatch = batch(wal.lastOp() + 1, 3, 1, random);
        wal.append(lastBatch);
        wal.sync();
        wal.close();
        Path last = segmentFiles().get(segmentFiles().size() - 1);
        WalRecord lastRecord = lastBatch.get(lastBatch.size() - 1);
        flipByte(last, offsetOf(last, lastRecord.op()) + WalFormat.RECORD_PREFIX_BYTES + 30);
        flipByte(last, endOfData(last) - 5);
        assertThat(WriteAheadLog.inspect(dir, 8192)).extracting(WriteAheadLog.SegmentReport::unreadableTail)
                .endsWith(true);
        WriteAheadLog.Contents first = reopen(0);
        assertThat(first.damage()).isNull();
        assertThat(first.records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
        assertThat(first.uncertainTailOps()).isGreaterThanOrEqualTo(lastBatch.size());
        assertThat(reopen(0).uncertainTailOps()).isEqualTo(first.uncertainTailOps());
        assertThat(WriteAheadLog.unresolvedTail(dir)).as("the doubt an inspection reports")
                .isEqualTo(written.size() + first.uncertainTailOps());
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0);
        opened.log().resolveTail(lastBatch);
        opened.log().close();
        written.addAll(lastBatch);
        WriteAheadLog.Contents resolved = reopen(0);
        assertThat(resolved.uncertainTailOps()).isZero();
        assertThat(WriteAheadLog.unresolvedTail(dir)).isZero();
        assertThat(resolved.records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
    }

    /**
     * The last batch's end record damaged while its entries are intact: the batch is kept and its end written
     * again, so the next open finds it whole; the log goes on after it.
     */
    @Test
    void shouldResealLastBatchWhenOnlyItsEndRecordIsDamaged() throws IOException {
        SplittableRandom random = new SplittableRandom(13);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 6, random);
        wal.close();
        Path last = segmentFiles().get(segmentFiles().size() - 1);
        flipByte(last, endOfData(last) - 5);
        WriteAheadLog.Opened opened = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0);
        assertThat(opened.contents().damage()).isNull();
        assertThat(opened.contents().records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
        List<WalRecord> next = batch(written.size() + 1, 2, 2, random);
        opened.log().append(next);
        opened.log().close();
        written.addAll(next);
        assertThat(reopen(0).records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(written);
    }

    static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x5A));
            channel.write(one.rewind(), position);
        }
    }

    @Test
    void shouldTruncateMidBatchAndAcrossSegments() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 15, random);
        long keep = written.size() / 2 + 1;
        wal.truncateAfter(keep);
        List<WalRecord> branch = batch(keep + 1, 4, 2, random);
        wal.append(branch);
        wal.sync();
        wal.close();
        List<WalRecord> expected = new ArrayList<>(written.subList(0, (int) keep));
        expected.addAll(branch);
        WriteAheadLog.Contents contents = reopen(0);
        assertThat(contents.damage()).isNull();
        assertThat(contents.records()).usingRecursiveFieldByFieldElementComparator().isEqualTo(expected);
    }

    @Test
    void shouldDeleteReleasedSegmentsButNotTheOneBeingWritten() throws IOException {
        SplittableRandom random = new SplittableRandom(8);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 20, random);
        int before = segmentFiles().size();
        long half = written.size() / 2;
        wal.releaseUpTo(half);
        assertThat(segmentFiles().size()).isLessThan(before);
        assertThat(firstOpOf(segmentFiles().get(0))).as("the segment holding op %d is kept", half + 1)
                .isLessThanOrEqualTo(half + 1);
        wal.releaseUpTo(wal.lastOp());
        assertThat(segmentFiles()).hasSize(1);
        wal.close();
        long kept = firstOpOf(segmentFiles().get(0));
        assertThat(kept).isGreaterThan(half + 1);
        assertThat(reopen(half).records()).usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(written.subList((int) kept - 1, written.size()));
    }

    private static long firstOpOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().replace(".wal", ""));
    }

    @Test
    void shouldFinishResetWhenCheckpointBecameDurableAndUndoItOtherwise() throws IOException {
        SplittableRandom random = new SplittableRandom(9);
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        List<WalRecord> written = fill(wal, 6, random);
        wal.beginReset(100);
        wal.close();
        assertThat(reopen(0).records()).hasSize(written.size());
        WriteAheadLog again = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        again.beginReset(100);
        again.close();
        WriteAheadLog.Opened afterCheckpoint = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 100);
        assertThat(afterCheckpoint.contents().records()).isEmpty();
        afterCheckpoint.log().append(batch(101, 2, 3, random));
        afterCheckpoint.log().close();
        assertThat(reopen(100).records()).extracting(WalRecord::op).containsExactly(101L, 102L);
    }

    @Test
    void shouldRefuseOutOfOrderAppend() throws IOException {
        WriteAheadLog wal = WriteAheadLog.open(dir, SMALL, ChannelOpener.DIRECT, 0).log();
        assertThatThrownBy(() -> wal.append(batch(2, 1, 1, new SplittableRandom(1))))
                .isInstanceOf(IllegalStateException.class);
        wal.close();
    }
}
