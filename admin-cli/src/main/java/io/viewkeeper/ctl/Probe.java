package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;

/** One server's answer to the {@code replica} command, or why there was none. */
record Probe(String server, JsonNode replica, AdminClient.CallFailure failure) {

    boolean reachable() {
        return replica != null;
    }

    int id() {
        return replica.path("id").asInt(-1);
    }

    String role() {
        return replica.path("role").asText();
    }

    String status() {
        return replica.path("status").asText();
    }

    long view() {
        return replica.path("view").asLong();
    }

    /** A view as people read it: its number in epoch 0, else epoch.number (the epoch is in its high 32 bits). */
    static String viewName(long view) {
        long epoch = view >>> 32;
        return epoch == 0 ? Long.toString(view) : epoch + "." + (view & 0xFFFF_FFFFL);
    }

    long commit() {
        return replica.path("commit").asLong();
    }

    /**
     * What the replica does with clients: serving, waiting (a view forming), cut-off (sends clients away), or
     * read-only (cut off, serving read-only sessions); "-" from a server that does not say.
     */
    String clients() {
        JsonNode clients = replica.path("clients");
        if (clients.isMissingNode()) {
            return "-";
        }
        if (clients.path("read_only_mode").asBoolean()) {
            return "read-only";
        }
        return clients.path("standing").asText("-").replace('_', '-');
    }

    boolean normalPrimary() {
        return reachable() && status().equals("normal") && (role().equals("primary") || role().equals("standalone"));
    }

    /** The server part of host:port, to match an unreachable server with a member line. */
    String host() {
        int colon = server.lastIndexOf(':');
        return colon < 0 ? server : server.substring(0, colon);
    }
}
