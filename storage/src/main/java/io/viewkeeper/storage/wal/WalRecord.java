package io.viewkeeper.storage.wal;

/**
 * One log entry as the write-ahead log stores it: the entry's fields and checksum as consensus built them, and the
 * hash chain at this op (the value a Prepare links it with), so that a log which skips, repeats or reorders entries
 * fails the chain check when it is read back.
 */
public record WalRecord(long op, long view, long clientId, long requestNumber, int entryChecksum, long chain,
                        byte[] body) {

    public WalRecord {
        if (op <= 0) {
            throw new IllegalArgumentException("op must be positive: " + op);
        }
        if (body == null) {
            throw new IllegalArgumentException("body must not be null");
        }
    }

    @Override
    public String toString() {
        return "WalRecord[op=" + op + ", view=" + view + ", bytes=" + body.length + "]";
    }
}
