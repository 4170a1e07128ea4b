package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.ChangeTracker;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeCapture;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
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
 * MapDB transaction, so a crash leaves the previous checkpoint or the new one, never a mix. A full save (the first,
 * one after a state transfer, or after too many changes) instead bulk-loads a new file and renames it over the old
 * one, which is just as atomic and far faster than a transaction of every znode. Invariant: after every
 * commit the stored records rebuild a tree whose digest and node count are the stored ones (checked on save
 * against the live tree, and on load against the rebuilt tree). Not thread-safe beyond its own lock: every public
 * method holds it, so a save and a read for state transfer never interleave.
 */
public final class CheckpointStore implements AutoCloseable {
    public static final String FILE_NAME = "checkpoint.db";
    /** Largest consensus client table a checkpoint carries. */
    public static final int CLIENT_TABLE_BYTES_MAX = CheckpointRecords.FIELD_BYTES_MAX;
    static final String META_KEY = "checkpoint";
    static final String NODES_MAP = "nodes";
    static final String OWNERS_MAP = "owners";
    static final String META_MAP = "meta";
    /** MapDB names its write-ahead files after the store file with this suffix and a number. */
    private static final String WAL_SUFFIX = ".wal.";
    /**
     * A save rewrites the whole file once more than one node in this many changed: a node written in a
     * transaction costs some 6 to 9 times one bulk-loaded into a new file (at 1,000,000 nodes of 100 B, alone on
     * the machine: 17 us a setData's node and 24-30 us a new one against 2.8 us in a whole rewrite). Kept at 16,
     * not the break-even near 8: MapDB's write-ahead store failed once inside a transaction of 100,000 new
     * records (see {@link #saveChanges}), which a whole rewrite does not use.
     */
    static final int FULL_SAVE_RATIO = 16;
    /** A full save writes this file, then renames it to {@value #FILE_NAME}; one found on open is a crash's. */
    static final String REWRITE_FILE_NAME = FILE_NAME + ".new";
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    private final Path directory;
    private final LongSupplier nanoClock;
    private DB db;
    private BTreeMap<String, byte[]> nodes;
    private BTreeMap<Long, byte[]> owners;
    private BTreeMap<String, byte[]> meta;
    private volatile CheckpointRecords.Meta stored;
    private CorruptCheckpointException metaDamage;
    private volatile DataTree trackedTree;
    private volatile SessionTable trackedSessions;
    private volatile boolean fullRewriteNeeded;
    private volatile int fullSaveRatio = FULL_SAVE_RATIO;
    private long saves;
    private Written lastSave = new Written(0, 0, 0, 0, false);
    private long lastSaveNanos;
    private volatile boolean closed;
    /** Counts the states this store was made to hold other than by a save (a load, a replacement). */
    private volatile long generation;
    private Consumer<FullSaveStep> fullSaveSteps = step -> { };
    /** Called before each record a save of changes writes; tests make MapDB's store fail through it. */
    private Consumer<String> beforeChangeWrite = path -> { };

    /** The points of a full save at which a crash leaves a different set of files, in the order they are passed. */
    enum FullSaveStep {
        /** The new file holds every znode record but no metadata and is not closed. */
        NODES_WRITTEN,
        /** The new file is complete, closed and forced; the old one is still open. */
        NEW_FILE_FORCED,
        /** The old file is closed and its write-ahead files deleted; the new file is not yet in place. */
        OLD_FILE_RETIRED,
        /** The new file is in place under the checkpoint's name and the directory is forced. */
        RENAMED,
        /** The new file is open with transactions and its metadata read back. */
        REOPENED
    }

    /** What a save put in the file, and the digest and node count the stored records now add up to. */
    record Written(long digest, int nodeCount, int nodesWritten, int nodesDeleted, boolean full) {
    }

    private CheckpointStore(Path directory, LongSupplier nanoClock) {
        this.directory = directory;
        this.nanoClock = nanoClock;
    }

