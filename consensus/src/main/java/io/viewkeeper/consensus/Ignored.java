package io.viewkeeper.consensus;

/**
 * Why a replica ignored a message: each guard names its reason, and the replica counts them
 * ({@link Replica#ignoredCounts()}) so an operator sees damaged entries, stale views or misdirected messages
 * instead of silence. Ignoring is always safe (the protocol retransmits); the count says how often it happens.
 */
public enum Ignored {
    /** The sender index is not another member of the group. */
    BAD_SENDER,
    /** The replica is recovering and takes only recovery and checkpoint messages. */
    RECOVERING,
    /** An entry in the message fails its checksum (damaged on the way or at the sender). */
    BAD_CHECKSUM,
    /** The message is from an older view, or not from that view's primary. */
    STALE_VIEW,
    /** A message meant for the primary of a view this replica is not the normal primary of. */
    NOT_PRIMARY,
    /** A view-change message for a view this replica has already entered normal status in. */
    VIEW_SETTLED,
    /** A request (state, recovery) this replica cannot serve: it is not normal in the view the request names. */
    NOT_NORMAL,
    /** A request for state below the released log while no checkpoint of this replica is ready to send. */
    STATE_UNAVAILABLE,
    /** The replica is repairing damaged log records from its peers and takes only their answers. */
    REPAIRING,
    /** A repair answer whose entries do not lead to the hash chain asked for. */
    BAD_REPAIR,
    /** An answer to a request this replica no longer has outstanding, or one that no longer fits its log. */
    UNWANTED,
    /**
     * A message of the quorum protocols (a vote, a view change, a recovery answer) from a learner, or sent to one:
     * learners take part in none of them.
     */
    LEARNER
}
