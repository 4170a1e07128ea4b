package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every node's stored fields at one moment (the capture's zxid), for a whole checkpoint written on another thread
 * while the tree goes on changing. The copy is taken a slice at a time on the thread that applies ops
 * ({@link #step}), between ops: a whole walk of 1,000,000 znodes took the replica thread 0.1-1 s, long enough for its
 * peers to start a view change. While the walk is under way the tree tells the capture of every node it is about to
 * change ({@link #beforeChange}, from the point where the tree takes a node's term out of its digest, which every
 * change passes), and the capture keeps that node's fields as they were (copy on write, the first change only). The
 * tree tells it of every node it creates meanwhile too, and the walk skips those; a node deleted before the walk
 * reached it was changed first, so its fields are kept. {@link #images} then gives each node once: its kept fields if it
 * changed, else what the walk copied. The copy holds no path or object per node: flat arrays, the paths and
 * {@link ZnodeImage}s being made by {@link #images} on the writing thread. A node's final fields (czxid, ctime,
 * owner) are read from the node itself.
 */
public final class TreeCapture {
    /** Per node, side by side (a node's copy is a few cache lines, not one per field): node, name, data, ACL. */
    private static final int REFS = 4;
    /** Per node: mzxid, mtime, pzxid, version and aversion, creations and child count. */
    private static final int LONGS = 5;
    /**
     * Nodes per chunk of the copy: the arrays are allocated as the walk goes, a chunk at a time, so that starting a
     * capture of a million nodes does not allocate and clear some 60 MB at once.
     */
    private static final int CHUNK_SHIFT = 14;
    private static final int CHUNK = 1 << CHUNK_SHIFT;
    private final DataTree tree;
    private final long zxid;
    private final int capacity;
    private Object[][] refs;
    private long[][] longs;
    /** The index of each node's parent, parents before their children; -1 for the root. */
    private int[][] parents;
    private int size;
    /** Nodes the walk has still to copy, each with its parent's index: a stack that grows as needed. */
    private Znode[] pending;
    private int[] pendingParents;
    private int top;
    /** The fields, at the capture's zxid, of every node changed since, by identity. */
    private final Map<Znode, ZnodeImage> changed = new IdentityHashMap<>();
    /**
     * The nodes created since the capture started: not in it. Told by the tree rather than read from czxid, which a
     * tree imported from a fuzzy ZooKeeper snapshot may hold above the zxid it was taken at.
     */
    private final Set<Znode> created = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean walked;

    /** A capture of {@code tree} at {@code zxid}, the last zxid applied to it, holding {@code nodeCount} nodes. */
    TreeCapture(DataTree tree, Znode root, int nodeCount, long zxid) {
        this.tree = tree;
        this.zxid = zxid;
        this.capacity = nodeCount;
        int chunks = (nodeCount + CHUNK - 1) >>> CHUNK_SHIFT;
        refs = new Object[chunks][];
        longs = new long[chunks][];
        parents = new int[chunks][];
        pending = new Znode[Math.min(nodeCount, CHUNK)];
        pendingParents = new int[pending.length];
        pending[0] = root;
        pendingParents[0] = -1;
        top = 1;
    }

    /**
     * Copies up to {@code budget} more nodes; true once every node is copied, when the tree stops telling this
     * capture of its changes. Only on the thread that changes the tree, between ops.
     */
    public boolean step(int budget) {
        if (walked) {
            return true;
        }
        for (int n = 0; n < budget && top > 0; n++) {
            int at = --top;
            Znode node = pending[at];
            pending[at] = null;
            int index = add(node, pendingParents[at]);
            node.forEachChild(child -> {
                if (created.isEmpty() || !created.contains(child)) { // one created since is not in it, nor its children
                    if (top == pending.length) {
                        growPending();
                    }
                    pending[top] = child;
                    pendingParents[top++] = index;
                }
            });
        }
        if (top == 0) {
            walked = true;
            pending = null;
            pendingParents = null;
            tree.captureWalked(this);
        }
        return walked;
    }

    /** Doubles the stack, up to the tree's node count (each node is pushed once at most). */
    private void growPending() {
        if (pending.length >= capacity) {
            throw new IllegalStateException("tree capture at zxid " + zxid + " reached more than the " + capacity
                    + " nodes the tree held");
        }
        int length = (int) Math.min(capacity, 2L * pending.length);
        pending = Arrays.copyOf(pending, length);
        pendingParents = Arrays.copyOf(pendingParents, length);
    }

    /** Whether every node is copied. */
    public boolean walked() {
        return walked;
    }

    /** The tree is about to change {@code node}, at {@code path}: its fields as they are now are the capture's. */
    void beforeChange(String path, Znode node) {
        if (!changed.containsKey(node) && !created.contains(node)) {
            changed.put(node, ZnodeImage.of(path, node));
        }
    }

    /** The tree is about to add {@code node}, a new one: it is not in the capture. */
    void beforeCreate(Znode node) {
        created.add(node);
    }

    private int add(Znode node, int parent) {
        if (size == capacity) {
            throw new IllegalStateException("tree capture at zxid " + zxid + " holds its " + capacity + " nodes "
                    + "and found more");
        }
        int i = size++;
        int chunk = i >>> CHUNK_SHIFT;
        int at = i & (CHUNK - 1);
        if (at == 0) {
            int length = Math.min(CHUNK, capacity - i);
            refs[chunk] = new Object[length * REFS];
            longs[chunk] = new long[length * LONGS];
            parents[chunk] = new int[length];
        }
        parents[chunk][at] = parent;
        Object[] r = refs[chunk];
        int ri = at * REFS;
        r[ri] = node;
        r[ri + 1] = node.name;
        r[ri + 2] = node.data;
        r[ri + 3] = node.acl;
        long[] l = longs[chunk];
        int li = at * LONGS;
        l[li] = node.mzxid;
        l[li + 1] = node.mtime;
        l[li + 2] = node.pzxid();
        l[li + 3] = pack(node.version, node.aversion);
        l[li + 4] = pack(node.childCreations(), node.childCount());
        return i;
    }

    private static long pack(int high, int low) {
        return ((long) high << 32) | (low & 0xFFFFFFFFL);
    }

    /** The number of nodes in the capture: those the tree held at its zxid. */
    public int size() {
        return capacity;
    }

    /**
     * An image of every node as it was at the capture's zxid, on any thread once the walk is done (parents before
     * their children, then the nodes deleted before the walk reached them). Once only: the capture lets its arrays
     * go, so a whole save does not hold them and the images at once.
     */
    public List<ZnodeImage> images() {
        if (!walked) {
            throw new IllegalStateException("tree capture at zxid " + zxid + " is not walked yet");
        }
        if (refs == null) {
            throw new IllegalStateException("the images of this tree capture were already taken");
        }
        String[] paths = new String[size];
        List<ZnodeImage> images = new ArrayList<>(capacity);
        Set<Znode> reached = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < size; i++) {
            int chunk = i >>> CHUNK_SHIFT;
            int at = i & (CHUNK - 1);
            int parent = parents[chunk][at];
            Object[] rs = refs[chunk];
            int r = at * REFS;
            long[] ls = longs[chunk];
            int l = at * LONGS;
            paths[i] = parent < 0 ? "/"
                    : PathRules.childPath(paths[parent], new String((byte[]) rs[r + 1], StandardCharsets.UTF_8));
            Znode node = (Znode) rs[r];
            ZnodeImage before = changed.isEmpty() ? null : changed.get(node);
            if (before != null) {
                images.add(before);
                reached.add(node);
                continue;
            }
            @SuppressWarnings("unchecked")
            List<Acl> acl = (List<Acl>) rs[r + 3];
            images.add(new ZnodeImage(paths[i], (byte[]) rs[r + 2], acl, node.czxid, ls[l], node.ctime, ls[l + 1],
                    (int) (ls[l + 3] >>> 32), (int) (ls[l + 4] >>> 32), (int) ls[l + 3], node.owner, ls[l + 2],
                    (int) ls[l + 4]));
        }
        for (Map.Entry<Znode, ZnodeImage> e : changed.entrySet()) {
            if (!reached.contains(e.getKey())) {
                images.add(e.getValue()); // deleted before the walk reached it
            }
        }
        if (images.size() != capacity) {
            throw new IllegalStateException("tree capture at zxid " + zxid + " gives " + images.size()
                    + " images of the " + capacity + " nodes the tree held");
        }
        refs = null;
        longs = null;
        parents = null;
        changed.clear();
        created.clear();
        return images;
    }
}
