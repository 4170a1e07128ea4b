package io.viewkeeper.server.migrate;

import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.TreeImageBuilder;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.Znode;
import io.viewkeeper.storage.checkpoint.CheckpointImport;
import io.viewkeeper.storage.checkpoint.EncodedZnode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.DataTree;

/**
 * Turns a ZooKeeper data directory read by {@link ZooKeeperDataDir} into Viewkeeper's first checkpoint: every znode
 * with its data, ACL and whole Stat (containers and TTL nodes keep their owner markers), every open session with its
 * timeout and the password its clients hold, at op = the last ZooKeeper zxid, so zxids go on from there. The result
 * is a data directory with a checkpoint and an {@code imported} marker and no replica metadata: whichever replica
 * first starts on it adopts it (see {@link ReplicaDisk}), so the same directory serves every member of a group.
 */
public final class ZooKeeperImport {
    /** ZooKeeper derives a session's password from its id and this constant ({@code ZooKeeperServer.superSecret}). */
    private static final long PASSWORD_SECRET = 0XB3415C00L;
    private static final int PASSWORD_BYTES = 16;
    /** Where a target is built before its entries are moved up into it. */
    private static final String STAGE_NAME = ".importing";
    /** How often the checkpoint files being written are forced, so the device works while the records are made. */
    private static final long WRITE_BEHIND_MS = 250;
    /** The checkpoint records are made on a thread of their own, handed over this many at a time... */
    private static final int RECORD_BATCH = 1024;
    /** ...with at most this many batches made ahead of the writer (some 4 MiB of records of 100-byte znodes). */
    private static final int RECORD_BATCHES_MAX = 16;

    private ZooKeeperImport() {
    }

    /** The password a ZooKeeper server gave the session with this id. */
    public static byte[] zooKeeperPassword(long sessionId) {
        byte[] password = new byte[PASSWORD_BYTES];
        new Random(sessionId ^ PASSWORD_SECRET).nextBytes(password);
        return password;
    }

    /** Viewkeeper's image of the state ZooKeeper's reader loaded. */
    public static TreeSnapshot.Image toImage(ZooKeeperDataDir.Loaded loaded) throws MigrationException {
        DataTree source = loaded.tree();
        TreeImageBuilder builder = new TreeImageBuilder();
        Map<Long, List<ZnodeImage>> ephemerals = new TreeMap<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.add("/");
        try {
            while (!pending.isEmpty()) {
                String path = pending.poll();
                DataNode node = source.getNode(path);
                if (node == null) {
                    throw new MigrationException("ZooKeeper's tree lists " + path + " as a child but has no node");
                }
                ZnodeImage image = image(path, node, source.getACL(node));
                if (!path.equals(ZooKeeperNodes.CONFIG_NODE)) {
                    builder.addNode(image);
                }
                if (ZooKeeperNodes.isEphemeral(image.owner())) {
                    ephemerals.computeIfAbsent(image.owner(), owner -> new ArrayList<>()).add(image);
                }
                for (String child : node.getChildren()) {
                    pending.add(path.equals("/") ? "/" + child : path + "/" + child);
                }
            }
            for (Map.Entry<Long, Integer> session : new TreeMap<>(loaded.sessions()).entrySet()) {
                long id = session.getKey();
                builder.addSession(new Session(id, session.getValue(), zooKeeperPassword(id)));
            }
            for (Map.Entry<Long, List<ZnodeImage>> owned : ephemerals.entrySet()) {
                builder.orderEphemerals(owned.getKey(), owned.getValue().stream()
                        .sorted(Comparator.comparingLong(ZnodeImage::czxid)).map(ZnodeImage::path).toList());
            }
        } catch (OperationCodec.MalformedOperationException e) {
            throw new MigrationException("ZooKeeper's tree does not convert: " + e.getMessage(), e);
        }
        return builder.build(loaded.lastZxid());
    }

    private static ZnodeImage image(String path, DataNode node, List<ACL> acls) {
        StatPersisted stat = node.stat;
        List<Acl> acl = new ArrayList<>(acls.size());
        for (ACL entry : acls) {
            acl.add(new Acl(entry.getPerms(), entry.getId().getScheme(), entry.getId().getId()));
        }
        return new ZnodeImage(path, node.getData(), acl, stat.getCzxid(), stat.getMzxid(), stat.getCtime(),
                stat.getMtime(), stat.getVersion(), stat.getCversion(), stat.getAversion(), stat.getEphemeralOwner(),
                stat.getPzxid(), 0);
    }

