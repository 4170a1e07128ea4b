package io.viewkeeper.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The operations clients performed on register keys, with the times they were invoked and completed. A write whose
 * outcome is unknown (connection loss, session expiry) completes at {@link #UNKNOWN}: it may have taken effect at
 * any point after its invocation, or never. Reads that failed are not recorded: they changed nothing.
 */
final class History {
    static final long UNKNOWN = Long.MAX_VALUE;

    enum Kind { WRITE, READ }

    /** One operation; {@code version} is the znode's data version the server reported, -1 when unknown. */
    record Operation(int client, String key, Kind kind, long value, long version, long invokeNs, long completeNs) {
        boolean isUnknown() {
            return completeNs == UNKNOWN;
        }

        @Override
        public String toString() {
            return kind + "(" + key + "=" + value + (version >= 0 ? " v" + version : "") + ") by client " + client
                    + " [" + invokeNs + ", " + (isUnknown() ? "?" : Long.toString(completeNs)) + "]";
        }
    }

    private final List<Operation> operations = new ArrayList<>();

    synchronized void add(Operation operation) {
        if (operation.completeNs() < operation.invokeNs()) {
            throw new IllegalArgumentException("completes before it is invoked: " + operation);
        }
        operations.add(operation);
    }

    synchronized List<Operation> operations() {
        return List.copyOf(operations);
    }

    synchronized int size() {
        return operations.size();
    }
}