    /** Opens the file as the current checkpoint, with transactions for the incremental saves. */
    private void attach(DB opened) {
        db = opened;
        nodes = db.treeMap(NODES_MAP, Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        owners = db.treeMap(OWNERS_MAP, Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
        meta = db.treeMap(META_MAP, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    private static DB openDb(Path file) throws CorruptCheckpointException {
        try {
            return DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().transactionEnable().make();
        } catch (RuntimeException e) {
            // MapDB reports a damaged or foreign file with assorted runtime exceptions
            throw new CorruptCheckpointException("checkpoint file " + file + " will not open: " + e, e);
        }
    }

    /**
     * Opens or creates {@value #FILE_NAME} in {@code directory}. A damaged metadata record does not stop the open
     * ({@link #load} reports it, the next save rewrites everything); a file MapDB cannot open, or one written in
     * another format version, does: nothing is overwritten then.
     */
    public static CheckpointStore open(Path directory, LongSupplier nanoClock)
            throws IOException, CorruptCheckpointException {
        Files.createDirectories(directory);
        // a full save that did not reach its rename: the previous checkpoint is still the file in place
        if (Files.deleteIfExists(directory.resolve(REWRITE_FILE_NAME))) {
            LOG.info("checkpoint in {}: deleted an unfinished full save", directory);
        }
        CheckpointStore store = new CheckpointStore(directory, nanoClock);
        store.attachFile();
        return store;
    }

    /** Opens {@value #FILE_NAME} and reads its metadata; closes it again when that fails. */
    private void attachFile() throws CorruptCheckpointException {
        Path file = directory.resolve(FILE_NAME);
        DB opened = openDb(file);
        try {
            stored = null;
            metaDamage = null;
            attach(opened);
            readMeta();
        } catch (CorruptCheckpointException | RuntimeException e) {
            opened.close();
            throw e instanceof CorruptCheckpointException c ? c
                    : new CorruptCheckpointException("checkpoint file " + file + " is unreadable: " + e, e);
        }
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
     * rewrites everything. The same as {@link #prepare} there and {@link #commit} at once.
     */
    public synchronized void save(ZnodeStateMachine machine, long op, long chain, byte[] consensusClients)
            throws IOException {
        TreeSnapshot.Image image = new TreeSnapshot.Image(machine.tree(), machine.sessions(), machine.lastZxid());
        if (!commit(prepare(image, op, chain, consensusClients, false, true))) {
            commit(prepare(image, op, chain, consensusClients, true, true));
        }
    }

    /** Replaces the whole checkpoint with one received by state transfer, atomically; its tree is tracked after. */
    public synchronized void replaceAll(TreeSnapshot.Image image, long op, long chain, byte[] consensusClients)
            throws IOException {
        commit(prepare(image, op, chain, consensusClients, true, true));
        generation++; // a save prepared before this is of a state the store no longer follows
    }

    /** A prepared save whose commit came after the store was loaded again or replaced: it is not written. */
    public static final class SupersededException extends IOException {
        private static final long serialVersionUID = 1L;

        SupersededException(String message) {
            super(message);
        }
    }

    /**
     * The part of a save that reads the state, where the tree is not being changed (the thread that applies ops):
     * takes the changes tracked since the last save, copies the changed znodes (or starts the copy of every znode,
     * for a full save) and notes what they must add up to. A full save's copy is then taken a slice at a time on the
     * same thread, between ops ({@link TreeCapture#step} on {@link Prepared#whole}), before the commit. Nothing is
     * written; {@link #commit} writes it, on any thread, while the state goes on changing. One prepared save at a
     * time: the next is prepared after this one's commit.
     */
    public Prepared prepare(ZnodeStateMachine machine, long op, long chain, byte[] consensusClients) {
        return prepare(new TreeSnapshot.Image(machine.tree(), machine.sessions(), machine.lastZxid()), op, chain,
                consensusClients, false, false);
    }

    private Prepared prepare(TreeSnapshot.Image image, long op, long chain, byte[] clients, boolean forceFull,
            boolean walkNow) {
        checkOpen();
        if (clients == null || clients.length > CLIENT_TABLE_BYTES_MAX) {
            throw new IllegalArgumentException("client table missing or over " + CLIENT_TABLE_BYTES_MAX + " bytes");
        }
        // the state's zxid is not compared with the op: a restore may have moved zxids above the op numbers
        CheckpointRecords.Meta before = stored;
        if (!forceFull && before != null && op < before.op()) {
            throw new IllegalStateException("checkpoint op " + op + " below the stored op " + before.op());
        }
        long started = nanoClock.getAsLong();
        DataTree tree = image.tree();
        SessionTable sessions = image.sessions();
        ChangeTracker.Changes<String> paths = tree.takeChangedPaths();
        ChangeTracker.Changes<Long> ephemeralOwners = tree.takeChangedOwners();
        ChangeTracker.Changes<Long> sessionIds = sessions.takeChangedSessions();
        boolean full = forceFull || fullRewriteNeeded || before == null || tree != trackedTree
                || sessions != trackedSessions || paths.everything() || ephemeralOwners.everything()
                || sessionIds.everything() || (long) paths.keys().size() * fullSaveRatio > tree.nodeCount();
        // from here the tree's changes count from this save; if it is not committed, the next save is full
        trackedTree = tree;
        trackedSessions = sessions;
        // copies of the fields only: making images of a whole tree, encoding them and their digest terms is the
        // writer's work
        TreeCapture whole = full ? tree.startCapture(image.lastZxid()) : null;
        if (whole != null && walkNow) {
            whole.step(Integer.MAX_VALUE);
        }
        List<ZnodeImage> nodeRecords = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        if (!full) {
            for (String path : paths.keys()) {
                ZnodeImage now = tree.image(path);
                if (now == null) {
                    deleted.add(path);
                } else {
                    nodeRecords.add(now);
                }
            }
        }
        Set<Long> ownerIds = full ? allOwners(tree, sessions) : union(ephemeralOwners.keys(), sessionIds.keys());
        List<CheckpointImport.Owner> ownerRecords = new ArrayList<>(ownerIds.size());
        for (long owner : ownerIds) {
            ownerRecords.add(new CheckpointImport.Owner(owner, sessions.get(owner), List.copyOf(tree.ephemeralsOf(owner))));
        }
        return new Prepared(op, chain, clients.clone(), image.lastZxid(), sessions.size(), tree.digest(),
                tree.nodeCount(), whole, nodeRecords, deleted, ownerRecords, started, generation);
    }

    private static Set<Long> allOwners(DataTree tree, SessionTable sessions) {
        Set<Long> ids = new TreeSet<>(tree.ephemeralsBySession().keySet());
        for (Session session : sessions.all()) {
            ids.add(session.sessionId());
        }
        return ids;
    }

    /**
     * A save read from the state by {@link #prepare}: for a full save every znode's fields ({@code whole}), whose
     * images the commit makes; otherwise images of the changed znodes and the deleted paths; the owners to write
     * (one with neither session nor ephemerals is removed), and the state's figures at its op, which what the file
     * holds after it must match. The commit encodes each image and lets it go: a Prepared is committed once.
     */
    public record Prepared(long op, long chain, byte[] clients, long lastZxid, int sessionCount, long digest,
            int nodeCount, TreeCapture whole, List<ZnodeImage> nodes, List<String> deleted,
            List<CheckpointImport.Owner> owners, long startedNanos, long generation) {

        /** Whether it rewrites the whole file. */
        public boolean full() {
            return whole != null;
        }

        /**
         * Takes up to {@code budget} more nodes of a full save's copy of the tree, on the thread that applies ops and
         * between ops; true once the save can be committed (at once for a save of changes).
         */
        public boolean step(int budget) {
            return whole == null || whole.step(budget);
        }

        /** The znode records it writes (changed or, for a full save, all), encoded when it is committed. */
        public int records() {
            return whole != null ? whole.size() : nodes.size();
        }

        CheckpointRecords.Meta meta(Written written) {
            return new CheckpointRecords.Meta(op, lastZxid, chain, written.nodeCount(), sessionCount,
                    written.digest(), clients);
        }
    }

    /**
     * Writes a prepared save: the changes and the metadata in one MapDB transaction, or the whole state into a new
     * file put in place of the old one. False, with nothing committed, when a save of the changes found a stored
     * record damaged: the next save rewrites everything. On an I/O error nothing of it is committed either; what the
     * file would hold not adding up to the state's figures is a bug (IllegalStateException).
     */
    public synchronized boolean commit(Prepared save) throws IOException {
        checkOpen();
        if (save.generation != generation) {
            throw new SupersededException("the checkpoint at op " + save.op + " was prepared before the store was "
                    + "loaded or replaced; not written");
        }
        if (save.full() && !save.whole.walked()) {
            throw new IllegalStateException("the checkpoint at op " + save.op + " is committed before its copy of "
                    + "the tree is taken");
        }
        Written written;
        try {
            written = save.full() ? saveWhole(save) : saveChanges(save);
        } catch (IOException | RuntimeException e) {
            fullRewriteNeeded = true;
            throw e;
        }
        if (written == null) {
            return false;
        }
        lastSave = written;
        lastSaveNanos = nanoClock.getAsLong() - save.startedNanos;
        saves++;
        LOG.debug("checkpoint at op {}: {} nodes written, {} deleted, full {}, {} us", save.op, written.nodesWritten(),
                written.nodesDeleted(), written.full(), lastSaveNanos / 1000);
        return true;
    }

    /**
     * Writes the changes and the metadata in one MapDB transaction. Returns null, with nothing committed, when an
     * old record turns out damaged: the whole state must be saved instead.
     */
    private Written saveChanges(Prepared save) throws IOException {
        boolean committed = false;
        try {
            Written written;
            try {
                written = writeChanges(save);
            } catch (IndexOutOfBoundsException | DBException e) {
                // MapDB's write-ahead store has failed inside a transaction of many new records (an index page
                // it had not loaded); the transaction is rolled back and the next save rewrites the whole file,
                // which does not go through that store
                LOG.warn("checkpoint at op {} in {}: MapDB failed writing the changes ({}); the next save rewrites "
                        + "the whole checkpoint", save.op, directory, e.toString());
                return null;
            }
            if (written == null) {
                return null;
            }
            checkWritten(written, save);
            CheckpointRecords.Meta next = save.meta(written);
            meta.put(META_KEY, CheckpointRecords.encodeMeta(next));
            db.commit();
            committed = true;
            adopt(next);
            return written;
        } catch (DBException e) {
            throw new IOException("checkpoint at op " + save.op + " not saved: " + e.getMessage(), e);
        } finally {
            if (!committed) {
                abandon();
            }
        }
    }

    /**
     * Writes the whole state into a new file and puts it in place of the old one: a crash before the rename
     * leaves the old checkpoint (and a stray new file that open deletes), one after it the new checkpoint.
     */
    private Written saveWhole(Prepared save) throws IOException {
        fullRewriteNeeded = true;
        Path fresh = directory.resolve(REWRITE_FILE_NAME);
        Written written;
        CheckpointRecords.Meta next;
        // the sink takes keys strictly in the map's own order, the key serializer's
        List<ZnodeImage> images = save.whole.images();
        images.sort((a, b) -> CheckpointRewrite.KEY_ORDER.compare(a.path(), b.path()));
        // each image is encoded as the sink takes it and let go after: the save never holds every image and every
        // encoded record at once (an encoded record is some 200 B for a 100 B value)
        Iterator<EncodedZnode> inOrder = IntStream.range(0, images.size())
                .mapToObj(i -> EncodedZnode.of(images.set(i, null))).iterator();
        try (CheckpointRewrite rewrite = CheckpointRewrite.create(fresh)) {
            written = rewrite.writeNodes(inOrder);
            fullSaveSteps.accept(FullSaveStep.NODES_WRITTEN);
            checkWritten(written, save);
            rewrite.writeOwners(save.owners);
            next = save.meta(written);
            rewrite.finish(CheckpointRecords.encodeMeta(next));
        } catch (DBException e) {
            throw new IOException("checkpoint at op " + save.op + " not saved: " + e.getMessage(), e);
        }
        fullSaveSteps.accept(FullSaveStep.NEW_FILE_FORCED);
        replaceFile(fresh);
        fullSaveSteps.accept(FullSaveStep.REOPENED);
        if (stored == null || stored.op() != next.op() || stored.digest() != next.digest()) {
            throw new IllegalStateException("checkpoint file renamed in place holds op "
                    + (stored == null ? -1 : stored.op()) + " after a full save at op " + next.op());
        }
        adopt(next);
        return written;
    }

    /**
     * Renames the finished new file over {@value #FILE_NAME} and reopens it. The old file is closed first: every
     * save commits or rolls back, and a MapDB commit applies its write-ahead log to the file before it returns, so
     * the closed file holds its last checkpoint whole without its write-ahead files. Those are deleted before the
     * rename, because left next to the new file MapDB would replay them into it on the next open. Whatever
     * happens, the store is left open on the file in place, or closed when even that fails.
     */
    private void replaceFile(Path fresh) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        try {
            db.close();
            for (Path wal : files(directory)) {
                if (!wal.equals(file)) {
                    Files.delete(wal);
                }
            }
            syncDirectory();
            fullSaveSteps.accept(FullSaveStep.OLD_FILE_RETIRED);
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
            fullSaveSteps.accept(FullSaveStep.RENAMED);
        } catch (DBException e) {
            throw new IOException("checkpoint file in " + directory + " did not close: " + e.getMessage(), e);
        } finally {
            try {
                attachFile();
            } catch (CorruptCheckpointException | RuntimeException e) {
                closed = true;
                throw new IOException("checkpoint file in " + directory + " will not reopen after a full save: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Makes the renames and deletions in the directory durable. */
    private void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private void adopt(CheckpointRecords.Meta next) {
        stored = next;
        metaDamage = null;
        fullRewriteNeeded = false;
    }

    private void abandon() {
        fullRewriteNeeded = true;
        try {
            db.rollback();
        } catch (DBException | IndexOutOfBoundsException e) {
            LOG.warn("checkpoint rollback failed in {}: {}", directory, e.toString());
        }
    }

    /** Writes the changed paths and owners; null when an old record is damaged, so the caller rewrites all. */
    private Written writeChanges(Prepared save) {
        long digest = stored.digest();
        int count = stored.nodeCount();
        int written = 0;
        int deleted = 0;
        // one walk of the B-tree per change: put and remove hand back the old record, whose term leaves the digest
        // (MapDB decodes a node's keys on every visit, which made a get before each put a third of a save's time)
        for (ZnodeImage image : save.nodes) {
            EncodedZnode now = EncodedZnode.of(image);
            beforeChangeWrite.accept(now.path());
            byte[] old = nodes.put(now.path(), now.record());
            if (old != null && Arrays.equals(old, now.record())) {
                continue; // marked but the same (a failed multi's rollback): not counted as written
            }
            if (old != null) {
                Long term = storedTerm(now.path(), old);
                if (term == null) {
                    return null; // nothing is committed: the caller rolls the transaction back
                }
                digest -= term;
                count--;
            }
            digest += now.digestTerm();
            count++;
            written++;
        }
        for (String path : save.deleted) {
            byte[] old = nodes.remove(path);
            if (old != null) {
                Long term = storedTerm(path, old);
                if (term == null) {
                    return null;
                }
                digest -= term;
                count--;
                deleted++;
            }
        }
        for (CheckpointImport.Owner owner : save.owners) {
            if (owner.session() == null && owner.ephemerals().isEmpty()) {
                owners.remove(owner.id());
                continue;
            }
            byte[] value = CheckpointRecords.encodeOwner(owner.id(), owner.session(), owner.ephemerals());
            if (!Arrays.equals(owners.get(owner.id()), value)) {
                owners.put(owner.id(), value);
            }
        }
        return new Written(digest, count, written, deleted, false);
    }

    /** The digest term of a stored record, or null when it does not decode. */
    private Long storedTerm(String path, byte[] old) {
        try {
            return CheckpointRecords.decodeNode(path, old).digestTerm();
        } catch (CorruptCheckpointException e) {
            LOG.warn("checkpoint in {}: {}; rewriting the whole checkpoint", directory, e.getMessage());
            return null;
        }
    }

    /** The pair check of a save: what the file now holds adds up to the state, or the tracking missed a change. */
    private static void checkWritten(Written written, Prepared save) {
        if (written.digest() != save.digest || written.nodeCount() != save.nodeCount) {
            throw new IllegalStateException("checkpoint at op " + save.op + " would store digest " + written.digest()
                    + " and " + written.nodeCount() + " nodes but the tree has " + save.digest + " and "
                    + save.nodeCount + ": a change escaped tracking");
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
        generation++;
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

    /**
     * The whole snapshot of the stored checkpoint ({@link CheckpointSnapshot}) if it is the one at {@code op}, for a
     * peer that needs the entire state; empty when none is stored or another replaced it. Every record is verified
     * as it is copied, and the tree they rebuild against the metadata.
     */
    public synchronized Optional<byte[]> writeSnapshotAt(long op) throws CorruptCheckpointException {
        checkOpen();
        if (metaDamage == null && (stored == null || stored.op() != op)) {
            return Optional.empty();
        }
        if (metaDamage != null) {
            throw metaDamage;
        }
        CheckpointSnapshot.Writer writer = new CheckpointSnapshot.Writer();
        rebuild(stored, writer);
        return Optional.of(writer.finish(stored.lastZxid(), stored.nodeCount(), stored.sessionCount(),
                stored.digest()));
    }

    /**
     * The stored records as a basis for receiving a checkpoint ({@link CheckpointSnapshot#held}), read when asked:
     * records that fail their checksum are left out, and reading stops at damage in the file's own pages.
     */
    public CheckpointSnapshot.Basis basis() {
        return wanted -> {
            Map<CheckpointSnapshot.BlockHash, byte[]> found = new HashMap<>();
            cutReadable((block, hash) -> {
                if (wanted.contains(hash)) {
                    found.put(hash, block);
                }
            });
            return found;
        };
    }

    /** Like {@link #basis} but read now and kept: for a store about to be moved aside as damaged. */
    public CheckpointSnapshot.Basis readBasis() {
        Map<CheckpointSnapshot.BlockHash, byte[]> blocks = new HashMap<>();
        cutReadable((block, hash) -> blocks.put(hash, block));
        return CheckpointSnapshot.basisOf(blocks);
    }

    private synchronized void cutReadable(CheckpointSnapshot.Cutter.Sink sink) {
        if (closed) {
            LOG.warn("checkpoint store in {} is closed: it offers no basis", directory);
            return;
        }
        CheckpointSnapshot.Cutter cutter = new CheckpointSnapshot.Cutter(sink);
        try {
            for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
                if (CheckpointRecords.intact(CheckpointRecords.keyBytes(e.getKey()), e.getValue())) {
                    cutter.node(e.getKey(), e.getValue());
                }
            }
            for (Map.Entry<Long, byte[]> e : owners.entrySet()) {
                if (CheckpointRecords.intact(CheckpointRecords.keyBytes(e.getKey()), e.getValue())) {
                    cutter.owner(e.getKey(), e.getValue());
                }
            }
        } catch (RuntimeException e) {
            // MapDB reports damage inside its own pages with assorted runtime exceptions; a basis is only what can
            // be read, and a wrong block in it is caught by the hash of the whole transfer: the rest is not read
            LOG.warn("checkpoint file in {} is read as a basis up to damage: {}", directory, e.toString());
        }
        cutter.finish();
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
        TreeSnapshot.Image image = rebuild(stored, null);
        return Optional.of(new StoredCheckpoint(stored.op(), stored.chain(), stored.clients().clone(), image,
                stored.digest()));
    }

    /** Rebuilds the stored state and checks it against {@code expected}; copies each record to {@code copy} too. */
    private TreeSnapshot.Image rebuild(CheckpointRecords.Meta expected, CheckpointSnapshot.Writer copy)
            throws CorruptCheckpointException {
        RecordRebuild rebuild = new RecordRebuild();
        try {
            for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
                rebuild.node(e.getKey(), e.getValue());
                if (copy != null) {
                    copy.node(e.getKey(), e.getValue());
                }
            }
            for (Map.Entry<Long, byte[]> e : owners.entrySet()) {
                rebuild.owner(e.getKey(), e.getValue());
                if (copy != null) {
                    copy.owner(e.getKey(), e.getValue());
                }
            }
        } catch (DBException | IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
            // MapDB reports damage inside its own pages with assorted runtime exceptions
            throw new CorruptCheckpointException("checkpoint file in " + directory + " is unreadable: " + e, e);
        }
        return rebuild.build(expected.op(), expected.lastZxid(), expected.nodeCount(), expected.sessionCount(),
                expected.digest());
    }

    /** Sets the share of changed nodes above which a save is full (0: only when it must be): for tests. */
    synchronized void fullSaveRatio(int ratio) {
        fullSaveRatio = ratio;
    }

    /** Tells {@code observer} of each step of every full save, on the saving thread: for crash tests. */
    synchronized void beforeChangeWrite(Consumer<String> hook) {
        beforeChangeWrite = hook;
    }

    synchronized void observeFullSaveSteps(Consumer<FullSaveStep> observer) {
        fullSaveSteps = observer;
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
