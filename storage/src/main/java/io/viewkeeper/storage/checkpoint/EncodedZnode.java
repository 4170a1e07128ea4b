package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.ZnodeImage;

/**
 * One znode's checkpoint record, encoded and ready to be stored, with what the writer adds up from it: its term of
 * the tree digest, its child count and its owner. Made only from a {@link ZnodeImage}, so the three always agree
 * with the bytes; a writer may take them from a thread that made them while it stored the ones before.
 */
public final class EncodedZnode {
    private final String path;
    private final byte[] record;
    private final long digestTerm;
    private final int numChildren;
    private final long owner;

    private EncodedZnode(ZnodeImage image) {
        this.path = image.path();
        this.record = CheckpointRecords.encodeNode(image);
        this.digestTerm = image.digestTerm();
        this.numChildren = image.numChildren();
        this.owner = image.owner();
    }

    public static EncodedZnode of(ZnodeImage image) {
        return new EncodedZnode(image);
    }

    public String path() {
        return path;
    }

    /** The stored value; not to be modified. */
    byte[] record() {
        return record;
    }

    long digestTerm() {
        return digestTerm;
    }

    int numChildren() {
        return numChildren;
    }

    long owner() {
        return owner;
    }
}
