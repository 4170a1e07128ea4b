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

    /**
     * A job whose answer comes later than its run (it waits for the group: a reconfiguration to be applied): it
     * starts, on the thread the request came in on, and its future completes with the fields or the failure.
     */
    @FunctionalInterface
    interface Later extends Job {
        java.util.concurrent.CompletableFuture<Map<String, Object>> start();

        @Override
        default Map<String, Object> run() {
            throw new IllegalStateException("a later job is started, not run");
        }
    }

    String name() {
        return names.get(0);
    }
}
