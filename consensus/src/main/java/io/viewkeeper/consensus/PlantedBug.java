package io.viewkeeper.consensus;

/**
 * Known protocol bugs the simulator must catch. A replica built without any (every production replica) behaves
 * exactly as specified; tests build replicas with one of these to prove that the checkers bite.
 */
enum PlantedBug {
    /** A backup sends PrepareOk as soon as it has an entry in memory, before it is durable (§4.1 step 4). */
    ACK_BEFORE_PERSIST,
    /** The new primary takes the longest log regardless of its last normal view (§4.2 step 3). */
    LONGEST_LOG_WINS,
    /** The primary answers reads from its local commit point, without a quorum confirming it is still primary. */
    READ_WITHOUT_CONFIRMATION,
    /** The client table is never consulted, so a re-sent request executes again (§4.1 step 2). */
    IGNORE_CLIENT_TABLE
}
