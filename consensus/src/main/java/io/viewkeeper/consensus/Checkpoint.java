package io.viewkeeper.consensus;

import java.util.List;

/**
 * A durable image of the replicated state at {@code op}: the application's opaque snapshot, the client table, the
 * hash chain at that op and the group's members after it ({@link Membership}; null when the driver keeps none, a
 * group that never changed). The log below {@code op} may be released once every replica could be served from it
 * (VR Revisited §5.1).
 */
public record Checkpoint(long op, long chain, byte[] application, List<ClientTable.Session> clients,
                         Membership membership) {

    public Checkpoint {
        if (op < 0) {
            throw new IllegalArgumentException("checkpoint op must not be negative: " + op);
        }
        clients = List.copyOf(clients);
    }

    /** A checkpoint of a group that never changed its members. */
    public Checkpoint(long op, long chain, byte[] application, List<ClientTable.Session> clients) {
        this(op, chain, application, clients, null);
    }

    @Override
    public String toString() {
        return "Checkpoint[op=" + op + ", bytes=" + application.length + ", clients=" + clients.size()
                + (membership == null ? "" : ", " + membership) + "]";
    }
}
