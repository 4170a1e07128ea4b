package io.viewkeeper.storage.wal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What one segment holds: the entries of its complete batches, the damaged entry records between intact ones
 * (holes), the offset where the last complete batch ends, and whether anything after that offset was written. A
 * batch counts only once its batch-end record is read: a batch cut short by a crash was never synced, so never
 * acknowledged.
 *
 * <p>A record that fails its checks while its length is intact and a valid record that continues the log follows it
 * is skipped as a hole: the bytes went bad after they were written, and the entry can be fetched from a peer by its
 * op and chain. A damaged batch-end record that the next batch follows is skipped the same way. In the last batch, a
 * damaged batch-end after intact entries is resealed ({@link #sealAt}): the write carried the entries whole, and
 * whether it completed or not, keeping entries a primary sent is safe. Any other bad record is a torn tail when
 * nothing valid follows it (the crash hit the last write) and damage when a complete batch follows it. Only the
 * log's last segment may have a torn tail; a segment is closed only after its last batch was synced.
 *
 * <p>A torn tail that stopped on bytes that are not zero, with no valid batch end after them, is unreadable
 * ({@code unreadableEnd} is the offset after its last byte that is not zero): a write a crash cut short looks so,
 * but so does a synced batch whose entry and end record were both damaged since, whose ops may have been
 * acknowledged. Bytes where a record belongs are taken as never written only when every byte from there to the end
 * of the segment is zero.
 */
record SegmentScan(long firstOp, List<WalRecord> records, List<Hole> holes, long lastOp, int goodEnd,
                   boolean tailWritten, int sealAt, String damage, int unreadableEnd) {

    /**
     * A damaged entry record at {@code offset}, {@code recordBytes} long, of op {@code op}; {@code chainKnown} when
     * its batch ended at that op, whose end record names the chain there ({@code chain}).
     */
    record Hole(long op, int offset, int recordBytes, boolean chainKnown, long chain) {
    }

    static SegmentScan of(ByteBuffer segment, long firstOp, int payloadBytesMax) {
        return new Scanner(segment, firstOp, payloadBytesMax).scan();
    }

    private static final class Scanner {
        private final ByteBuffer segment;
        private final long firstOp;
        private final int payloadBytesMax;
        private final List<WalRecord> records = new ArrayList<>();
        private final List<Hole> holes = new ArrayList<>();
        private final List<WalRecord> batch = new ArrayList<>();
        private final List<Hole> batchHoles = new ArrayList<>();
        /** The op the next entry record must have. */
        private long nextOp;
        private long lastOp;
        private int goodEnd = WalFormat.HEADER_BYTES;

        Scanner(ByteBuffer segment, long firstOp, int payloadBytesMax) {
            this.segment = segment;
            this.firstOp = firstOp;
            this.payloadBytesMax = payloadBytesMax;
            this.nextOp = firstOp;
            this.lastOp = firstOp - 1;
        }

        SegmentScan scan() {
            int position = WalFormat.HEADER_BYTES;
            while (position + WalFormat.RECORD_PREFIX_BYTES <= segment.limit()) {
                // zeroed: nothing was written from here on (bytes that went to zero before later ones are damage)
                boolean zeroed = segment.getLong(position) == 0 && zeroFrom(segment, position);
                String problem = zeroed ? "zeroed bytes"
                        : problemAt(segment, position, payloadBytesMax, nextOp);
                if (problem == null) {
                    position = take(position);
                    continue;
                }
                int skipTo = zeroed ? -1 : skippable(position);
                if (skipTo >= 0) {
                    position = skipTo;
                    continue;
                }
                SegmentScan stop = stopped(problem + " at offset " + position);
                if (stop.damage() == null && resealable(position, zeroed)) {
                    completeBatch(position + WalFormat.RECORD_PREFIX_BYTES + WalFormat.BATCH_END_BYTES);
                    return result(false, position, null);
                }
                // Zeroed bytes with nothing valid after them are the end of what was written.
                if (zeroed && stop.damage() == null) {
                    return result(pending(), -1, null);
                }
                return stop.damage() != null ? stop : new SegmentScan(firstOp, stop.records(), stop.holes(),
                        stop.lastOp(), stop.goodEnd(), true, -1, null, lastNonZeroEnd());
            }
            return result(pending(), -1, null);
        }

        private boolean pending() {
            return !batch.isEmpty() || !batchHoles.isEmpty();
        }

        /** Takes the valid record at {@code position}; returns the offset after it. */
        private int take(int position) {
            int length = segment.getInt(position);
            int end = position + WalFormat.RECORD_PREFIX_BYTES + length;
            if (segment.get(position + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_ENTRY) {
                batch.add(WalFormat.readEntry(segment, position));
                nextOp++;
            } else {
                long chain = segment.getLong(position + WalFormat.RECORD_PREFIX_BYTES + 1 + 8);
                if (!batchHoles.isEmpty() && batchHoles.get(batchHoles.size() - 1).op() == nextOp - 1) {
                    Hole last = batchHoles.remove(batchHoles.size() - 1);
                    batchHoles.add(new Hole(last.op(), last.offset(), last.recordBytes(), true, chain));
                }
                completeBatch(end);
            }
            return end;
        }

        private void completeBatch(int end) {
            records.addAll(batch);
            holes.addAll(batchHoles);
            batch.clear();
            batchHoles.clear();
            lastOp = nextOp - 1;
            goodEnd = end;
        }

        /**
         * The offset after the bad record at {@code position} when it can be skipped: its length is plausible and
         * the record after it is valid and continues the log, as the entry {@code nextOp} would (a hole) or as the
         * batch-end a complete batch would (the next batch's first entry follows); -1 otherwise.
         */
        private int skippable(int position) {
            int length = segment.getInt(position);
            if (length < WalFormat.BATCH_END_BYTES || length > payloadBytesMax) {
                return -1;
            }
            long after = (long) position + WalFormat.RECORD_PREFIX_BYTES + length;
            if (after + WalFormat.RECORD_PREFIX_BYTES > segment.limit()) {
                return -1;
            }
            int next = (int) after;
            // valid at next: the entry nextOp + 1, or the batch-end of a batch ending at nextOp
            if (length >= WalFormat.ENTRY_FIXED_BYTES && problemAt(segment, next, payloadBytesMax, nextOp + 1) == null) {
                batchHoles.add(new Hole(nextOp, position, WalFormat.RECORD_PREFIX_BYTES + length, false, 0));
                nextOp++;
                return next;
            }
            if (length == WalFormat.BATCH_END_BYTES && !batch.isEmpty() && batchHoles.isEmpty()
                    && isEntry(next, nextOp)) {
                completeBatch(next);
                return next;
            }
            return -1;
        }

        /**
         * Whether the bad record at {@code position}, with nothing valid after it, is where the last batch's end
         * record belongs after its intact entries: a batch-end's length, or zeroed bytes (its write did not land).
         */
        private boolean resealable(int position, boolean zeroed) {
            return !batch.isEmpty() && batchHoles.isEmpty()
                    && (zeroed || segment.getInt(position) == WalFormat.BATCH_END_BYTES)
                    && position + WalFormat.RECORD_PREFIX_BYTES + WalFormat.BATCH_END_BYTES <= segment.limit();
        }

        private boolean isEntry(int position, long op) {
            return position + WalFormat.RECORD_PREFIX_BYTES <= segment.limit()
                    && problemAt(segment, position, payloadBytesMax, op) == null
                    && segment.get(position + WalFormat.RECORD_PREFIX_BYTES) == WalFormat.TYPE_ENTRY;
        }

        /** A bad record: damage when a complete batch beyond the last good op follows it, a torn tail otherwise. */
        private SegmentScan stopped(String problem) {
            int found = batchEndAfter(segment, goodEnd + 1, lastOp);
            if (found >= 0) {
                return result(true, -1, problem + ", followed by a complete batch at offset " + found);
            }
            return result(true, -1, null);
        }

        private SegmentScan result(boolean tailWritten, int sealAt, String damage) {
            return new SegmentScan(firstOp, List.copyOf(records), List.copyOf(holes), lastOp, goodEnd, tailWritten,
                    sealAt, damage, -1);
        }

        /** The offset after the segment's last byte that is not zero, past the last complete batch. */
        private int lastNonZeroEnd() {
            int end = segment.limit();
            while (end > goodEnd && segment.get(end - 1) == 0) {
                end--;
            }
            return end;
        }
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

    /** Whether every byte of the segment from {@code from} on is zero. */
    static boolean zeroFrom(ByteBuffer segment, int from) {
        // a whole preallocated segment's tail is read on every open: compare it in blocks, not byte by byte
        int p = from;
        for (; segment.limit() - p >= ZEROS.capacity(); p += ZEROS.capacity()) {
            if (segment.slice(p, ZEROS.capacity()).mismatch(ZEROS) >= 0) {
                return false;
            }
        }
        for (; p < segment.limit(); p++) {
            if (segment.get(p) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A block of zeros to compare a segment's tail with (read-only, shared). */
    private static final ByteBuffer ZEROS = ByteBuffer.allocate(64 << 10).asReadOnlyBuffer();

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
