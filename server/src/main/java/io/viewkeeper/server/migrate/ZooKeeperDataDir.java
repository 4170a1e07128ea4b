package io.viewkeeper.server.migrate;

import java.io.BufferedInputStream;
import java.io.DataInput;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Adler32;
import java.util.zip.CheckedInputStream;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.InputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.SnapStream;
import org.apache.zookeeper.server.persistence.TxnLog;
import org.apache.zookeeper.server.persistence.Util;
import org.apache.zookeeper.txn.CreateSessionTxn;
import org.apache.zookeeper.txn.TxnHeader;

/**
 * Reads a stopped ZooKeeper server's data directory ({@code version-2/snapshot.*} and {@code log.*}, ZooKeeper 3.4
 * to 3.9) into ZooKeeper's own {@link DataTree} with ZooKeeper's own readers: the newest snapshot (plain, gzip or
 * snappy, with its checksum and digest), then every logged transaction after it, as a ZooKeeper server does when it
 * starts. It is stricter than ZooKeeper about one thing: a damaged newest snapshot or a gap in the logs is refused
 * with a message, never skipped, since the import must bring every committed write. Nothing is written to the
 * directories it reads.
 */
public final class ZooKeeperDataDir {
    private static final String VERSION_DIR = "version-2";
    private static final long COUNTER_MASK = 0xFFFFFFFFL;

    private ZooKeeperDataDir() {
    }

    /**
     * The state read: ZooKeeper's tree, the open sessions and their timeouts, where it came from (the snapshot file,
     * or what the caller called the stream) and how many logged transactions were replayed after it.
     */
    public record Loaded(DataTree tree, Map<Long, Integer> sessions, long lastZxid, String source, int transactions) {
    }

    /** Reads {@code dataDir} (snapshots) and {@code logDir} (transaction logs; the same directory by default). */
    public static Loaded read(Path dataDir, Path logDir) throws MigrationException {
        Path snapDir = versionDir(dataDir, "dataDir");
        Path txnDir = versionDir(logDir, "dataLogDir");
        List<File> snapshots = snapshotsNewestFirst(snapDir);
        if (snapshots.isEmpty()) {
            throw new MigrationException(snapDir + " holds no snapshot.* file; a ZooKeeper server writes one when "
                    + "it first starts, so this is not a data directory a ZooKeeper server ran on");
        }
        File newest = snapshots.get(0);
        DataTree tree = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        long snapshotZxid = readSnapshot(newest, tree, sessions, true);
        int transactions = replayLogs(txnDir, tree, sessions, snapshotZxid);
        DataTree.ZxidDigest unreached = tree.getDigestFromLoadedSnapshot();
        if (unreached != null) {
            // ZooKeeper clears it once the replay passes the zxid the snapshot's digest was taken at.
            throw new MigrationException(String.format(java.util.Locale.ROOT, "the snapshot %s was taken while "
                    + "transactions up to zxid 0x%x were applied, but the logs in %s end at 0x%x: a log.* file is "
                    + "missing", newest, unreached.getZxid(), txnDir, tree.lastProcessedZxid));
        }
        removeDeadSessions(tree, sessions);
        return new Loaded(tree, sessions, tree.lastProcessedZxid, newest.toString(), transactions);
    }

    /**
     * Reads one snapshot file on its own, such as an export or a ZooKeeper AdminServer snapshot: its zxid is the
     * one its name gives ({@code snapshot.<zxid in hex>}) or, for another name, the last zxid the file records. A
     * snapshot taken while transactions were being applied (its digest is at a later zxid) needs its logs, so it is
     * refused here.
     */
    public static Loaded readSnapshotFile(Path file) throws MigrationException {
        if (!Files.isRegularFile(file)) {
            throw new MigrationException(file + " is not a file");
        }
        DataTree tree = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        long zxid = readSnapshot(file.toFile(), tree, sessions, false);
        if (tree.getDigestFromLoadedSnapshot() != null) {
            throw new MigrationException("snapshot " + file + " was taken while transactions up to zxid 0x"
                    + Long.toHexString(tree.getDigestFromLoadedSnapshot().getZxid()) + " were being applied: "
                    + "import it with its server's data directory (--zookeeper-data-dir), whose logs complete it");
        }
        removeDeadSessions(tree, sessions);
        return new Loaded(tree, sessions, zxid, file.toString(), 0);
    }

