package io.viewkeeper.consensus;

import java.util.List;

/**
 * A durable image of the replicated state at {@code op}: the application's opaque snapshot, the client table and
 * the hash chain at that op. The log below {@code op} may be released once every replica could be served from it
 * (VR Revisited §5.1).
 */
public record Checkpoint(long op, long chain, byte[] application, List<ClientTable.Session> clients) {

    public Checkpoint {
        if (op < 0) {
            throw new IllegalArgumentException("checkpoint op must not be negative: " + op);
        }
        clients = List.copyOf(clients);
    }

    @Override
    public String toString() {
        return "Checkpoint[op=" + op + ", bytes=" + application.length + ", clients=" + clients.size() + "]";
    }
}
