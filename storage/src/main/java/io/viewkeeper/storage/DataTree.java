package io.viewkeeper.storage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The znode tree in memory. Reads are public; mutations are package-private, called only by
 * {@link ZnodeStateMachine}, and each records its inverse in an {@link Undo} so a failed multi leaves no trace.
 * Invariant: every node but the root has its parent in the tree and its name in the parent's children.
 * It keeps its digest as it changes (each mutation takes the node's old term out and puts the new one in, undo
 * included) and the paths and ephemeral owners changed since a checkpoint store last took them.
 */
public final class DataTree {
    public static final String QUOTA_ROOT = "/zookeeper/quota";
    static final String LIMITS_NODE = "zookeeper_limits";
    static final String STATS_NODE = "zookeeper_stats";
    /** Changed paths (and owners) recorded between two checkpoints before the next one becomes a full rewrite. */
    public static final int CHANGED_KEYS_MAX = 262_144;

    /** The root; every other node is reached through its parent's children, so no node stores its path. */
    private Znode root;
    private int nodeCount;
    private final Map<Long, Set<String>> ephemerals = new TreeMap<>();
    private final Set<String> reapable = new LinkedHashSet<>();
    private final Set<String> quotaPaths = new LinkedHashSet<>();
    private long dataBytes;
    private long digestSum;
    /** Nodes were restored since the digest was last computed ({@link #finishRestore}). */
    private boolean restoring;
    /** The parent the last {@link #restore} found, and its path: only between restores and finishRestore. */
    private String restoredParentPath;
    private Znode restoredParent;
    /** The whole copy being taken a slice at a time, which must hear of every change before it is made. */
    private TreeCapture capturing;
    private final ChangeTracker<String> changedPaths;
    private final ChangeTracker<Long> changedOwners;

    public DataTree() {
        this(CHANGED_KEYS_MAX);
    }

    /** A tree that records at most {@code changedKeysMax} changed paths between checkpoints. */
    public DataTree(int changedKeysMax) {
        changedPaths = new ChangeTracker<>(changedKeysMax);
        changedOwners = new ChangeTracker<>(changedKeysMax);
        root = new Znode(new byte[0], Acl.OPEN, 0, 0, 0);
        Znode zookeeper = new Znode(new byte[0], Acl.OPEN, 0, 0, 0);
        root.putChild("zookeeper", zookeeper);
        Znode config = new Znode(new byte[0], Acl.READ_ONLY, 0, 0, 0);
        config.aversion = -1;
        zookeeper.putChild("config", config);
        zookeeper.putChild("quota", new Znode(new byte[0], Acl.OPEN, 0, 0, 0));
        nodeCount = 4;
        digestSum = recomputeDigest();
    }