    /** What an import wrote into every target: the checkpoint's digest and counts, at ZooKeeper's last zxid. */
    public record Imported(long digest, int nodeCount, int sessionCount, int ephemeralCount, long zxid) {
    }

    /**
     * Writes ZooKeeper's state as the first checkpoint into each target directory, which must be absent or empty.
     * The checkpoint is written once, record by record from ZooKeeper's nodes (see {@link ZooKeeperNodes}), into a
     * hidden directory inside the first target; the others get a copy of its file, synced (a copy is cheaper than
     * writing the file again, and a hard link would not do: each replica writes into its own file in place). Entries
     * are moved up only once every target is staged; a failure removes everything this import put in any target, so
     * none is left half written. The digest it returns is the one the checkpoint records and a replica checks when
     * it adopts it.
     */
    public static Imported write(ZooKeeperDataDir.Loaded loaded, List<Path> targets)
            throws MigrationException, IOException {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no target directory");
        }
        List<Path> created = new ArrayList<>();
        for (Path target : targets) {
            checkEmpty(target);
            if (!Files.exists(target)) {
                created.add(target);
            }
        }
        List<Path> staged = new ArrayList<>();
        for (Path target : targets) {
            staged.add(target.resolve(STAGE_NAME));
        }
        try {
            Imported imported = writeCheckpoint(staged.get(0), loaded);
            for (Path stage : staged.subList(1, staged.size())) {
                DirectoryTrees.copy(staged.get(0), stage);
            }
            for (Path stage : staged) {
                ReplicaDisk.markImported(stage, String.format(java.util.Locale.ROOT,
                        "zxid=0x%x digest=%x znodes=%d sessions=%d source=%s", imported.zxid(), imported.digest(),
                        imported.nodeCount(), imported.sessionCount(), loaded.source()));
            }
            for (Path stage : staged) {
                DirectoryTrees.moveEntriesUp(stage);
            }
            return imported;
        } catch (MigrationException | IOException | RuntimeException e) {
            for (Path target : targets) {
                if (created.contains(target)) {
                    DirectoryTrees.delete(target);
                } else if (Files.isDirectory(target)) {
                    DirectoryTrees.deleteEntries(target);
                }
            }
            throw e;
        }
    }

    /**
     * Writes the checkpoint. The store checks the records as they go and adds up their digest; the replica that
     * adopts the directory loads it with every record's checksum, the counts and the digest checked, so a damaged
     * write is found there (reading it back here would build the tree this import avoids).
     */
    private static Imported writeCheckpoint(Path stage, ZooKeeperDataDir.Loaded loaded)
            throws MigrationException, IOException {
        ZooKeeperNodes nodes = new ZooKeeperNodes(loaded);
        long zxid = loaded.lastZxid();
        try {
            Path checkpointDir = stage.resolve("checkpoint");
            CheckpointImport.Written written;
            try (WriteBehind early = WriteBehind.start(List.of(CheckpointImport.fileInProgress(checkpointDir)),
                    WRITE_BEHIND_MS);
                    Prefetcher<EncodedZnode> records = Prefetcher.start(nodes::encodedInKeyOrder, "import-records",
                            RECORD_BATCH, RECORD_BATCHES_MAX)) {
                written = CheckpointImport.write(checkpointDir, new CheckpointImport.State(records, nodes::owners,
                        zxid, ReplicaDisk.encodeClients(List.of())));
            }
            return new Imported(written.digest(), written.nodeCount(), written.sessionCount(),
                    written.ephemeralCount(), zxid);
        } catch (OperationCodec.MalformedOperationException | ZooKeeperNodes.Inconsistent e) {
            throw new MigrationException("ZooKeeper's tree does not convert: " + e.getMessage(), e);
        }
    }

    private static void checkEmpty(Path target) throws MigrationException, IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new MigrationException(target + " is not a directory");
        }
        try (Stream<Path> entries = Files.list(target)) {
            List<String> found = entries.limit(3).map(p -> p.getFileName().toString()).toList();
            if (!found.isEmpty()) {
                throw new MigrationException("target " + target + " is not empty (it holds " + String.join(", ",
                        found) + "); an import only goes into a new data directory, so nothing was changed");
            }
        }
    }
}
