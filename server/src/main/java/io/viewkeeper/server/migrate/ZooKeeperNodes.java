package io.viewkeeper.server.migrate;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.Znode;
import io.viewkeeper.storage.checkpoint.CheckpointImport;
import io.viewkeeper.storage.checkpoint.EncodedZnode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.DataTree;

/**
 * ZooKeeper's tree as the records of Viewkeeper's first checkpoint, read straight from ZooKeeper's nodes in the
 * checkpoint's key order, so that an import never builds a second tree nor holds every path at once. It gives what
 * {@link ZooKeeperImport#toImage} would give node for node: every znode with its data (the same array, not a copy),
 * ACL and whole Stat; Viewkeeper's own {@code /zookeeper/config} in place of ZooKeeper's; Viewkeeper's built-in
 * nodes that ZooKeeper lacks; each node's child count as Viewkeeper's tree would have it.
 *
 * <p>Key order ({@link String#compareTo} of whole paths) is a walk of the tree that sorts each node's children
 * twice: a child {@code c} of {@code p} comes at the place of the name {@code c}, and the nodes below it at the place
 * of {@code c + "/"} among its siblings' names, since every path below it starts with {@code p/c/}. The two differ
 * when a sibling's name is {@code c} followed by a character below '/', such as {@code c-1}: {@code p/c} comes
 * before {@code p/c-1}, which comes before {@code p/c/x}.
 */
final class ZooKeeperNodes {
    /** ZooKeeper's /zookeeper/config describes the old ensemble; the group keeps its own. */
    static final String CONFIG_NODE = "/zookeeper/config";
    private static final String BUILT_IN_PREFIX = "/zookeeper";

    private final DataTree source;
    private final Map<Long, Integer> sessions;
    /** Viewkeeper's empty tree: the built-in nodes, and the fields of those the source does not replace. */
    private final io.viewkeeper.storage.DataTree builtIn = new io.viewkeeper.storage.DataTree();
    private final Map<List<ACL>, List<Acl>> aclByList = new IdentityHashMap<>();
    /** Each session's ephemerals as the walk meets them. */
    private final Map<Long, List<Ephemeral>> ephemeralsByOwner = new TreeMap<>();
    private boolean walked;

    ZooKeeperNodes(ZooKeeperDataDir.Loaded loaded) {
        this.source = loaded.tree();
        this.sessions = new TreeMap<>(loaded.sessions());
        for (String path : builtIn.paths()) {
            if (!isBuiltInCandidate(path)) {
                throw new IllegalStateException("built-in node " + path + " is outside " + BUILT_IN_PREFIX);
            }
        }
    }

    /** An ephemeral node and the zxid that created it, which orders a session's ephemerals. */
    private record Ephemeral(String path, long czxid) {
    }

