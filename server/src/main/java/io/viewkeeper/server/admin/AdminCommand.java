package io.viewkeeper.server.admin;

import java.util.List;
import java.util.Map;

/**
 * One admin command: its names (the first is the primary one, as in ZooKeeper's {@code Commands}), whether it
 * changes the node (then it needs POST and the token), and how it runs. {@link Binder#bind} checks the parameters
 * on the HTTP thread; the {@link Job} it returns runs on the replica thread when {@code onReplicaThread}, else at
 * once.
 */
record AdminCommand(List<String> names, boolean mutating, boolean onReplicaThread, String summary, Binder binder) {

    /** Validates parameters and returns what to run; throws for bad input. */
    @FunctionalInterface
    interface Binder {
        Job bind(Params params) throws AdminException;
    }

    /** Produces the response fields; throws when the node cannot do it now. */
    @FunctionalInterface
    interface Job {
        Map<String, Object> run() throws AdminException;
    }

    String name() {
        return names.get(0);
    }
}
