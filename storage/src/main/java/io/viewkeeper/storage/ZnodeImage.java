package io.viewkeeper.storage;

import java.util.List;

/**
 * Every stored field of one znode, detached from the tree: what a checkpoint writes and reads back. The children
 * are not part of it (each child is its own image); {@code numChildren} is, because the tree digest covers it.
 */
public record ZnodeImage(String path, byte[] data, List<Acl> acl, long czxid, long mzxid, long ctime, long mtime,
        int version, int childCreations, int aversion, long owner, long pzxid, int numChildren) {

    public ZnodeImage {
        if (path == null || acl == null || numChildren < 0) {
            throw new IllegalArgumentException("incomplete znode image of " + path);
        }
        acl = List.copyOf(acl);
    }

    static ZnodeImage of(String path, Znode node) {
        return new ZnodeImage(path, node.data, node.acl, node.czxid, node.mzxid, node.ctime, node.mtime,
                node.version, node.childCreations(), node.aversion, node.owner, node.pzxid(), node.childCount());
    }

    /** A tree node with these fields and no children yet. */
    Znode toZnode() {
        Znode node = new Znode(data, acl, czxid, ctime, owner);
        node.mzxid = mzxid;
        node.mtime = mtime;
        node.setPzxid(pzxid);
        node.version = version;
        node.setChildCreations(childCreations);
        node.aversion = aversion;
        return node;
    }

    /** This node's term of {@link DataTree#digest()}: equal to the tree's term for the node it was taken from. */
    public long digestTerm() {
        int dataHash = data == null ? -1 : java.util.Arrays.hashCode(data);
        return DataTree.nodeHash(path, dataHash, acl.hashCode(), new long[] {czxid, mzxid, ctime, mtime, version,
            childCreations, aversion, owner, pzxid, numChildren});
    }
}
