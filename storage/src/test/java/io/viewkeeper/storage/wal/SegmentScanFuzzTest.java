package io.viewkeeper.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A write-ahead log segment of any bytes: the scan never throws, and what it keeps is whole batches whose entries
 * and holes together are consecutive ops from the first, ending within the bytes it was given; a hole and a reseal
 * lie within them. Seeds: segments of one and of two batches.
 */
class SegmentScanFuzzTest {
    private static final int PAYLOAD_BYTES_MAX = 1 << 16;
    private static final long FIRST_OP = 1;

    static Stream<byte[]> seeds() {
        List<WalRecord> first = List.of(new WalRecord(1, 0, 7, 1, 11, 101, new byte[] {1, 2, 3}),
                new WalRecord(2, 0, 7, 2, 12, 102, new byte[0]));
        List<WalRecord> second = List.of(new WalRecord(3, 1, 8, 1, 13, 103, new byte[40]));
        return Stream.of(segment(first), segment(first, second));
    }

    @SafeVarargs
    private static byte[] segment(List<WalRecord>... batches) {
        ByteBuffer out = ByteBuffer.allocate(4096);
        out.put(WalFormat.header(FIRST_OP));
        for (List<WalRecord> batch : batches) {
            out.put(WalFormat.encodeBatch(batch));
        }
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldScanAnyBytesWithoutThrowing(byte[] bytes) {
        SegmentScan scan = SegmentScan.of(ByteBuffer.wrap(bytes), FIRST_OP, PAYLOAD_BYTES_MAX);
        assertThat(scan.goodEnd()).isBetween(0, Math.max(bytes.length, WalFormat.HEADER_BYTES));
        int entry = 0;
        int hole = 0;
        for (long op = FIRST_OP; op <= scan.lastOp(); op++) {
            if (hole < scan.holes().size() && scan.holes().get(hole).op() == op) {
                SegmentScan.Hole h = scan.holes().get(hole++);
                assertThat((long) h.offset() + h.recordBytes()).isLessThanOrEqualTo(bytes.length);
            } else {
                assertThat(scan.records().get(entry++).op()).isEqualTo(op);
            }
        }
        assertThat(entry).isEqualTo(scan.records().size());
        assertThat(hole).isEqualTo(scan.holes().size());
        if (scan.sealAt() >= 0) {
            assertThat(scan.sealAt() + WalFormat.RECORD_PREFIX_BYTES + WalFormat.BATCH_END_BYTES)
                    .isLessThanOrEqualTo(bytes.length);
        }
    }
}
