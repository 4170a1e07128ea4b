package io.viewkeeper.storage;

import java.util.List;

/**
 * An operation with what apply needs to decide it deterministically: the session that sent it, the identities
 * its connection held when it was received, and the time the primary stamped into it.
 */
public record Txn(long sessionId, int cxid, long timeMs, List<Identity> identities, Operation op) {
    public Txn {
        identities = List.copyOf(identities);
    }
}
