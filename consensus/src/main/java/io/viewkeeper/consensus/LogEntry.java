package io.viewkeeper.consensus;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * One entry of the replicated log: an opaque application body ordered at op-number {@code op}.
 * The checksum covers every other field, so an entry damaged in memory, on disk or on the wire is
 * detected before it is acknowledged or applied.
 */
public record LogEntry(long op, long view, long clientId, long requestNumber, byte[] body, int checksum) {

    public LogEntry {
        if (op <= 0) {
            throw new IllegalArgumentException("op must be positive: " + op);
        }
        if (body == null) {
            throw new IllegalArgumentException("body must not be null");
        }
    }

    /** Builds an entry with its checksum computed over the other fields. */
    public static LogEntry of(long op, long view, long clientId, long requestNumber, byte[] body) {
        int checksum = checksumOf(op, view, clientId, requestNumber, body);
        return new LogEntry(op, view, clientId, requestNumber, body, checksum);
    }

    public boolean checksumValid() {
        return checksum == checksumOf(op, view, clientId, requestNumber, body);
    }

    /**
     * The hash chain at this entry given the chain at the op before it. A Prepare carries the chain at its first op's
     * parent; a write-ahead log stores each entry's chain, so a log that skips, repeats or reorders entries is caught.
     */
    public long chainAfter(long parentChain) {
        long h = parentChain ^ (op * 0x9E3779B97F4A7C15L) ^ (checksum & 0xFFFFFFFFL);
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /**
     * The chain at this entry's parent given the chain at this entry: {@link #chainAfter} is a bijection of the
     * parent chain for a given entry, so a log that stores each entry's chain names the chain before a damaged
     * record through the intact record after it, and the record's repair can be checked against it.
     */
    public long parentChainOf(long chain) {
        long h = unshiftXor(chain, 31) * MIX2_INVERSE;
        h = unshiftXor(h, 27) * MIX1_INVERSE;
        h = unshiftXor(h, 30);
        return h ^ (op * 0x9E3779B97F4A7C15L) ^ (checksum & 0xFFFFFFFFL);
    }

    private static final long MIX1_INVERSE = inverse(0xBF58476D1CE4E5B9L);
    private static final long MIX2_INVERSE = inverse(0x94D049BB133111EBL);

    /** The multiplicative inverse of an odd {@code a} modulo 2^64 (Newton's iteration doubles the correct bits). */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }

    /** The {@code x} with {@code x ^ (x >>> shift) == value}. */
    private static long unshiftXor(long value, int shift) {
        long x = value;
        for (int i = 0; i < 64 / shift + 1; i++) {
            x = value ^ (x >>> shift);
        }
        return x;
    }

    static int checksumOf(long op, long view, long clientId, long requestNumber, byte[] body) {
        CRC32C crc = new CRC32C();
        byte[] header = new byte[32];
        putLong(header, 0, op);
        putLong(header, 8, view);
        putLong(header, 16, clientId);
        putLong(header, 24, requestNumber);
        crc.update(header);
        crc.update(body);
        return (int) crc.getValue();
    }

    private static void putLong(byte[] target, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            target[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LogEntry e && e.op == op && e.view == view && e.clientId == clientId
                && e.requestNumber == requestNumber && e.checksum == checksum && Arrays.equals(e.body, body);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(op) * 31 + checksum;
    }

    @Override
    public String toString() {
        return "LogEntry[op=" + op + ", view=" + view + ", client=" + clientId + ", request=" + requestNumber
                + ", bytes=" + body.length + "]";
    }
}
