package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.TreeImageBuilder;
import io.viewkeeper.storage.TreeSnapshot;
import java.util.HashSet;
import java.util.Set;

/**
 * Rebuilds a tree and its sessions from checkpoint records, each checked as it comes (its CRC, its fields, its
 * parent), and checks the whole against what the checkpoint says it holds: node and session counts, an owner record
 * for every ephemeral's session, and the tree digest. Used for the stored file and for a checkpoint received whole.
 */
final class RecordRebuild {
    private final TreeImageBuilder builder;
    private final Set<Long> ownerIds = new HashSet<>();
    private final CheckpointRecords.AclReuse aclReuse = new CheckpointRecords.AclReuse();

    /** A rebuild of a checkpoint; the node count it says it holds is checked at the end. */
    RecordRebuild() {
        builder = new TreeImageBuilder();
    }

    void node(String path, byte[] value) throws CorruptCheckpointException {
        try {
            builder.addNode(CheckpointRecords.decodeNode(path, value, aclReuse));
        } catch (OperationCodec.MalformedOperationException e) {
            throw new CorruptCheckpointException("checkpoint tree does not rebuild: " + e.getMessage(), e);
        }
    }

    void owner(long id, byte[] value) throws CorruptCheckpointException {
        CheckpointRecords.Owner owner = CheckpointRecords.decodeOwner(id, value);
        try {
            if (owner.session() != null) {
                builder.addSession(owner.session());
            }
            builder.orderEphemerals(id, owner.ephemerals());
        } catch (OperationCodec.MalformedOperationException e) {
            throw new CorruptCheckpointException("checkpoint tree does not rebuild: " + e.getMessage(), e);
        }
        ownerIds.add(id);
    }

    /** The rebuilt image, once it adds up to what the checkpoint at {@code op} says it holds. */
    TreeSnapshot.Image build(long op, long lastZxid, int nodeCount, int sessionCount, long digest)
            throws CorruptCheckpointException {
        TreeSnapshot.Image image = builder.build(lastZxid);
        DataTree tree = image.tree();
        if (tree.nodeCount() != nodeCount || image.sessions().size() != sessionCount) {
            throw new CorruptCheckpointException("checkpoint at op " + op + " rebuilds " + tree.nodeCount()
                    + " nodes and " + image.sessions().size() + " sessions, but says " + nodeCount + " and "
                    + sessionCount);
        }
        for (long owner : tree.ephemeralsBySession().keySet()) {
            if (!ownerIds.contains(owner)) {
                throw new CorruptCheckpointException("checkpoint has ephemerals of session 0x"
                        + Long.toHexString(owner) + " but no record of it");
            }
        }
        if (tree.digest() != digest) {
            throw new CorruptCheckpointException("checkpoint at op " + op + " rebuilds a tree with digest "
                    + Long.toUnsignedString(tree.digest()) + ", but says " + Long.toUnsignedString(digest));
        }
        return image;
    }
}
