package io.viewkeeper.ctl;

/** vkctl's exit codes; scripts rely on them, so they are listed in {@code --help} and never renumbered. */
final class ExitCodes {
    /** Done; for status: the group is healthy. */
    static final int OK = 0;
    /** status: the group serves but a replica is down, not normal, or lagging. */
    static final int DEGRADED = 1;
    /** status: no quorum of replicas is normal in one view with a primary; the group cannot commit. */
    static final int NO_QUORUM = 2;
    /** A server could not be reached or did not answer in time (status: none answered). */
    static final int UNREACHABLE = 3;
    /** A server refused the command and said why (say, a view change already under way). */
    static final int REFUSED = 4;
    /** The admin token is missing or wrong, or the node has none configured. */
    static final int AUTH = 5;
    /** A view change did not settle on a new primary within --wait. */
    static final int TIMED_OUT = 6;
    /** Bad command line. */
    static final int USAGE = 64;

    private ExitCodes() {
    }
}