    private static Path versionDir(Path dir, String what) throws MigrationException {
        if (!Files.isDirectory(dir)) {
            throw new MigrationException("ZooKeeper " + what + " " + dir + " is not a directory");
        }
        Path version = dir.resolve(VERSION_DIR);
        if (!Files.isDirectory(version)) {
            throw new MigrationException(dir + " is not a ZooKeeper " + what + ": it has no " + VERSION_DIR
                    + " directory (give the directory that zoo.cfg's " + what + " names)");
        }
        if (!Files.isReadable(version)) {
            throw new MigrationException("cannot read " + version);
        }
        return version;
    }

    private static List<File> snapshotsNewestFirst(Path snapDir) throws MigrationException {
        File[] files = snapDir.toFile().listFiles();
        if (files == null) {
            throw new MigrationException("cannot list " + snapDir);
        }
        List<File> snapshots = new ArrayList<>();
        for (File file : Util.sortDataDir(files, FileSnap.SNAPSHOT_FILE_PREFIX, false)) {
            if (Util.isSnapshotFileName(file.getName()) && file.isFile()) {
                snapshots.add(file);
            }
        }
        return snapshots;
    }

    /**
     * Reads one snapshot as ZooKeeper's {@code FileSnap} does (nodes and sessions, the seal checksum, then the
     * digest and last processed zxid that newer versions append, each sealed), and fails rather than falls back to
     * an older snapshot.
     */
    private static long readSnapshot(File snapshot, DataTree tree, Map<Long, Integer> sessions, boolean inDataDir)
            throws MigrationException {
        long named = Util.getZxidFromName(snapshot.getName(), FileSnap.SNAPSHOT_FILE_PREFIX);
        boolean recorded;
        try {
            if (named >= 0 && !SnapStream.isValidSnapshot(snapshot)) { // it needs ZooKeeper's name to look
                throw new IOException("it is empty, truncated or does not end as a snapshot does");
            }
            try (CheckedInputStream in = SnapshotInput.open(snapshot)) {
                recorded = deserialize(in, tree, sessions, Math.max(named, 0));
            }
        } catch (IOException | RuntimeException e) {
            throw new MigrationException(inDataDir ? "the newest snapshot " + snapshot + " is damaged ("
                    + e.getMessage() + "). ZooKeeper would fall back to an older snapshot; to import from that one, "
                    + "move this file out of the directory and run the import again: the logs after the older "
                    + "snapshot are checked for gaps" : "snapshot " + snapshot + " is damaged (" + e.getMessage()
                    + ")", e);
        }
        long zxid = named >= 0 ? named : recorded ? tree.lastProcessedZxid : -1;
        if (zxid < 0) {
            throw new MigrationException("snapshot " + snapshot + " records no zxid: name it snapshot.<its zxid in "
                    + "hex>, as ZooKeeper does");
        }
        tree.lastProcessedZxid = zxid;
        if (tree.getDigestFromLoadedSnapshot() != null) {
            tree.compareSnapshotDigests(zxid); // as FileSnap: a snapshot taken at rest is compared (and done) here
        }
        return zxid;
    }

    /**
     * One snapshot's content, as ZooKeeper's {@code FileSnap} reads it: nodes and sessions, the seal checksum, then
     * the digest and last processed zxid newer versions append, each sealed. True when it recorded its last zxid.
     */
    private static boolean deserialize(CheckedInputStream in, DataTree tree, Map<Long, Integer> sessions,
            long digestStartZxid) throws IOException {
        // an archive straight over SnapshotInput, which decodes the fields itself; over a DataInputStream otherwise
        InputArchive archive = in instanceof DataInput fields ? new BinaryInputArchive(fields)
                : BinaryInputArchive.getArchive(in);
        FileSnap.deserialize(tree, sessions, archive);
        SnapStream.checkSealIntegrity(in, archive);
        if (tree.deserializeZxidDigest(archive, digestStartZxid)) {
            SnapStream.checkSealIntegrity(in, archive);
        }
        boolean recorded = tree.deserializeLastProcessedZxid(archive);
        if (recorded) {
            SnapStream.checkSealIntegrity(in, archive);
        }
        return recorded;
    }

