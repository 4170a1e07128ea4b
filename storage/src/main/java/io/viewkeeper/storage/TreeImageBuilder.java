package io.viewkeeper.storage;

import java.util.List;

/**
 * Builds a new tree and session table from stored records (a snapshot, a checkpoint), parents before children.
 * It only ever touches state nobody reads yet; the result is installed whole with
 * {@link ZnodeStateMachine#install}. Every record is checked as it comes, so a damaged source is rejected.
 */
public final class TreeImageBuilder {
    private final DataTree tree;
    private final SessionTable sessions = new SessionTable();
    private boolean built;

    public TreeImageBuilder() {
        tree = new DataTree(DataTree.CHANGED_KEYS_MAX);
    }

    /** Adds a node under its parent, already added, or replaces a built-in node's fields. */
    public void addNode(ZnodeImage image) throws OperationCodec.MalformedOperationException {
        checkOpen();
        String path = image.path();
        if (!PathRules.isValid(path)) {
            throw new OperationCodec.MalformedOperationException("invalid node path: " + path);
        }
        if (!tree.restore(image)) {
            throw new OperationCodec.MalformedOperationException("node without parent: " + path);
        }
    }

    public void addSession(Session session) throws OperationCodec.MalformedOperationException {
        checkOpen();
        if (sessions.contains(session.sessionId())) {
            throw new OperationCodec.MalformedOperationException("session twice: " + session.sessionId());
        }
        sessions.add(session);
    }

    /** Restores the creation order of an owner's ephemerals; they must be exactly the nodes added for it. */
    public void orderEphemerals(long owner, List<String> paths) throws OperationCodec.MalformedOperationException {
        checkOpen();
        if (!tree.orderEphemerals(owner, paths)) {
            throw new OperationCodec.MalformedOperationException("ephemerals of session 0x" + Long.toHexString(owner)
                    + " do not match its nodes: " + paths.size() + " listed, "
                    + tree.ephemeralsOf(owner).size() + " found");
        }
    }

    public int nodeCount() {
        return tree.nodeCount();
    }

    public TreeSnapshot.Image build(long lastZxid) {
        checkOpen();
        built = true;
        tree.finishRestore();
        return new TreeSnapshot.Image(tree, sessions, lastZxid);
    }

    private void checkOpen() {
        if (built) {
            throw new IllegalStateException("image already built");
        }
    }
}
