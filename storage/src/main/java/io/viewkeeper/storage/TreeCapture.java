package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every node's stored fields at one moment, copied into flat arrays on the thread that applies ops, so that a whole
 * checkpoint can be written from them on another thread while the tree goes on changing. Taking it is one walk of
 * the tree with no object per node (no path strings, no images): at 1,000,000 znodes the images and paths a whole
 * save needs took the replica thread 0.6-1.8 s under load, long enough for its peers to start a view change. The
 * paths and {@link ZnodeImage}s are made by {@link #images} on the writing thread. A node's final fields (czxid,
 * ctime, owner) are read from the node itself; everything that can change is copied here, the name included.
 */
public final class TreeCapture {
    /** Per node, side by side (a node's copy is a few cache lines, not one per field): node, name, data, ACL. */
    private static final int REFS = 4;
    /** Per node: mzxid, mtime, pzxid, version and aversion, creations and child count. */
    private static final int LONGS = 5;
    private Object[] refs;
    private long[] longs;
    /** The index of each node's parent, parents before their children; -1 for the root. */
    private int[] parents;
    private final int capacity;
    private int size;

    TreeCapture(int capacity) {
        this.capacity = capacity;
        refs = new Object[capacity * REFS];
        longs = new long[capacity * LONGS];
        parents = new int[capacity];
    }

    /** Copies {@code node}, whose parent was added at {@code parent} (-1 for the root); returns its index. */
    int add(Znode node, int parent) {
        if (refs == null || size == capacity) {
            throw new IllegalStateException("tree capture full (" + size + " nodes) or its images taken");
        }
        if (parent >= size) {
            throw new IllegalStateException("node " + size + " captured before its parent " + parent);
        }
        int i = size++;
        parents[i] = parent;
        int r = i * REFS;
        refs[r] = node;
        refs[r + 1] = node.name;
        refs[r + 2] = node.data;
        refs[r + 3] = node.acl;
        int l = i * LONGS;
        longs[l] = node.mzxid;
        longs[l + 1] = node.mtime;
        longs[l + 2] = node.pzxid();
        longs[l + 3] = pack(node.version, node.aversion);
        longs[l + 4] = pack(node.childCreations(), node.childCount());
        return i;
    }

    private static long pack(int high, int low) {
        return ((long) high << 32) | (low & 0xFFFFFFFFL);
    }

    /** The number of nodes captured. */
    public int size() {
        return size;
    }

    /**
     * An image of every node as it was when captured, parents before their children, on any thread. Once only: the
     * capture lets its arrays go, so a whole save does not hold them and the images at once.
     */
    public List<ZnodeImage> images() {
        if (refs == null) {
            throw new IllegalStateException("the images of this tree capture were already taken");
        }
        String[] paths = new String[size];
        List<ZnodeImage> images = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int parent = parents[i];
            int r = i * REFS;
            int l = i * LONGS;
            paths[i] = parent < 0 ? "/"
                    : PathRules.childPath(paths[parent], new String((byte[]) refs[r + 1], StandardCharsets.UTF_8));
            Znode node = (Znode) refs[r];
            @SuppressWarnings("unchecked")
            List<Acl> acl = (List<Acl>) refs[r + 3];
            images.add(new ZnodeImage(paths[i], (byte[]) refs[r + 2], acl, node.czxid, longs[l], node.ctime,
                    longs[l + 1], (int) (longs[l + 3] >>> 32), (int) (longs[l + 4] >>> 32), (int) longs[l + 3],
                    node.owner, longs[l + 2], (int) longs[l + 4]));
        }
        refs = null;
        longs = null;
        parents = null;
        return images;
    }
}
