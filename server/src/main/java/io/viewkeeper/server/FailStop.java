package io.viewkeeper.server;

/**
 * What happens to a node whose replica thread stopped on a broken invariant, a bug, or a failed disk step: the
 * replica has already stopped applying, acknowledging and sending; the node must stop too. Main exits the process
 * with the code given (a supervisor restarts it on its disk, or it recovers from its peers); an in-process node
 * closes itself. Called once, on the replica thread, which ends right after.
 */
@FunctionalInterface
public interface FailStop {
    /** Exit code of a node stopped by a failed invariant or another programmer error (EX_SOFTWARE). */
    int EXIT_BROKEN_INVARIANT = 70;
    /** Exit code of a node stopped because a disk step it relies on failed (EX_IOERR). */
    int EXIT_DISK = 74;
    /** Exit code of a node removed from its group by a reconfiguration: done, not failed. */
    int EXIT_REMOVED = 0;

    void stopped(int exitCode, Throwable cause);
}
