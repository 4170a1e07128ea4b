package io.viewkeeper.storage.wal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte layout of log segments, big-endian.
 *
 * <pre>
 * segment header (64 bytes): magic u64, format version u32, first op u64, zero padding, CRC32C of bytes 0..59 u32
 * record:                    length u32, CRC32C u32 (over length and payload), payload of length bytes
 * entry payload:             type 1, op, view, client id, request number (u64 each), entry checksum u32,
 *                            chain u64, body (the rest)
 * batch-end payload:         type 2, last op u64, chain at last op u64
 * </pre>
 *
 * Every batch handed to the log is one write ending in a batch-end record, and is synced before the next batch is
 * acknowledged. A segment is preallocated with zeros, so a length of zero marks the end of what was written.
 */
final class WalFormat {

    static final long MAGIC = 0x564B57414C5345L; // "VKWALSE"
    static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 64;
    static final int RECORD_PREFIX_BYTES = 8;
    static final byte TYPE_ENTRY = 1;
    static final byte TYPE_BATCH_END = 2;
    static final int ENTRY_FIXED_BYTES = 1 + 8 * 4 + 4 + 8;
    static final int BATCH_END_BYTES = 1 + 8 + 8;

    private WalFormat() {
    }

    static ByteBuffer header(long firstOp) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putLong(0, MAGIC);
        header.putInt(8, FORMAT_VERSION);
        header.putLong(12, firstOp);
        header.putInt(HEADER_BYTES - 4, crc(header, 0, HEADER_BYTES - 4));
        return header;
    }

    /** The first op a segment header names; -1 when the header is damaged, -2 when it is a newer format. */
    static long readHeader(ByteBuffer segment) {
        if (segment.limit() < HEADER_BYTES || segment.getLong(0) != MAGIC
                || segment.getInt(HEADER_BYTES - 4) != crc(segment, 0, HEADER_BYTES - 4)) {
            return -1;
        }
        return segment.getInt(8) > FORMAT_VERSION ? -2 : segment.getLong(12);
    }

    static int batchBytes(List<WalRecord> batch) {
        long total = RECORD_PREFIX_BYTES + BATCH_END_BYTES;
        for (WalRecord record : batch) {
            total += RECORD_PREFIX_BYTES + ENTRY_FIXED_BYTES + record.body().length;
        }
        if (total > Integer.MAX_VALUE - HEADER_BYTES) {
            throw new IllegalArgumentException("batch of " + total + " bytes is too large for one write");
        }
        return (int) total;
    }

    /** One buffer holding the batch's entry records followed by its batch-end record, ready to write. */
    static ByteBuffer encodeBatch(List<WalRecord> batch) {
        ByteBuffer out = ByteBuffer.allocate(batchBytes(batch));
        for (WalRecord record : batch) {
            putEntry(out, record);
        }
        WalRecord last = batch.get(batch.size() - 1);
        putBatchEnd(out, last.op(), last.chain());
        return out.flip();
    }

    /** One entry record alone, as {@link #encodeBatch} lays it out: what a repaired record is written as. */
    static ByteBuffer encodeEntry(WalRecord record) {
        ByteBuffer out = ByteBuffer.allocate(RECORD_PREFIX_BYTES + ENTRY_FIXED_BYTES + record.body().length);
        putEntry(out, record);
        return out.flip();
    }

    private static void putEntry(ByteBuffer out, WalRecord record) {
        int start = out.position();
        out.putInt(ENTRY_FIXED_BYTES + record.body().length).putInt(0).put(TYPE_ENTRY);
        out.putLong(record.op()).putLong(record.view()).putLong(record.clientId()).putLong(record.requestNumber());
        out.putInt(record.entryChecksum()).putLong(record.chain()).put(record.body());
        sealRecord(out, start);
    }

    static void putBatchEnd(ByteBuffer out, long lastOp, long chain) {
        int start = out.position();
        out.putInt(BATCH_END_BYTES).putInt(0).put(TYPE_BATCH_END).putLong(lastOp).putLong(chain);
        sealRecord(out, start);
    }

    private static void sealRecord(ByteBuffer out, int start) {
        out.putInt(start + 4, recordCrc(out, start, out.getInt(start)));
    }

    /** A record's checksum: over its length field and its payload, skipping the checksum field between them. */
    private static int recordCrc(ByteBuffer buffer, int position, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), position, 4);
        crc.update(buffer.array(), position + RECORD_PREFIX_BYTES, length);
        return (int) crc.getValue();
    }

    /** Whether the record at {@code position} is whole and passes its checksum; its length is read from it. */
    static boolean recordValid(ByteBuffer segment, int position, int payloadBytesMax) {
        if (position + RECORD_PREFIX_BYTES > segment.limit()) {
            return false;
        }
        int length = segment.getInt(position);
        if (length < 1 || length > payloadBytesMax || position + RECORD_PREFIX_BYTES + length > segment.limit()) {
            return false;
        }
        return segment.getInt(position + 4) == recordCrc(segment, position, length);
    }

    static WalRecord readEntry(ByteBuffer segment, int position) {
        int length = segment.getInt(position);
        int p = position + RECORD_PREFIX_BYTES + 1;
        byte[] body = new byte[length - ENTRY_FIXED_BYTES];
        System.arraycopy(segment.array(), p + ENTRY_FIXED_BYTES - 1, body, 0, body.length);
        return new WalRecord(segment.getLong(p), segment.getLong(p + 8), segment.getLong(p + 16),
                segment.getLong(p + 24), segment.getInt(p + 32), segment.getLong(p + 36), body);
    }

    /** The CRC32C of {@code length} bytes of a heap buffer from {@code from}: the checksum of every file here. */
    static int crc(ByteBuffer buffer, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), from, length);
        return (int) crc.getValue();
    }
}
