package io.viewkeeper.storage.wal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What one segment holds: the entries of its complete batches, the offset where the last complete batch ends, and
 * whether anything after that offset was written. A batch counts only once its batch-end record is read: a batch
 * cut short by a crash was never synced, so never acknowledged.
 *
 * <p>A record that fails its checks is a torn tail when nothing valid follows it (the crash hit the last write)
 * and damage when a complete batch follows it (the bytes went bad after they were synced). Only the log's last
 * segment may have a torn tail; a segment is closed only after its last batch was synced.
 */
record SegmentScan(long firstOp, List<WalRecord> records, int goodEnd, boolean tailWritten, String damage) {

    long lastOp() {
        return records.isEmpty() ? firstOp - 1 : records.get(records.size() - 1).op();
    }

    static SegmentScan of(ByteBuffer segment, long firstOp, int payloadBytesMax) {
        List<WalRecord> records = new ArrayList<>();
        List<WalRecord> batch = new ArrayList<>();
        int position = WalFormat.HEADER_BYTES;
        int goodEnd = position;
        while (position + WalFormat.RECORD_PREFIX_BYTES <= segment.limit()) {
            if (segment.getLong(position) == 0) {
                // End of what was written, unless a synced batch follows zeroed bytes.
                SegmentScan end = stopped(segment, firstOp, records, goodEnd, "zeroed bytes");
                return end.damage() != null ? end
                        : new SegmentScan(firstOp, records, goodEnd, !batch.isEmpty(), null);
            }
            String problem = problemAt(segment, position, payloadBytesMax, firstOp + records.size() + batch.size());
            if (problem != null) {
                return stopped(segment, firstOp, records, goodEnd, problem + " at offset " + position);
            }
            int length = segment.getInt(position);
            if (segment.get(position + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_ENTRY) {
                batch.add(WalFormat.readEntry(segment, position));
            } else {
                records.addAll(batch);
                batch.clear();
                goodEnd = position + WalFormat.RECORD_PREFIX_BYTES + length;
            }
            position += WalFormat.RECORD_PREFIX_BYTES + length;
        }
        return new SegmentScan(firstOp, records, goodEnd, !batch.isEmpty(), null);
    }

    /** Why the record at {@code position} cannot extend the log, or null when it can. */
    private static String problemAt(ByteBuffer segment, int position, int payloadBytesMax, long expectedOp) {
        if (!WalFormat.recordValid(segment, position, payloadBytesMax)) {
            return "a record that fails its checksum or length check";
        }
        int length = segment.getInt(position);
        byte type = segment.get(position + WalFormat.RECORD_PREFIX_BYTES);
        long op = segment.getLong(position + WalFormat.RECORD_PREFIX_BYTES + 1);
        if (type == WalFormat.TYPE_ENTRY && length >= WalFormat.ENTRY_FIXED_BYTES) {
            return op == expectedOp ? null : "op " + op + " where op " + expectedOp + " was expected";
        }
        if (type == WalFormat.TYPE_BATCH_END && length == WalFormat.BATCH_END_BYTES) {
            return op == expectedOp - 1 ? null : "a batch end at op " + op + " after op " + (expectedOp - 1);
        }
        return "a record of unknown type " + type;
    }

    /** A bad record: damage when a complete batch beyond the last good op follows it, a torn tail otherwise. */
    private static SegmentScan stopped(ByteBuffer segment, long firstOp, List<WalRecord> records, int goodEnd,
            String problem) {
        long lastGoodOp = records.isEmpty() ? firstOp - 1 : records.get(records.size() - 1).op();
        int found = batchEndAfter(segment, goodEnd + 1, lastGoodOp);
        if (found >= 0) {
            return new SegmentScan(firstOp, records, goodEnd, true, problem + ", followed by a complete batch "
                    + "at offset " + found);
        }
        return new SegmentScan(firstOp, records, goodEnd, true, null);
    }

    /** The offset of the first valid batch-end record at or after {@code from} ending after {@code op}, or -1. */
    static int batchEndAfter(ByteBuffer segment, int from, long op) {
        int limit = segment.limit() - WalFormat.RECORD_PREFIX_BYTES - WalFormat.BATCH_END_BYTES;
        for (int p = from; p <= limit; p++) {
            if (segment.getInt(p) == WalFormat.BATCH_END_BYTES
                    && segment.get(p + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_BATCH_END
                    && WalFormat.recordValid(segment, p, WalFormat.BATCH_END_BYTES)
                    && segment.getLong(p + WalFormat.RECORD_PREFIX_BYTES + 1) > op) {
                return p;
            }
        }
        return -1;
    }
}
