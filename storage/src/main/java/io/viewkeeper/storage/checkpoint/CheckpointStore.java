package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.ChangeTracker;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeImageBuilder;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable checkpoint of one replica: the tree, sessions and consensus metadata at an exact op-number, in one
 * MapDB file. A save writes only the znodes and sessions changed since the previous save, and the metadata, in one
 * MapDB transaction, so a crash leaves the previous checkpoint or the new one, never a mix. Invariant: after every
 * commit the stored records rebuild a tree whose digest and node count are the stored ones (checked on save
 * against the live tree, and on load against the rebuilt tree). Not thread-safe beyond its own lock: every public
 * method holds it, so a save and a read for state transfer never interleave.
 */
public final class CheckpointStore implements AutoCloseable {
    public static final String FILE_NAME = "checkpoint.db";
    /** Largest consensus client table a checkpoint carries. */
    public static final int CLIENT_TABLE_BYTES_MAX = CheckpointRecords.FIELD_BYTES_MAX;
    static final String META_KEY = "checkpoint";
    /** MapDB names its write-ahead files after the store file with this suffix and a number. */
    private static final String WAL_SUFFIX = ".wal.";
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    private final Path directory;
    private final LongSupplier nanoClock;
    private final DB db;
    private final BTreeMap<String, byte[]> nodes;
    private final BTreeMap<Long, byte[]> owners;
    private final BTreeMap<String, byte[]> meta;
    private CheckpointRecords.Meta stored;
    private CorruptCheckpointException metaDamage;
    private DataTree trackedTree;
    private SessionTable trackedSessions;
    private boolean fullRewriteNeeded;
    private long saves;
    private Written lastSave = new Written(0, 0, 0, 0, false);
    private long lastSaveNanos;
    private boolean closed;

    /** What a save put in the file, and the digest and node count the stored records now add up to. */
    private record Written(long digest, int nodeCount, int nodesWritten, int nodesDeleted, boolean full) {
    }