    /** ZooKeeper's tree contradicts itself; unchecked only to leave the record iterator. */
    static final class Inconsistent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Inconsistent(String message) {
            super(message);
        }
    }

    /** The names below one node still to be walked, in the two orders the class comment describes. */
    private static final class Level {
        private final String path;
        private final String[] names;
        private final String[] below;
        /** The names of the children with children of their own, until their turn comes. */
        private final Map<String, Set<String>> grandchildren = new HashMap<>();
        private int nextName;
        private int nextBelow;

        Level(String path, Set<String> children) {
            this.path = path;
            this.names = children.toArray(new String[0]);
            Arrays.sort(names);
            this.below = names.clone();
            Arrays.sort(below, ZooKeeperNodes::compareAsParents);
        }

        String child(String name) {
            return path.equals("/") ? "/" + name : path + "/" + name;
        }
    }

    /**
     * The checkpoint records in key order, each made (and encoded) as it is taken. It can be taken once; the
     * owners are known after it ended.
     */
    Iterator<EncodedZnode> encodedInKeyOrder() {
        if (walked) {
            throw new IllegalStateException("ZooKeeper's tree is walked once");
        }
        walked = true;
        Deque<Level> levels = new ArrayDeque<>();
        return new Iterator<>() {
            private String pending = "/";

            @Override
            public boolean hasNext() {
                while (pending == null && !levels.isEmpty()) {
                    pending = step(levels);
                }
                return pending != null;
            }

            @Override
            public EncodedZnode next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String path = pending;
                pending = null;
                DataNode node = source.getNode(path);
                Set<String> children = children(path, node);
                ZnodeImage image = image(path, node, children.size());
                if (path.equals("/")) {
                    levels.push(new Level(path, children));
                } else if (!children.isEmpty()) {
                    levels.peek().grandchildren.put(path.substring(path.lastIndexOf('/') + 1), children);
                }
                return EncodedZnode.of(image);
            }
        };
    }

    /** Moves the walk on by one name: the next node's path, or null when it only went down or up a level. */
    private static String step(Deque<Level> levels) {
        Level level = levels.peek();
        boolean namesLeft = level.nextName < level.names.length;
        boolean belowLeft = level.nextBelow < level.below.length;
        if (!namesLeft && !belowLeft) {
            levels.pop();
            return null;
        }
        if (namesLeft && (!belowLeft || compareWithParent(level.names[level.nextName],
                level.below[level.nextBelow]) < 0)) {
            return level.child(level.names[level.nextName++]);
        }
        String name = level.below[level.nextBelow++];
        Set<String> children = level.grandchildren.remove(name);
        if (children != null) {
            levels.push(new Level(level.child(name), children));
        }
        return null;
    }

    /** ZooKeeper's children of the node and, for a built-in node, Viewkeeper's built-in ones. */
    private Set<String> children(String path, DataNode node) {
        Set<String> children = node == null ? Set.of() : node.getChildren();
        Znode own = isBuiltInCandidate(path) ? builtIn.get(path) : null;
        if (own == null || children.containsAll(own.children())) {
            return children;
        }
        Set<String> all = new LinkedHashSet<>(children);
        all.addAll(own.children());
        return all;
    }

    /** Viewkeeper's built-in nodes are / and nodes under /zookeeper: only those are looked up among them. */
    private static boolean isBuiltInCandidate(String path) {
        return path.length() == 1 || path.startsWith(BUILT_IN_PREFIX);
    }

    private ZnodeImage image(String path, DataNode node, int childCount) {
        if (node == null || path.equals(CONFIG_NODE)) {
            ZnodeImage kept = builtIn.image(path);
            if (kept == null) {
                throw new Inconsistent("ZooKeeper's tree lists " + path + " as a child but has no node");
            }
            return new ZnodeImage(path, kept.data(), kept.acl(), kept.czxid(), kept.mzxid(), kept.ctime(),
                    kept.mtime(), kept.version(), kept.childCreations(), kept.aversion(), kept.owner(), kept.pzxid(),
                    childCount);
        }
        StatPersisted stat = node.stat;
        long owner = stat.getEphemeralOwner();
        if (isEphemeral(owner)) {
            ephemeralsByOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(new Ephemeral(path,
                    stat.getCzxid()));
        }
        return new ZnodeImage(path, node.getData(), acl(source.getACL(node)), stat.getCzxid(), stat.getMzxid(),
                stat.getCtime(), stat.getMtime(), stat.getVersion(), stat.getCversion(), stat.getAversion(), owner,
                stat.getPzxid(), childCount);
    }

    /**
     * Every session and every owner of ephemerals, in id order, each with its ephemerals in creation order (as
     * czxid has it): known once the walk has ended.
     */
    List<CheckpointImport.Owner> owners() {
        Map<Long, Integer> all = new TreeMap<>(sessions);
        for (Long id : ephemeralsByOwner.keySet()) {
            all.putIfAbsent(id, null);
        }
        List<CheckpointImport.Owner> owners = new ArrayList<>(all.size());
        for (Map.Entry<Long, Integer> entry : all.entrySet()) {
            long id = entry.getKey();
            List<Ephemeral> owned = new ArrayList<>(ephemeralsByOwner.getOrDefault(id, List.of()));
            owned.sort(Comparator.comparingLong(Ephemeral::czxid));
            Session session = entry.getValue() == null ? null
                    : new Session(id, entry.getValue(), ZooKeeperImport.zooKeeperPassword(id));
            owners.add(new CheckpointImport.Owner(id, session, owned.stream().map(Ephemeral::path).toList()));
        }
        return owners;
    }

    /** ZooKeeper hands out one list per distinct ACL; each is converted once. */
    private List<Acl> acl(List<ACL> acls) {
        List<Acl> converted = aclByList.get(acls);
        if (converted == null) {
            List<Acl> entries = new ArrayList<>(acls.size());
            for (ACL entry : acls) {
                entries.add(new Acl(entry.getPerms(), entry.getId().getScheme(), entry.getId().getId()));
            }
            converted = Acl.shared(List.copyOf(entries));
            aclByList.put(acls, converted);
        }
        return converted;
    }

    /** {@code a + "/"} against {@code b + "/"} as {@link String#compareTo} has it, without making either. */
    static int compareAsParents(String a, String b) {
        int common = Math.min(a.length(), b.length());
        for (int i = 0; i < common; i++) {
            if (a.charAt(i) != b.charAt(i)) {
                return a.charAt(i) - b.charAt(i);
            }
        }
        if (a.length() == b.length()) {
            return 0;
        }
        return a.length() < b.length() ? '/' - b.charAt(common) : a.charAt(common) - '/';
    }

    /** {@code name} against {@code parent + "/"} as {@link String#compareTo} has it; never equal. */
    static int compareWithParent(String name, String parent) {
        int common = Math.min(name.length(), parent.length());
        for (int i = 0; i < common; i++) {
            if (name.charAt(i) != parent.charAt(i)) {
                return name.charAt(i) - parent.charAt(i);
            }
        }
        return name.length() <= parent.length() ? -1 : name.charAt(common) - '/';
    }

    /**
     * Ephemeral owners are session ids (negative ones too, from server ids above 127); containers ({@code
     * Long.MIN_VALUE}) and TTL nodes (top byte 0xFF) are not, as ZooKeeper's {@code EphemeralType} has it.
     */
    static boolean isEphemeral(long owner) {
        return owner != 0 && owner != Znode.CONTAINER_OWNER
                && (owner & Znode.TTL_OWNER_MASK) != Znode.TTL_OWNER_MASK;
    }
}
