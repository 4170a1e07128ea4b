package io.viewkeeper.server.migrate;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.Znode;
import io.viewkeeper.storage.checkpoint.CheckpointImport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
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
 * checkpoint's key order, so that an import never builds a second tree. It gives what {@link ZooKeeperImport#toImage}
 * would give node for node: every znode with its data (the same array, not a copy), ACL and whole Stat; Viewkeeper's
 * own {@code /zookeeper/config} in place of ZooKeeper's; Viewkeeper's built-in nodes that ZooKeeper lacks; each
 * node's child count as Viewkeeper's tree would have it.
 */
final class ZooKeeperNodes {
    /** ZooKeeper's /zookeeper/config describes the old ensemble; the group keeps its own. */
    static final String CONFIG_NODE = "/zookeeper/config";

    private final DataTree source;
    /** Viewkeeper's empty tree: the built-in nodes, and the fields of those the source does not replace. */
    private final io.viewkeeper.storage.DataTree builtIn = new io.viewkeeper.storage.DataTree();
    private final Map<List<ACL>, List<Acl>> aclByList = new IdentityHashMap<>();
    private final String[] paths;
    private final List<CheckpointImport.Owner> owners;
    private final int ephemeralCount;

    private ZooKeeperNodes(ZooKeeperDataDir.Loaded loaded) throws MigrationException {
        this.source = loaded.tree();
        Map<Long, List<DataNode>> ephemeralNodes = new TreeMap<>();
        Map<DataNode, String> ephemeralPaths = new IdentityHashMap<>();
        List<String> found = new ArrayList<>(source.getNodeCount());
        Deque<String> pending = new ArrayDeque<>();
        pending.add("/");
        while (!pending.isEmpty()) {
            String path = pending.poll();
            DataNode node = source.getNode(path);
            if (node == null) {
                throw new MigrationException("ZooKeeper's tree lists " + path + " as a child but has no node");
            }
            found.add(path);
            long owner = node.stat.getEphemeralOwner();
            if (isEphemeral(owner)) {
                ephemeralNodes.computeIfAbsent(owner, o -> new ArrayList<>()).add(node);
                ephemeralPaths.put(node, path);
            }
            for (String child : node.getChildren()) {
                pending.add(path.equals("/") ? "/" + child : path + "/" + child);
            }
        }
        for (String path : builtIn.paths()) {
            if (source.getNode(path) == null) {
                found.add(path);
            }
        }
        paths = found.toArray(new String[0]);
        Arrays.parallelSort(paths, CheckpointImport.KEY_ORDER);
        int ephemerals = 0;
        List<CheckpointImport.Owner> all = new ArrayList<>();
        Map<Long, Integer> sessions = new TreeMap<>(loaded.sessions());
        for (Long id : ephemeralNodes.keySet()) {
            sessions.putIfAbsent(id, null);
        }
        for (Map.Entry<Long, Integer> entry : sessions.entrySet()) {
            long id = entry.getKey();
            List<DataNode> owned = ephemeralNodes.getOrDefault(id, List.of());
            owned.sort((a, b) -> Long.compare(a.stat.getCzxid(), b.stat.getCzxid()));
            Session session = entry.getValue() == null ? null
                    : new Session(id, entry.getValue(), ZooKeeperImport.zooKeeperPassword(id));
            all.add(new CheckpointImport.Owner(id, session, owned.stream().map(ephemeralPaths::get).toList()));
            ephemerals += owned.size();
        }
        owners = all;
        ephemeralCount = ephemerals;
    }

    /** Walks ZooKeeper's tree once for its paths and ephemerals, and sorts the paths. */
    static ZooKeeperNodes of(ZooKeeperDataDir.Loaded loaded) throws MigrationException {
        return new ZooKeeperNodes(loaded);
    }

    int nodeCount() {
        return paths.length;
    }

    int ephemeralCount() {
        return ephemeralCount;
    }

    /** Every session and every owner of ephemerals, in id order. */
    List<CheckpointImport.Owner> owners() {
        return owners;
    }

    /** The records, each made as it is taken. */
    Iterator<ZnodeImage> inKeyOrder() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < paths.length;
            }

            @Override
            public ZnodeImage next() {
                if (next == paths.length) {
                    throw new NoSuchElementException();
                }
                return image(paths[next++]);
            }
        };
    }

    private ZnodeImage image(String path) {
        DataNode node = source.getNode(path);
        Znode own = builtIn.get(path);
        Set<String> children = node == null ? Set.of() : node.getChildren();
        int childCount = children.size();
        if (own != null) {
            for (String child : own.children()) {
                childCount += children.contains(child) ? 0 : 1;
            }
        }
        if (node == null || path.equals(CONFIG_NODE)) {
            ZnodeImage kept = builtIn.image(path);
            return new ZnodeImage(path, kept.data(), kept.acl(), kept.czxid(), kept.mzxid(), kept.ctime(),
                    kept.mtime(), kept.version(), kept.childCreations(), kept.aversion(), kept.owner(), kept.pzxid(),
                    childCount);
        }
        StatPersisted stat = node.stat;
        return new ZnodeImage(path, node.getData(), acl(source.getACL(node)), stat.getCzxid(), stat.getMzxid(),
                stat.getCtime(), stat.getMtime(), stat.getVersion(), stat.getCversion(), stat.getAversion(),
                stat.getEphemeralOwner(), stat.getPzxid(), childCount);
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

    /**
     * Ephemeral owners are session ids (negative ones too, from server ids above 127); containers ({@code
     * Long.MIN_VALUE}) and TTL nodes (top byte 0xFF) are not, as ZooKeeper's {@code EphemeralType} has it.
     */
    static boolean isEphemeral(long owner) {
        return owner != 0 && owner != Znode.CONTAINER_OWNER
                && (owner & Znode.TTL_OWNER_MASK) != Znode.TTL_OWNER_MASK;
    }
}