    private CheckpointStore(Path directory, LongSupplier nanoClock, DB db) {
        this.directory = directory;
        this.nanoClock = nanoClock;
        this.db = db;
        this.nodes = db.treeMap("nodes", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.owners = db.treeMap("owners", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
        this.meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    /**
     * Opens or creates {@value #FILE_NAME} in {@code directory}. A damaged metadata record does not stop the open
     * ({@link #load} reports it, the next save rewrites everything); a file MapDB cannot open, or one written in
     * another format version, does: nothing is overwritten then.
     */
    public static CheckpointStore open(Path directory, LongSupplier nanoClock)
            throws IOException, CorruptCheckpointException {
        Files.createDirectories(directory);
        Path file = directory.resolve(FILE_NAME);
        DB db;
        CheckpointStore store;
        try {
            db = DBMaker.fileDB(file.toFile()).transactionEnable().make();
        } catch (RuntimeException e) {
            // MapDB reports a damaged or foreign file with assorted runtime exceptions
            throw new CorruptCheckpointException("checkpoint file " + file + " will not open: " + e, e);
        }
        try {
            store = new CheckpointStore(directory, nanoClock, db);
            store.readMeta();
        } catch (CorruptCheckpointException | RuntimeException e) {
            db.close();
            throw e instanceof CorruptCheckpointException c ? c
                    : new CorruptCheckpointException("checkpoint file " + file + " is unreadable: " + e, e);
        }
        return store;
    }

    /** Renames the checkpoint files in {@code directory} aside (kept for inspection), so a new store can start. */
    public static void moveAside(Path directory, String suffix) throws IOException {
        for (Path file : files(directory)) {
            Files.move(file, file.resolveSibling(file.getFileName() + "." + suffix),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void readMeta() throws CorruptCheckpointException {
        byte[] value = meta.get(META_KEY);
        if (value == null) {
            return;
        }
        try {
            stored = CheckpointRecords.decodeMeta(value);
        } catch (CheckpointRecords.ForeignFormatException e) {
            throw new CorruptCheckpointException(directory.resolve(FILE_NAME) + ": " + e.getMessage());
        } catch (CorruptCheckpointException e) {
            metaDamage = e;
            LOG.warn("checkpoint metadata in {} is damaged ({}); the next save rewrites the whole checkpoint",
                    directory, e.getMessage());
        }
    }

    /**
     * Saves the machine's state as the checkpoint at {@code op}: the znodes and sessions changed since the last
     * save or load of this same tree, or everything when the tree is another one. Call it where the tree is not
     * being changed (the thread that applies ops). On an I/O error nothing of it is committed and the next save
     * rewrites everything.
     */
    public synchronized void save(ZnodeStateMachine machine, long op, long chain, byte[] consensusClients)
            throws IOException {
        write(new TreeSnapshot.Image(machine.tree(), machine.sessions(), machine.lastZxid()), op, chain,
                consensusClients, false);
    }

    /** Replaces the whole checkpoint with one received by state transfer, atomically; its tree is tracked after. */
    public synchronized void replaceAll(TreeSnapshot.Image image, long op, long chain, byte[] consensusClients)
            throws IOException {
        write(image, op, chain, consensusClients, true);
    }

    private void write(TreeSnapshot.Image image, long op, long chain, byte[] clients, boolean forceFull)
            throws IOException {
        checkOpen();
        if (clients == null || clients.length > CLIENT_TABLE_BYTES_MAX) {
            throw new IllegalArgumentException("client table missing or over " + CLIENT_TABLE_BYTES_MAX + " bytes");
        }
        if (op < image.lastZxid() || (!forceFull && stored != null && op < stored.op())) {
            throw new IllegalArgumentException("checkpoint op " + op + " below zxid " + image.lastZxid()
                    + " or below the stored op " + (stored == null ? -1 : stored.op()));
        }
        long started = nanoClock.getAsLong();
        DataTree tree = image.tree();
        SessionTable sessions = image.sessions();
        ChangeTracker.Changes<String> paths = tree.takeChangedPaths();
        ChangeTracker.Changes<Long> ephemeralOwners = tree.takeChangedOwners();
        ChangeTracker.Changes<Long> sessionIds = sessions.takeChangedSessions();
        boolean full = forceFull || fullRewriteNeeded || stored == null || tree != trackedTree
                || sessions != trackedSessions || paths.everything() || ephemeralOwners.everything()
                || sessionIds.everything();
        boolean committed = false;
        try {
            Written written = full ? null : writeChanges(tree, sessions, paths.keys(),
                    union(ephemeralOwners.keys(), sessionIds.keys()));
            if (written == null) {
                written = writeAll(tree, sessions);
            }
            checkWritten(written, tree, op);
            CheckpointRecords.Meta next = new CheckpointRecords.Meta(op, image.lastZxid(), chain, written.nodeCount(),
                    sessions.size(), written.digest(), clients.clone());
            meta.put(META_KEY, CheckpointRecords.encodeMeta(next));
            db.commit();
            committed = true;
            adopt(next, tree, sessions);
            lastSave = written;
            lastSaveNanos = nanoClock.getAsLong() - started;
            saves++;
        } catch (DBException e) {
            throw new IOException("checkpoint at op " + op + " not saved: " + e.getMessage(), e);
        } finally {
            if (!committed) {
                abandon();
            }
        }
        LOG.debug("checkpoint at op {}: {} nodes written, {} deleted, full {}, {} us", op, lastSave.nodesWritten(),
                lastSave.nodesDeleted(), lastSave.full(), lastSaveNanos / 1000);
    }

    private void adopt(CheckpointRecords.Meta next, DataTree tree, SessionTable sessions) {
        stored = next;
        metaDamage = null;
        trackedTree = tree;
        trackedSessions = sessions;
        fullRewriteNeeded = false;
    }

    private void abandon() {
        fullRewriteNeeded = true;
        try {
            db.rollback();
        } catch (DBException e) {
            LOG.warn("checkpoint rollback failed in {}: {}", directory, e.getMessage());
        }
    }

    /** Writes the changed paths and owners; null when an old record is damaged, so the caller rewrites all. */
    private Written writeChanges(DataTree tree, SessionTable sessions, Set<String> paths, Set<Long> ownerIds) {
        long digest = stored.digest();
        int count = stored.nodeCount();
        int written = 0;
        int deleted = 0;
        for (String path : paths) {
            byte[] old = nodes.get(path);
            ZnodeImage now = tree.image(path);
            byte[] value = now == null ? null : CheckpointRecords.encodeNode(now);
            if (old != null && Arrays.equals(old, value)) {
                continue;
            }
            if (old != null) {
                try {
                    digest -= CheckpointRecords.decodeNode(path, old).digestTerm();
                } catch (CorruptCheckpointException e) {
                    LOG.warn("checkpoint in {}: {}; rewriting the whole checkpoint", directory, e.getMessage());
                    return null;
                }
                count--;
            }
            if (now == null) {
                if (old != null) {
                    nodes.remove(path);
                    deleted++;
                }
                continue;
            }
            nodes.put(path, value);
            digest += now.digestTerm();
            count++;
            written++;
        }
        for (long owner : ownerIds) {
            writeOwner(owner, tree, sessions);
        }
        return new Written(digest, count, written, deleted, false);
    }

    private Written writeAll(DataTree tree, SessionTable sessions) {
        nodes.clear();
        owners.clear();
        List<String> paths = tree.paths();
        Collections.sort(paths);
        long digest = 0;
        for (String path : paths) {
            ZnodeImage image = tree.image(path);
            nodes.put(path, CheckpointRecords.encodeNode(image));
            digest += image.digestTerm();
        }
        Set<Long> ownerIds = new TreeSet<>(tree.ephemeralsBySession().keySet());
        for (Session session : sessions.all()) {
            ownerIds.add(session.sessionId());
        }
        for (long owner : ownerIds) {
            writeOwner(owner, tree, sessions);
        }
        return new Written(digest, paths.size(), paths.size(), 0, true);
    }

    private void writeOwner(long owner, DataTree tree, SessionTable sessions) {
        Session session = sessions.get(owner);
        Set<String> ephemerals = tree.ephemeralsOf(owner);
        if (session == null && ephemerals.isEmpty()) {
            owners.remove(owner);
            return;
        }
        byte[] value = CheckpointRecords.encodeOwner(owner, session, ephemerals);
        if (!Arrays.equals(owners.get(owner), value)) {
            owners.put(owner, value);
        }
    }

    /** The pair check of a save: what the file now holds adds up to the live tree, or the tracking missed a change. */
    private static void checkWritten(Written written, DataTree tree, long op) {
        if (written.digest() != tree.digest() || written.nodeCount() != tree.nodeCount()) {
            throw new IllegalStateException("checkpoint at op " + op + " would store digest " + written.digest()
                    + " and " + written.nodeCount() + " nodes but the tree has " + tree.digest() + " and "
                    + tree.nodeCount() + ": a change escaped tracking");
        }
    }

    private static Set<Long> union(Set<Long> left, Set<Long> right) {
        Set<Long> all = new TreeSet<>(left);
        all.addAll(right);
        return all;
    }

    /**
     * Reads the stored checkpoint back, verifies every record and the digest, and adopts its tree: the next save of
     * a machine that installed this image writes only what changed after it. Empty when nothing was saved yet.
     */
    public synchronized Optional<StoredCheckpoint> load() throws CorruptCheckpointException {
        Optional<StoredCheckpoint> checkpoint = read();
        checkpoint.ifPresent(c -> {
            c.image().tree().takeChangedPaths();
            c.image().tree().takeChangedOwners();
            c.image().sessions().takeChangedSessions();
            trackedTree = c.image().tree();
            trackedSessions = c.image().sessions();
        });
        return checkpoint;
    }

    /** The stored checkpoint, verified, as a new image that nothing tracks (for a peer, for inspection). */
    public synchronized Optional<StoredCheckpoint> image() throws CorruptCheckpointException {
        return read();
    }

    /** The stored checkpoint as whole {@link TreeSnapshot} bytes, for a peer that needs the entire state. */
    public synchronized Optional<byte[]> writeSnapshot() throws CorruptCheckpointException {
        return read().map(c -> TreeSnapshot.write(c.image()));
    }

    private Optional<StoredCheckpoint> read() throws CorruptCheckpointException {
        checkOpen();
        if (metaDamage != null) {
            throw metaDamage;
        }
        if (stored == null) {
            if (!nodes.isEmpty() || !owners.isEmpty()) {
                throw new CorruptCheckpointException("checkpoint records without metadata in " + directory);
            }
            return Optional.empty();
        }
        TreeSnapshot.Image image = rebuild(stored);
        return Optional.of(new StoredCheckpoint(stored.op(), stored.chain(), stored.clients().clone(), image,
                stored.digest()));
    }

    private TreeSnapshot.Image rebuild(CheckpointRecords.Meta expected) throws CorruptCheckpointException {
        TreeImageBuilder builder = new TreeImageBuilder();
        Set<Long> ownerIds = new HashSet<>();
        try {
            for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
                builder.addNode(CheckpointRecords.decodeNode(e.getKey(), e.getValue()));
            }
            for (Map.Entry<Long, byte[]> e : owners.entrySet()) {
                CheckpointRecords.Owner owner = CheckpointRecords.decodeOwner(e.getKey(), e.getValue());
                if (owner.session() != null) {
                    builder.addSession(owner.session());
                }
                builder.orderEphemerals(e.getKey(), owner.ephemerals());
                ownerIds.add(e.getKey());
            }
        } catch (OperationCodec.MalformedOperationException e) {
            throw new CorruptCheckpointException("checkpoint tree does not rebuild: " + e.getMessage(), e);
        } catch (DBException | IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
            // MapDB reports damage inside its own pages with assorted runtime exceptions
            throw new CorruptCheckpointException("checkpoint file in " + directory + " is unreadable: " + e, e);
        }
        TreeSnapshot.Image image = builder.build(expected.lastZxid());
        verify(image, expected, ownerIds);
        return image;
    }

    private static void verify(TreeSnapshot.Image image, CheckpointRecords.Meta expected, Set<Long> ownerIds)
            throws CorruptCheckpointException {
        DataTree tree = image.tree();
        if (tree.nodeCount() != expected.nodeCount() || image.sessions().size() != expected.sessionCount()) {
            throw new CorruptCheckpointException("checkpoint at op " + expected.op() + " rebuilds "
                    + tree.nodeCount() + " nodes and " + image.sessions().size() + " sessions, metadata says "
                    + expected.nodeCount() + " and " + expected.sessionCount());
        }
        for (long owner : tree.ephemeralsBySession().keySet()) {
            if (!ownerIds.contains(owner)) {
                throw new CorruptCheckpointException("checkpoint has ephemerals of session 0x"
                        + Long.toHexString(owner) + " but no record of it");
            }
        }
        if (tree.digest() != expected.digest()) {
            throw new CorruptCheckpointException("checkpoint at op " + expected.op() + " rebuilds a tree with digest "
                    + Long.toUnsignedString(tree.digest()) + ", metadata says "
                    + Long.toUnsignedString(expected.digest()));
        }
    }

    /** Figures for operators; {@code op} is -1 when nothing is stored. */
    public synchronized CheckpointFigures figures() throws IOException {
        long bytes = 0;
        for (Path file : files(directory)) {
            bytes += Files.size(file);
        }
        return new CheckpointFigures(stored == null ? -1 : stored.op(), stored == null ? -1 : stored.lastZxid(),
                stored == null ? 0 : stored.nodeCount(), stored == null ? 0 : stored.sessionCount(), bytes, saves,
                lastSaveNanos, lastSave.nodesWritten(), lastSave.nodesDeleted(), lastSave.full());
    }

    private static List<Path> files(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, FILE_NAME + "*")) {
            for (Path file : stream) {
                String name = file.getFileName().toString();
                if (name.equals(FILE_NAME) || name.startsWith(FILE_NAME + WAL_SUFFIX)) {
                    files.add(file);
                }
            }
        }
        return files;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("checkpoint store in " + directory + " is closed");
        }
    }

    /** Closes the file; an uncommitted save is not possible here (every save commits or rolls back). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            db.close();
        }
    }
}