    /**
     * A snapshot as ZooKeeper 3.9's AdminServer {@code restore} takes it: an uncompressed stream that records its
     * last zxid, taken at rest (its digest, if any, at that zxid).
     */
    public static Loaded readSnapshotStream(InputStream stream, String what) throws MigrationException {
        DataTree tree = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        try (CheckedInputStream in = new CheckedInputStream(new BufferedInputStream(stream), new Adler32())) {
            if (!deserialize(in, tree, sessions, 0)) {
                throw new MigrationException(what + " records no last zxid (ZooKeeper writes it unless "
                        + "zookeeper.serializeLastProcessedZxid.enabled is false)");
            }
        } catch (IOException | RuntimeException e) {
            throw new MigrationException(what + " is not a whole, uncompressed ZooKeeper snapshot: " + e.getMessage(),
                    e);
        }
        long zxid = tree.lastProcessedZxid;
        if (tree.getDigestFromLoadedSnapshot() != null) {
            tree.compareSnapshotDigests(zxid);
        }
        if (tree.getDigestFromLoadedSnapshot() != null) {
            throw new MigrationException(what + " was taken while transactions were being applied; it needs its logs");
        }
        removeDeadSessions(tree, sessions);
        return new Loaded(tree, sessions, zxid, what, 0);
    }

    /**
     * Replays the logged transactions after the snapshot, checking that they follow on without a gap: each zxid
     * is the one before plus one, or the first of a later epoch.
     */
    private static int replayLogs(Path txnDir, DataTree tree, Map<Long, Integer> sessions, long snapshotZxid)
            throws MigrationException {
        int replayed = 0;
        long previous = snapshotZxid;
        try (TxnLog.TxnIterator iterator = new FileTxnLog(txnDir.toFile()).read(snapshotZxid + 1)) {
            TxnHeader header = iterator.getHeader();
            while (header != null) {
                long zxid = header.getZxid();
                if (!follows(previous, zxid)) {
                    throw new MigrationException(String.format(java.util.Locale.ROOT, "the transaction logs in %s "
                            + "have a gap: zxid 0x%x follows 0x%x (a log.* file is missing or damaged)", txnDir,
                            zxid, previous));
                }
                apply(tree, sessions, header, iterator.getTxn());
                previous = zxid;
                replayed++;
                header = iterator.next() ? iterator.getHeader() : null;
            }
        } catch (IOException | RuntimeException e) {
            throw new MigrationException("cannot read the transaction logs in " + txnDir + " after zxid 0x"
                    + Long.toHexString(previous) + ": " + e.getMessage(), e);
        }
        return replayed;
    }

    /** Whether {@code next} comes right after {@code previous}: the next counter, or the first of a new epoch. */
    static boolean follows(long previous, long next) {
        if (next == previous + 1) {
            return true;
        }
        return (next >>> 32) > (previous >>> 32) && (next & COUNTER_MASK) == 1;
    }

    private static void apply(DataTree tree, Map<Long, Integer> sessions, TxnHeader header, Record txn) {
        switch (header.getType()) {
            case OpCode.createSession -> sessions.put(header.getClientId(), ((CreateSessionTxn) txn).getTimeOut());
            case OpCode.closeSession -> sessions.remove(header.getClientId());
            default -> { }
        }
        // As ZooKeeper's own replay: a failed transaction on a fuzzy snapshot (NoNode, NodeExists) is ignored.
        tree.processTxn(header, txn);
    }

    /**
     * Removes the ephemerals of sessions the snapshot and logs no longer hold, as a ZooKeeper server does after
     * loading its database (a closeSession at the last zxid for each).
     */
    private static void removeDeadSessions(DataTree tree, Map<Long, Integer> sessions) {
        long zxid = tree.lastProcessedZxid;
        for (Long owner : List.copyOf(tree.getSessions())) {
            if (!sessions.containsKey(owner)) {
                tree.processTxn(new TxnHeader(owner, 0, zxid, 0, OpCode.closeSession), null);
            }
        }
    }
}
