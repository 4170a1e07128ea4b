package io.viewkeeper.consensus;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated application: a map of registers, key to value, written by log entries whose body is
 * {@code (key, value)}. Its snapshot is the opaque checkpoint image; its digest lets the simulator compare
 * replicas' states. Invariant: {@link #appliedOp} only grows between restores (duplicates are not applied).
 */
public final class KvApplication {

    private final TreeMap<Long, Long> values = new TreeMap<>();
    private long appliedOp;

    public static byte[] write(long key, long value) {
        return ByteBuffer.allocate(16).putLong(key).putLong(value).array();
    }

    public static long keyOf(byte[] body) {
        return ByteBuffer.wrap(body).getLong(0);
    }

    public static long valueOf(byte[] body) {
        return ByteBuffer.wrap(body).getLong(8);
    }

    void apply(LogEntry entry) {
        if (entry.op() <= appliedOp) {
            throw new IllegalStateException("application at op " + appliedOp + " asked to apply op " + entry.op());
        }
        if (!Reconfiguration.is(entry)) {
            values.put(keyOf(entry.body()), valueOf(entry.body()));
        }
        appliedOp = entry.op();
    }

    long get(long key) {
        return values.getOrDefault(key, 0L);
    }

    long appliedOp() {
        return appliedOp;
    }

    byte[] snapshot(long op) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + values.size() * 16);
        buffer.putLong(op);
        for (Map.Entry<Long, Long> entry : values.entrySet()) {
            buffer.putLong(entry.getKey()).putLong(entry.getValue());
        }
        return buffer.array();
    }

    void restore(long op, byte[] snapshot) {
        values.clear();
        appliedOp = op;
        if (snapshot.length == 0) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(snapshot);
        long snapshotOp = buffer.getLong();
        if (snapshotOp != op) {
            throw new IllegalStateException("snapshot of op " + snapshotOp + " installed as op " + op);
        }
        while (buffer.hasRemaining()) {
            values.put(buffer.getLong(), buffer.getLong());
        }
    }

    long digest() {
        long hash = 17;
        for (Map.Entry<Long, Long> entry : values.entrySet()) {
            hash = hash * 1_000_003 + entry.getKey() * 7919 + entry.getValue();
        }
        return hash;
    }
}
