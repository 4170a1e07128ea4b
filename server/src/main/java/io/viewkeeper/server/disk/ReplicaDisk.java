package io.viewkeeper.server.disk;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.CheckpointRef;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.DurableState;
import io.viewkeeper.consensus.HeldPart;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.LogHole;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.checkpoint.CheckpointSnapshot;
import io.viewkeeper.storage.checkpoint.CheckpointStore;
import io.viewkeeper.storage.checkpoint.CorruptCheckpointException;
import io.viewkeeper.storage.checkpoint.StoredCheckpoint;
import io.viewkeeper.storage.wal.ChannelOpener;
import io.viewkeeper.storage.wal.CorruptStorageException;
import io.viewkeeper.storage.wal.MetadataStore;
import io.viewkeeper.storage.wal.ReplicaMetadata;
import io.viewkeeper.storage.wal.WalRecord;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's data directory: {@code metadata.0}/{@code metadata.1} (identity and view state), {@code wal/}
 * (the write-ahead log) and {@code checkpoint/} (the latest checkpoint, in MapDB). Opening reads and checks all
 * three and says how the replica must start ({@link Start}); damage is reported, never repaired by guessing.
 */
public final class ReplicaDisk implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaDisk.class);
    /** The file an import leaves beside the checkpoint it wrote; see {@link #markImported}. */
    public static final String IMPORT_MARKER = "imported";

    /** Who this directory belongs to: written on first start, checked on every start after. */
    public record Identity(long clusterId, int replicaId, String configuration) {
    }

    /** How the replica starts. */
    public enum Kind {
        /** Nothing on disk: a replica that never ran. */
        EMPTY,
        /** The disk holds a checked state: restart from it. */
        INTACT,
        /** Something on disk failed its checks: the state must come from peers. */
        DAMAGED
    }

    /** What opening found: the kind, the durable state to restart from (INTACT), and the reason (DAMAGED). */
    public record Start(Kind kind, DurableState durable, TreeSnapshot.Image image, String damage) {
    }

    private final Path dataDir;
    private final MetadataStore metadataStore;
    private final CheckpointStore checkpoints;
    private final WriteAheadLog wal;
    private final Start start;
    private ReplicaMetadata metadata;
    /** The readable blocks of a checkpoint found damaged at open, until a checkpoint is installed in its place. */
    private CheckpointSnapshot.Basis damagedBasis;

    private ReplicaDisk(Path dataDir, MetadataStore metadataStore, ReplicaMetadata metadata,
            CheckpointStore checkpoints, CheckpointSnapshot.Basis damagedBasis, WriteAheadLog wal, Start start) {
        this.damagedBasis = damagedBasis;
        this.dataDir = dataDir;
        this.metadataStore = metadataStore;
        this.metadata = metadata;
        this.checkpoints = checkpoints;
        this.wal = wal;
        this.start = start;
    }

    /**
     * Opens the directory. A directory of another cluster or replica, or written by a newer format, fails with a
     * message naming it, and nothing in it is changed.
     */
    public static ReplicaDisk open(Path dataDir, Identity identity, WriteAheadLog.Options walOptions)
            throws IOException {
        List<String> damage = new ArrayList<>();
        MetadataStore.Loaded loaded = loadMetadata(dataDir, damage);
        ReplicaMetadata metadata = loaded == null ? null : loaded.metadata().orElse(null);
        if (metadata != null) {
            checkIdentity(dataDir, metadata, identity);
        }
        Path checkpointDir = dataDir.resolve("checkpoint");
        StoredCheckpoint stored = null;
        CheckpointStore checkpoints = null;
        CheckpointSnapshot.Basis damagedBasis = CheckpointSnapshot.NO_BASIS;
        try {
            checkpoints = CheckpointStore.open(checkpointDir, System::nanoTime);
            stored = checkpoints.load().orElse(null);
        } catch (CorruptCheckpointException e) {
            damage.add("checkpoint: " + e.getMessage());
            if (checkpoints != null) {
                // what can still be read of it spares fetching those blocks of a peer's checkpoint
                damagedBasis = checkpoints.readBasis();
                checkpoints.close();
                log.info("kept the blocks of the damaged checkpoint in {} that still read, for its repair from a "
                        + "peer", checkpointDir);
            }
            CheckpointStore.moveAside(checkpointDir, "damaged-" + System.currentTimeMillis());
            try {
                checkpoints = CheckpointStore.open(checkpointDir, System::nanoTime);
            } catch (CorruptCheckpointException again) {
                throw new IOException("cannot create a new checkpoint store in " + checkpointDir, again);
            }
        }
        long checkpointOp = stored == null ? 0 : stored.op();
        WriteAheadLog.Opened opened = WriteAheadLog.open(dataDir.resolve("wal"), walOptions, ChannelOpener.DIRECT,
                checkpointOp);
        CheckedLog checked = checkedLog(opened.contents(), stored, damage);
        List<LogEntry> entries = checked.entries();
        MetadataStore store = loaded != null ? loaded.store() : MetadataStore.replacing(dataDir, ChannelOpener.DIRECT);
        metadata = adoptImport(dataDir, identity, metadata, stored, entries, damage, store);
        long knownCommit = CommitHint.validate(CommitHint.read(dataDir), stored == null ? 0 : stored.op(),
                stored == null ? 0 : stored.chain(), entries);
        Start start = decide(metadata, stored, checked, damage, knownCommit);
        return new ReplicaDisk(dataDir, store, metadata == null ? fresh(identity) : metadata, checkpoints,
                damagedBasis, opened.log(), start);
    }

    /**
     * Marks a directory that holds an imported first checkpoint and nothing else: the first replica to start on it
     * takes it as its own (see {@link #open}). Written last, with an fsync, by the import.
     */
    public static void markImported(Path dataDir, String description) throws IOException {
        Path marker = dataDir.resolve(IMPORT_MARKER);
        Files.writeString(marker, description + "\n", StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(marker, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /**
     * A directory an import wrote (a checkpoint, the marker, no metadata and no log) becomes this replica's: its
     * metadata is written at view 0 before the marker is removed, so a crash between the two leaves either an
     * import still to adopt or an adopted one. Anything else beside the marker is left to the normal checks.
     */
    private static ReplicaMetadata adoptImport(Path dataDir, Identity identity, ReplicaMetadata metadata,
            StoredCheckpoint stored, List<LogEntry> entries, List<String> damage, MetadataStore store)
            throws IOException {
        Path marker = dataDir.resolve(IMPORT_MARKER);
        if (!Files.exists(marker)) {
            return metadata;
        }
        if (metadata != null) {
            Files.delete(marker);
            return metadata;
        }
        if (stored == null || !entries.isEmpty() || !damage.isEmpty()) {
            damage.add("an import marker beside " + (stored == null ? "no checkpoint" : "a log or damage"));
            return null;
        }
        ReplicaMetadata adopted = fresh(identity);
        store.write(adopted);
        log.info("adopting the imported state in {} at op {} ({})", dataDir, stored.op(),
                Files.readString(marker, StandardCharsets.UTF_8).trim());
        Files.delete(marker);
        return adopted;
    }

    private static MetadataStore.Loaded loadMetadata(Path dataDir, List<String> damage) throws IOException {
        try {
            return MetadataStore.open(dataDir, ChannelOpener.DIRECT);
        } catch (CorruptStorageException e) {
            if (e.getMessage().contains("newer format")) {
                throw e;
            }
            damage.add("metadata: " + e.getMessage());
            return null;
        }
    }

    private static ReplicaMetadata fresh(Identity identity) {
        return new ReplicaMetadata(identity.clusterId(), identity.replicaId(), identity.configuration(), 0, 0, 0);
    }

    private static void checkIdentity(Path dataDir, ReplicaMetadata found, Identity expected) throws IOException {
        if (found.clusterId() != expected.clusterId() || !found.configuration().equals(expected.configuration())) {
            throw new CorruptStorageException(String.format(Locale.ROOT, "data directory %s belongs to another "
                    + "replica group (members %s, cluster id %x), not to this one (members %s, cluster id %x); "
                    + "nothing in it was changed", dataDir, found.configuration(), found.clusterId(),
                    expected.configuration(), expected.clusterId()));
        }
        if (found.replicaId() != expected.replicaId()) {
            throw new CorruptStorageException("data directory " + dataDir + " belongs to replica "
                    + found.replicaId() + ", not to replica " + expected.replicaId() + "; nothing in it was changed");
        }
    }

    /** What the log holds after the checkpoint: its entries, checked, and the damaged runs between them. */
    private record CheckedLog(List<LogEntry> entries, List<LogHole> holes, int uncertainTailOps) {
    }

    /**
     * The log entries after the checkpoint, each checked against its checksum and the hash chain, and the runs of
     * damaged records between intact ones as holes, each with the chain at its last op: named by the batch end
     * after it, or by the intact record after it ({@link LogEntry#parentChainOf}). A run longer than
     * {@link LogHole#OPS_MAX}, or one nothing names the chain of, is damage.
     */
    private static CheckedLog checkedLog(WriteAheadLog.Contents contents, StoredCheckpoint stored,
            List<String> damage) {
        if (contents.damage() != null) {
            damage.add("log: " + contents.damage());
        }
        java.util.Map<Long, WriteAheadLog.Hole> damaged = new java.util.HashMap<>();
        contents.holes().forEach(hole -> damaged.put(hole.op(), hole));
        long expectedOp = stored == null ? 1 : stored.op() + 1;
        long chain = stored == null ? 0 : stored.chain();
        List<LogEntry> entries = new ArrayList<>();
        List<LogHole> holes = new ArrayList<>();
        java.util.Iterator<WalRecord> records = contents.records().iterator();
        WalRecord record = records.hasNext() ? records.next() : null;
        while (record != null || damaged.containsKey(expectedOp)) {
            if (damaged.containsKey(expectedOp)) {
                long first = expectedOp;
                while (damaged.containsKey(expectedOp + 1)) {
                    expectedOp++;
                }
                WriteAheadLog.Hole last = damaged.get(expectedOp);
                Long named = last.chainKnown() ? Long.valueOf(last.chain())
                        : record != null && record.op() == expectedOp + 1 ? Long.valueOf(entryOf(record)
                                .parentChainOf(record.chain())) : null;
                if (named == null || expectedOp - first >= LogHole.OPS_MAX) {
                    damage.add("log: " + (expectedOp - first + 1) + " damaged records from op " + first);
                    break;
                }
                holes.add(new LogHole(first, expectedOp, named));
                chain = named;
                expectedOp++;
                continue;
            }
            LogEntry entry = entryOf(record);
            if (record.op() != expectedOp) {
                damage.add("log: op " + record.op() + " where op " + expectedOp + " was expected");
                break;
            }
            if (!entry.checksumValid() || entry.chainAfter(chain) != record.chain()) {
                damage.add("log: entry at op " + record.op() + " fails its checksum or hash chain");
                break;
            }
            chain = record.chain();
            entries.add(entry);
            expectedOp++;
            record = records.hasNext() ? records.next() : null;
        }
        return new CheckedLog(entries, holes, contents.uncertainTailOps());
    }

    private static LogEntry entryOf(WalRecord record) {
        return new LogEntry(record.op(), record.view(), record.clientId(), record.requestNumber(), record.body(),
                record.entryChecksum());
    }

    private static Start decide(ReplicaMetadata metadata, StoredCheckpoint stored, CheckedLog checked,
            List<String> damage, long commitHint) {
        List<LogEntry> entries = checked.entries();
        if (!damage.isEmpty()) {
            return new Start(Kind.DAMAGED, null, null, String.join("; ", damage));
        }
        if (metadata == null) {
            if (stored != null || !entries.isEmpty() || !checked.holes().isEmpty()) {
                return new Start(Kind.DAMAGED, null, null, "the replica metadata is missing beside a log or "
                        + "checkpoint");
            }
            return new Start(Kind.EMPTY, null, emptyImage(), null);
        }
        ClientTableCodec.State consensus = stored == null ? null : ClientTableCodec.decodeState(
                stored.consensusClients());
        Checkpoint checkpoint = stored == null ? null : new Checkpoint(stored.op(), stored.chain(),
                io.viewkeeper.consensus.Outbox.NO_RESULT, consensus.sessions(), consensus.membership());
        TreeSnapshot.Image image = stored == null ? emptyImage() : stored.image();
        // the reconfiguration that made the recorded members was applied, hence committed
        long knownCommit = Math.max(commitHint, metadata.membersOp());
        return new Start(Kind.INTACT, new DurableState(metadata.view(), metadata.lastNormalView(), checkpoint,
                entries, knownCommit, checked.holes(), checked.uncertainTailOps()), image, null);
    }

    private static TreeSnapshot.Image emptyImage() {
        return new TreeSnapshot.Image(new DataTree(), new SessionTable(), 0);
    }

    public Start start() {
        return start;
    }

    public WriteAheadLog wal() {
        return wal;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /**
     * The parts of the checkpoint {@code ref} a peer offers that this disk holds already ({@code Outbox.heldParts}):
     * the blocks of its snapshot found among the stored checkpoint's records, or among the readable records of a
     * checkpoint found damaged at open. Null while {@code prefix} does not hold the snapshot's whole manifest.
     */
    public List<HeldPart> heldParts(CheckpointRef ref, byte[] prefix, int length, String logPrefix) {
        long started = System.nanoTime();
        CheckpointSnapshot.Basis damaged = damagedBasis;
        CheckpointSnapshot.Basis basis = wanted -> {
            Map<CheckpointSnapshot.BlockHash, byte[]> found = new HashMap<>(damaged.blocks(wanted));
            Set<CheckpointSnapshot.BlockHash> rest = new HashSet<>(wanted);
            rest.removeAll(found.keySet());
            found.putAll(checkpoints.basis().blocks(rest));
            return found;
        };
        List<CheckpointSnapshot.Held> held;
        try {
            held = CheckpointSnapshot.held(prefix, length, ref.bytes(), basis);
        } catch (CorruptCheckpointException e) {
            log.warn("{} checkpoint at op {} offered by a peer lists no blocks this replica can use ({}): it is "
                    + "fetched whole", logPrefix, ref.op(), e.getMessage());
            return List.of();
        }
        if (held == null) {
            return null;
        }
        // handed over: the fetch keeps what it needs of them
        damagedBasis = CheckpointSnapshot.NO_BASIS;
        List<HeldPart> parts = new ArrayList<>(held.size());
        long bytes = 0;
        for (CheckpointSnapshot.Held part : held) {
            parts.add(new HeldPart(part.offset(), part.bytes()));
            bytes += part.bytes().length;
        }
        log.info("{} checkpoint at op {} offered by a peer: {} of its {} bytes held here in {} blocks, found in {} ms",
                logPrefix, ref.op(), bytes, ref.bytes(), parts.size(), (System.nanoTime() - started) / 1_000_000);
        return parts;
    }

    /** A checkpoint was installed: a damaged one's blocks are of no more use. */
    public void forgetDamagedCheckpoint() {
        damagedBasis = CheckpointSnapshot.NO_BASIS;
    }

    /** Durably records the view state (VR Revisited §4.2), and with it who this directory belongs to. */
    public void persistViewState(long view, long lastNormalView) throws IOException {
        metadata = metadata.withViewState(view, lastNormalView);
        metadataStore.write(metadata);
    }

    /**
     * Durably records the members of a later epoch the replica applied at {@code op} ({@link
     * io.viewkeeper.consensus.Outbox#persistMembership}): the replica restarts with them.
     */
    public void persistMembership(Membership membership, long op) throws IOException {
        metadata = metadata.withMembers(membership.epoch(), membership.encode(), op);
        metadataStore.write(metadata);
    }

    /** The members this replica last recorded; null when it recorded none (the group never changed them). */
    public Membership recordedMembers() {
        byte[] members = metadata.members();
        return members.length == 0 ? null : Membership.decode(java.nio.ByteBuffer.wrap(members));
    }

    /**
     * Records the highest op known committed as a hint for the next start, without an fsync: a lost or stale hint
     * only makes a restarted replica's first view change carry more of its log.
     */
    public void writeCommitHint(long op, long chain) throws IOException {
        CommitHint.write(dataDir, op, chain);
    }

    /** Client-table bytes for a checkpoint. */
    public static byte[] encodeClients(List<ClientTable.Session> clients) {
        return ClientTableCodec.encode(clients);
    }

    /** The consensus part of a checkpoint: its client table and the group's members after it (null: unchanged). */
    public static byte[] encodeConsensus(List<ClientTable.Session> clients, Membership membership) {
        return ClientTableCodec.encode(clients, membership);
    }

    /** The members {@link #encodeConsensus} wrote, or null; IllegalArgumentException when the bytes do not read. */
    public static Membership decodeMembers(byte[] bytes) {
        return ClientTableCodec.decodeState(bytes).membership();
    }

    /** The client table of {@link #encodeClients}; IllegalArgumentException when the bytes do not read. */
    public static List<ClientTable.Session> decodeClients(byte[] bytes) {
        return ClientTableCodec.decode(bytes);
    }

    @Override
    public void close() throws IOException {
        try {
            wal.close();
        } finally {
            checkpoints.close();
        }
    }
}
