package io.viewkeeper.server.migrate;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.PathRules;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.ReferenceCountedACLCache;
import org.apache.zookeeper.server.persistence.FileSnap;

/**
 * Writes Viewkeeper's state as a ZooKeeper snapshot file that ZooKeeper 3.9 (and its tools) load: the nodes go into
 * ZooKeeper's own {@link org.apache.zookeeper.server.DataTree} through its own deserializer, and ZooKeeper's
 * {@link FileSnap} writes the file, with its header, checksum seals, digest and last zxid. Every field of every
 * znode (data, ACL, the whole Stat) and every session with its timeout is kept; the file is named by the caller and
 * written uncompressed (ZooKeeper reads a snapshot by its name's suffix, and picks the compression it writes from a
 * JVM-wide setting, so a {@code .gz} or {@code .snappy} name is refused rather than written uncompressed).
 */
public final class ZooKeeperSnapshotWriter {
    /** The path ZooKeeper's snapshot gives the root node, and the one that ends the node list. */
    private static final String ROOT_IN_SNAPSHOT = "";
    private static final String END_OF_NODES = "/";

    private ZooKeeperSnapshotWriter() {
    }

    /** What was written. */
    public record Written(Path file, long lastZxid, int znodes, int sessions, long bytes) {
    }

    /** Writes {@code image} to {@code file} (replaced atomically once whole and synced). */
    public static Written write(TreeSnapshot.Image image, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        String name = absolute.getFileName().toString();
        if (name.endsWith(".gz") || name.endsWith(".snappy")) {
            throw new IOException("the snapshot is written uncompressed, and ZooKeeper would read " + name
                    + " as compressed: give a name without .gz or .snappy");
        }
        Path nodes = Files.createTempFile(absolute.getParent(), ".nodes-", ".tmp");
        Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial");
        try {
            writeNodeStream(image.tree(), nodes);
            org.apache.zookeeper.server.DataTree tree = new org.apache.zookeeper.server.DataTree();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(nodes), 1 << 16)) {
                tree.deserialize(BinaryInputArchive.getArchive(in), "tree");
            }
            tree.lastProcessedZxid = image.lastZxid();
            ConcurrentHashMap<Long, Integer> sessions = new ConcurrentHashMap<>();
            for (Session session : image.sessions().all()) {
                sessions.put(session.sessionId(), session.timeoutMs());
            }
            Files.deleteIfExists(partial);
            new FileSnap(absolute.getParent().toFile()).serialize(tree, sessions,
                    partial.toFile(), true);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written(absolute, image.lastZxid(), image.tree().nodeCount(), sessions.size(),
                    Files.size(absolute));
        } finally {
            Files.deleteIfExists(nodes);
            Files.deleteIfExists(partial);
        }
    }

    /**
     * The node part of ZooKeeper's DataTree serialization: the ACL table, then every node parents first (the root
     * as ""), then "/" to end it.
     */
    private static void writeNodeStream(DataTree tree, Path target) throws IOException {
        ReferenceCountedACLCache acls = new ReferenceCountedACLCache();
        List<String> order = parentsFirst(tree);
        long[] aclIds = new long[order.size()];
        for (int i = 0; i < order.size(); i++) {
            aclIds[i] = acls.convertAcls(zooKeeperAcl(tree.get(order.get(i)).acl()));
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
            BinaryOutputArchive archive = BinaryOutputArchive.getArchive(out);
            acls.serialize(archive);
            for (int i = 0; i < order.size(); i++) {
                String path = order.get(i);
                ZnodeImage node = tree.image(path);
                archive.writeString(path.equals("/") ? ROOT_IN_SNAPSHOT : path, "path");
                StatPersisted stat = new StatPersisted(node.czxid(), node.mzxid(), node.ctime(), node.mtime(),
                        node.version(), node.childCreations(), node.aversion(), node.owner(), node.pzxid());
                new DataNode(node.data(), aclIds[i], stat).serialize(archive, "node");
            }
            archive.writeString(END_OF_NODES, "path");
        }
    }

    private static List<String> parentsFirst(DataTree tree) {
        List<String> order = new ArrayList<>(tree.nodeCount());
        Deque<String> pending = new ArrayDeque<>();
        pending.add("/");
        while (!pending.isEmpty()) {
            String path = pending.poll();
            order.add(path);
            for (String child : tree.get(path).children()) {
                pending.add(PathRules.childPath(path, child));
            }
        }
        return order;
    }

    private static List<ACL> zooKeeperAcl(List<Acl> acl) {
        List<ACL> converted = new ArrayList<>(acl.size());
        for (Acl entry : acl) {
            converted.add(new ACL(entry.perms(), new Id(entry.scheme(), entry.id())));
        }
        return converted;
    }
}
