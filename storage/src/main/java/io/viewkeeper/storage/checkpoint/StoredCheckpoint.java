package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.TreeSnapshot;

/**
 * A checkpoint read back and verified: the state at op-number {@code op} (tree, sessions, last zxid), the hash chain
 * at that op and the consensus client table as the replica handed them over, and the tree digest it matched.
 */
public record StoredCheckpoint(long op, long chain, byte[] consensusClients, TreeSnapshot.Image image, long digest) {
}