    /**
     * The node at {@code path}, found from the root one name at a time; null when there is none, and for a null
     * path or one that is not absolute or ends in a slash (a client may send any of them, e.g. in setWatches).
     */
    public Znode get(String path) {
        if (path == null) {
            return null;
        }
        int length = path.length();
        if (length == 0 || path.charAt(0) != '/' || (length > 1 && path.charAt(length - 1) == '/')) {
            return null;
        }
        Znode node = root;
        int from = 1;
        while (node != null && from < length) {
            int slash = path.indexOf('/', from);
            int to = slash < 0 ? length : slash;
            node = node.child(path, from, to);
            from = to + 1;
        }
        return node;
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Calls {@code visitor} with every node and its path, parents before their children. */
    private void forEachNode(BiConsumer<String, Znode> visitor) {
        Deque<String> paths = new ArrayDeque<>();
        Deque<Znode> pending = new ArrayDeque<>();
        paths.push("/");
        pending.push(root);
        while (!pending.isEmpty()) {
            String path = paths.pop();
            Znode node = pending.pop();
            visitor.accept(path, node);
            node.forEachChild(child -> {
                paths.push(PathRules.childPath(path, child.name()));
                pending.push(child);
            });
        }
    }

    public long approximateDataSize() {
        return dataBytes;
    }

    /** Paths of the ephemeral nodes a session owns, in creation order. */
    public Set<String> ephemeralsOf(long sessionId) {
        return Collections.unmodifiableSet(ephemerals.getOrDefault(sessionId, Set.of()));
    }

    public Map<Long, Set<String>> ephemeralsBySession() {
        return Collections.unmodifiableMap(ephemerals);
    }

    public int ephemeralCount() {
        return ephemerals.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * A digest of the whole tree: the sum of one 64-bit hash per node over its path, data, ACL and every stat
     * field. The sum does not depend on iteration order, so replicas that applied the same ops agree on it, and
     * any difference in any node shows. Kept as the tree changes, so reading it is O(1).
     */
    public long digest() {
        if (restoring) {
            throw new IllegalStateException("digest read between restores and finishRestore");
        }
        return digestSum;
    }

    /** The digest computed from every node, O(tree): the check of the one {@link #digest()} keeps. */
    public long recomputeDigest() {
        // each node's path enters its term through the path's String.hashCode, which is worked out from its
        // parent's (a polynomial hash: h(a + b) = h(a) * 31^|b| + h(b)), so no path string is built
        long sum = nodeHash("/".hashCode(), root);
        Deque<Znode> pending = new ArrayDeque<>();
        Deque<Integer> pendingHashes = new ArrayDeque<>();
        pending.push(root);
        pendingHashes.push(0); // the root's children are "/" + name: the prefix before the slash is empty
        while (!pending.isEmpty()) {
            Znode node = pending.pop();
            int prefixHash = pendingHashes.pop();
            long[] nodesSum = {0};
            node.forEachChild(child -> {
                int pathHash = (prefixHash * 31 + '/') * pow31(child.nameLength()) + child.nameHash();
                nodesSum[0] += nodeHash(pathHash, child);
                if (child.childCount() > 0) {
                    pending.push(child);
                    pendingHashes.push(pathHash);
                }
            });
            sum += nodesSum[0];
        }
        return sum;
    }

    /** 31 to the power {@code n}, in int arithmetic as String.hashCode computes. */
    private static int pow31(int n) {
        int result = 1;
        int base = 31;
        for (int e = n; e > 0; e >>= 1) {
            if ((e & 1) != 0) {
                result *= base;
            }
            base *= base;
        }
        return result;
    }

    private static long nodeHash(String path, Znode node) {
        return nodeHash(path.hashCode(), node);
    }

    private static long nodeHash(int pathHash, Znode node) {
        long h = mix(mix(mix(0x9E3779B97F4A7C15L, pathHash), node.dataHash()), node.acl.hashCode());
        h = mix(mix(mix(mix(h, node.czxid), node.mzxid), node.ctime), node.mtime);
        h = mix(mix(mix(mix(h, node.version), node.childCreations()), node.aversion), node.owner);
        return mix(mix(h, node.pzxid()), node.childCount());
    }

    static long nodeHash(String path, int dataHash, int aclHash, long[] stats) {
        long h = mix(0x9E3779B97F4A7C15L, path.hashCode());
        h = mix(h, dataHash);
        h = mix(h, aclHash);
        for (long v : stats) {
            h = mix(h, v);
        }
        return h;
    }

    /** Takes the node's term out of the digest before it changes, and marks it for the next checkpoint. */
    private void unhash(String path, Znode node) {
        if (capturing != null) {
            capturing.beforeChange(path, node);
        }
        digestSum -= nodeHash(path, node);
        changedPaths.mark(path);
    }

    /** Puts the node's (new) term into the digest, and marks it for the next checkpoint. */
    private void rehash(String path, Znode node) {
        digestSum += nodeHash(path, node);
        changedPaths.mark(path);
    }

    /**
     * Paths created, changed or deleted since the last take, and clears them. A path may be marked though its
     * change was rolled back (a failed multi): the taker writes the node's current state or deletion either way.
     */
    public ChangeTracker.Changes<String> takeChangedPaths() {
        return changedPaths.take();
    }

    /** Sessions whose ephemeral nodes were added or removed since the last take, and clears them. */
    public ChangeTracker.Changes<Long> takeChangedOwners() {
        return changedOwners.take();
    }

    /** Every stored field of the node at {@code path}, or null when there is none. */
    public ZnodeImage image(String path) {
        Znode node = get(path);
        return node == null ? null : ZnodeImage.of(path, node);
    }

    /**
     * Starts a copy of every node's fields as they are now, at {@code zxid} (the last zxid applied), for a whole
     * checkpoint written on another thread ({@link TreeCapture}): the copy is taken a slice at a time by
     * {@link TreeCapture#step}, between ops, and this tree keeps for it the old fields of every node it changes until
     * the walk is done. One at a time.
     */
    public TreeCapture startCapture(long zxid) {
        if (capturing != null) {
            throw new IllegalStateException("a capture of this tree is under way");
        }
        capturing = new TreeCapture(this, root, nodeCount, zxid);
        return capturing;
    }

    /** The capture under way has copied every node: changes no longer concern it. */
    void captureWalked(TreeCapture capture) {
        if (capturing != capture) {
            throw new IllegalStateException("a capture ended that is not the one under way");
        }
        capturing = null;
    }

    /** Every path in the tree, in no particular order; a copy. */
    public List<String> paths() {
        List<String> paths = new ArrayList<>(nodeCount);
        forEachNode((path, node) -> paths.add(path));
        return paths;
    }

    private static long mix(long h, long value) {
        long z = h ^ (value + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Container and TTL nodes, the candidates of the reaper. */
    public List<String> containersAndTtlNodes() {
        return new ArrayList<>(reapable);
    }

    /** Number of nodes below {@code path} (not counting it); -1 when it does not exist. */
    public int descendantCount(String path) {
        return get(path) == null ? -1 : (int) usageOf(path)[0] - 1;
    }

    /** Undo log of one operation; a failed multi runs it backwards. */
    static final class Undo {
        private final Deque<Runnable> steps = new ArrayDeque<>();

        void record(Runnable step) {
            steps.push(step);
        }

        void rollback() {
            while (!steps.isEmpty()) {
                steps.pop().run();
            }
        }
    }

    /**
     * Puts a node read from a snapshot or checkpoint under its (existing) parent, with its indexes and exactly the
     * stored stat, or replaces the fields of a node already there (the built-in ones), keeping its children. False,
     * with nothing changed, when the node is new and its parent is not there.
     */
    boolean restore(ZnodeImage image) {
        String path = image.path();
        Znode node = image.toZnode();
        boolean isRoot = path.equals("/");
        int slash = path.lastIndexOf('/');
        Znode parent = isRoot ? null : restoreParent(path, slash);
        String name = isRoot ? null : path.substring(slash + 1);
        Znode existing = isRoot ? root : parent == null ? null : parent.child(name);
        if (existing != null) {
            restoredParent = null; // it may be the node replaced here
            node.adoptChildren(existing);
            dataBytes -= path.length() + existing.dataLength();
            trackOwner(path, existing.owner, false);
            if (isRoot) {
                root = node;
            } else {
                parent.putChild(name, node); // the name keeps its place among the children
            }
        } else {
            if (parent == null) {
                return false;
            }
            parent.putChild(name, node);
            nodeCount++;
            changedPaths.mark(restoredParentPath);
        }
        changedPaths.mark(path);
        restoring = true;
        dataBytes += path.length() + node.dataLength();
        trackOwner(path, node.owner, true);
        if (path.startsWith(QUOTA_ROOT + "/") && PathRules.nameOf(path).equals(LIMITS_NODE)) {
            String quotaPath = PathRules.parentOf(path).substring(QUOTA_ROOT.length());
            if (!quotaPath.isEmpty()) {
                quotaPaths.add(quotaPath);
            }
        }
        return true;
    }

    /**
     * The parent of {@code path} (its last slash at {@code slash}) for a restore: records come sorted by path, so
     * siblings follow one another and the parent found for one serves the next without a walk from the root. A
     * restore that replaces a node (a built-in one) forgets it, so the parent kept is always the node in the tree.
     */
    private Znode restoreParent(String path, int slash) {
        if (restoredParentPath == null || restoredParentPath.length() != Math.max(slash, 1)
                || !path.regionMatches(0, restoredParentPath, 0, Math.max(slash, 1)) || restoredParent == null) {
            restoredParentPath = slash <= 0 ? "/" : path.substring(0, slash);
            restoredParent = get(restoredParentPath);
        }
        return restoredParent;
    }

    /**
     * Ends a run of {@link #restore}s, which leave the digest to this: it is computed once over every node instead of
     * kept node by node (a parent's term would be taken out and put back for each child).
     */
    void finishRestore() {
        digestSum = recomputeDigest();
        restoring = false;
        restoredParentPath = null;
        restoredParent = null;
    }

    /** Puts a session's ephemerals in the stored creation order; false (nothing changed) if the sets differ. */
    boolean orderEphemerals(long owner, List<String> paths) {
        Set<String> current = ephemerals.getOrDefault(owner, Set.of());
        Set<String> ordered = new LinkedHashSet<>(paths);
        if (ordered.size() != paths.size() || !ordered.equals(current)) {
            return false;
        }
        if (!ordered.isEmpty()) {
            ephemerals.put(owner, ordered);
        }
        return true;
    }

    void create(String path, byte[] data, List<Acl> acl, long owner, long zxid, long time, Undo undo) {
        String parentPath = PathRules.parentOf(path);
        Znode parent = get(parentPath);
        Znode node = new Znode(data, acl, zxid, time, owner);
        String name = PathRules.nameOf(path);
        long oldPzxid = parent.pzxid();
        unhash(parentPath, parent);
        if (capturing != null) {
            capturing.beforeCreate(node);
        }
        parent.putChild(name, node);
        nodeCount++;
        parent.setChildCreations(parent.childCreations() + 1);
        parent.setPzxid(zxid);
        rehash(parentPath, parent);
        rehash(path, node);
        dataBytes += path.length() + node.dataLength();
        trackOwner(path, owner, true);
        undo.record(() -> {
            unhash(path, node);
            unhash(parentPath, parent);
            parent.removeChild(name);
            nodeCount--;
            parent.setChildCreations(parent.childCreations() - 1);
            parent.setPzxid(oldPzxid);
            rehash(parentPath, parent);
            dataBytes -= path.length() + node.dataLength();
            trackOwner(path, owner, false);
        });
        trackQuotaNode(path, true, undo);
        updateQuotaUsage(path, 1, node.dataLength(), undo);
    }

    void delete(String path, long zxid, Undo undo) {
        String parentPath = PathRules.parentOf(path);
        Znode parent = get(parentPath);
        String name = PathRules.nameOf(path);
        Znode node = parent.child(name);
        long oldPzxid = parent.pzxid();
        unhash(path, node);
        unhash(parentPath, parent);
        parent.removeChild(name);
        nodeCount--;
        parent.setPzxid(zxid);
        rehash(parentPath, parent);
        dataBytes -= path.length() + node.dataLength();
        trackOwner(path, node.owner, false);
        undo.record(() -> {
            unhash(parentPath, parent);
            parent.putChild(name, node);
            nodeCount++;
            parent.setPzxid(oldPzxid);
            rehash(parentPath, parent);
            rehash(path, node);
            dataBytes += path.length() + node.dataLength();
            trackOwner(path, node.owner, true);
        });
        trackQuotaNode(path, false, undo);
        updateQuotaUsage(path, -1, -node.dataLength(), undo);
    }

    void setData(String path, byte[] data, long zxid, long time, Undo undo) {
        Znode node = get(path);
        byte[] oldData = node.data;
        long oldMzxid = node.mzxid;
        long oldMtime = node.mtime;
        int oldVersion = node.version;
        int delta = (data == null ? 0 : data.length) - node.dataLength();
        unhash(path, node);
        node.replaceData(data);
        node.mzxid = zxid;
        node.mtime = time;
        node.version++;
        rehash(path, node);
        dataBytes += delta;
        undo.record(() -> {
            unhash(path, node);
            node.replaceData(oldData);
            node.mzxid = oldMzxid;
            node.mtime = oldMtime;
            node.version = oldVersion;
            rehash(path, node);
            dataBytes -= delta;
        });
        updateQuotaUsage(path, 0, delta, undo);
    }

    void setAcl(String path, List<Acl> acl, Undo undo) {
        Znode node = get(path);
        List<Acl> oldAcl = node.acl;
        int oldAversion = node.aversion;
        unhash(path, node);
        node.acl = Acl.shared(acl);
        node.aversion++;
        rehash(path, node);
        undo.record(() -> {
            unhash(path, node);
            node.acl = oldAcl;
            node.aversion = oldAversion;
            rehash(path, node);
        });
    }

    private void trackOwner(String path, long owner, boolean add) {
        if (owner == 0) {
            return;
        }
        boolean session = owner != Znode.CONTAINER_OWNER && (owner & Znode.TTL_OWNER_MASK) != Znode.TTL_OWNER_MASK;
        if (!session) {
            if (add) {
                reapable.add(path);
            } else {
                reapable.remove(path);
            }
            return;
        }
        changedOwners.mark(owner);
        if (add) {
            ephemerals.computeIfAbsent(owner, k -> new LinkedHashSet<>()).add(path);
            return;
        }
        Set<String> paths = ephemerals.get(owner);
        if (paths != null) {
            paths.remove(path);
            if (paths.isEmpty()) {
                ephemerals.remove(owner);
            }
        }
    }

    // ---- quotas (ZooKeeper §10.1): limits and stats live in ordinary znodes under /zookeeper/quota ----

    private void trackQuotaNode(String path, boolean created, Undo undo) {
        if (!path.startsWith(QUOTA_ROOT + "/")) {
            return;
        }
        String name = PathRules.nameOf(path);
        String quotaPath = PathRules.parentOf(path).substring(QUOTA_ROOT.length());
        if (name.equals(LIMITS_NODE) && !quotaPath.isEmpty()) {
            if (created ? quotaPaths.add(quotaPath) : quotaPaths.remove(quotaPath)) {
                undo.record(() -> {
                    if (created) {
                        quotaPaths.remove(quotaPath);
                    } else {
                        quotaPaths.add(quotaPath);
                    }
                });
            }
        } else if (name.equals(STATS_NODE) && created && !quotaPath.isEmpty()) {
            long[] usage = usageOf(quotaPath);
            replaceStats(path, usage[0], usage[1], undo);
        }
    }

    private long[] usageOf(String path) {
        Znode node = get(path);
        if (node == null) {
            return new long[] {0, 0};
        }
        long count = 0;
        long bytes = 0;
        Deque<Znode> pending = new ArrayDeque<>();
        pending.push(node);
        while (!pending.isEmpty()) {
            Znode n = pending.pop();
            count++;
            bytes += n.dataLength();
            n.forEachChild(pending::push);
        }
        return new long[] {count, bytes};
    }

    /** The quota path governing {@code path}: the longest one that is it or an ancestor of it. */
    String quotaPathFor(String path) {
        if (path.startsWith(QUOTA_ROOT) || quotaPaths.isEmpty()) {
            return null;
        }
        String best = null;
        for (String quota : quotaPaths) {
            boolean covers = path.equals(quota) || path.startsWith(quota + "/");
            if (covers && (best == null || quota.length() > best.length())) {
                best = quota;
            }
        }
        return best;
    }

    /** Current {count, bytes} and the hard limits {countHardLimit, byteHardLimit} of a quota path. */
    long[] quotaState(String quotaPath) {
        Map<String, Long> stats = parseQuotaText(get(QUOTA_ROOT + quotaPath + "/" + STATS_NODE));
        Map<String, Long> limits = parseQuotaText(get(QUOTA_ROOT + quotaPath + "/" + LIMITS_NODE));
        return new long[] {stats.getOrDefault("count", 0L), stats.getOrDefault("bytes", 0L),
            limits.getOrDefault("countHardLimit", -1L), limits.getOrDefault("byteHardLimit", -1L)};
    }

    private void updateQuotaUsage(String path, int countDelta, long bytesDelta, Undo undo) {
        String quotaPath = quotaPathFor(path);
        if (quotaPath == null) {
            return;
        }
        String statsPath = QUOTA_ROOT + quotaPath + "/" + STATS_NODE;
        if (get(statsPath) == null) {
            return;
        }
        long[] state = quotaState(quotaPath);
        replaceStats(statsPath, state[0] + countDelta, state[1] + bytesDelta, undo);
    }

    /** Stats are rewritten in place: no zxid, version or watch, as ZooKeeper does. */
    private void replaceStats(String statsPath, long count, long bytes, Undo undo) {
        Znode stats = get(statsPath);
        byte[] old = stats.data;
        byte[] updated = ("count=" + count + ",bytes=" + bytes).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        unhash(statsPath, stats);
        stats.replaceData(updated);
        rehash(statsPath, stats);
        dataBytes += updated.length - (old == null ? 0 : old.length);
        undo.record(() -> {
            dataBytes -= updated.length - (old == null ? 0 : old.length);
            unhash(statsPath, stats);
            stats.replaceData(old);
            rehash(statsPath, stats);
        });
    }

    private static Map<String, Long> parseQuotaText(Znode node) {
        Map<String, Long> values = new HashMap<>();
        if (node == null || node.data == null) {
            return values;
        }
        for (String part : new String(node.data, java.nio.charset.StandardCharsets.UTF_8).split("[,;]")) {
            String[] kv = part.split("=");
            if (kv.length >= 2) {
                try {
                    values.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
                } catch (NumberFormatException e) {
                    // a hand-written quota node with a bad number is ignored, as ZooKeeper's parser skips it
                    continue;
                }
            }
        }
        return values;
    }
}
