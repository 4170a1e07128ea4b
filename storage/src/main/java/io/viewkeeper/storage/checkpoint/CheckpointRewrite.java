package io.viewkeeper.storage.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * A whole checkpoint written into a new MapDB file, records first and the metadata record last, without MapDB
 * transactions: the file is bulk-loaded in key order (MapDB's sorted sink builds each B-tree bottom up), which is
 * some twenty times faster than a million puts in one transaction. It is not the checkpoint until {@link #finish}
 * closed and forced it and the store renamed it over the old file; until then a crash leaves only a stray file
 * that the next open deletes. Closing it unfinished deletes it.
 */
final class CheckpointRewrite implements AutoCloseable {
    /** The order of the znode map's keys, its key serializer's: {@link String#compareTo}. */
    static final Comparator<String> KEY_ORDER = Serializer.STRING;
    private final Path file;
    private final DB db;
    private boolean finished;
    private boolean nodesWritten;
    private boolean ownersWritten;

    private CheckpointRewrite(Path file, DB db) {
        this.file = file;
        this.db = db;
    }

    /** Starts a new file at {@code file}, replacing a stray one left there by a crash. */
    static CheckpointRewrite create(Path file) throws IOException {
        Files.deleteIfExists(file);
        // no transactions: nothing in this file counts before the rename, so MapDB need not make it crash-safe;
        // memory-mapped, because the default file volume makes a system call per read or write of a field (five
        // times slower for a million znodes); single-threaded, because only the saving thread ever touches it
        DB db = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().concurrencyDisable().make();
        return new CheckpointRewrite(file, db);
    }

    /**
     * Writes the znodes given in strictly ascending {@link #KEY_ORDER} of their paths (so parents before children);
     * returns the digest and count they add up to.
     */
    CheckpointStore.Written writeNodes(Iterator<EncodedZnode> nodesInKeyOrder) {
        if (nodesWritten || finished) {
            throw new IllegalStateException("znodes already written to " + file);
        }
        nodesWritten = true;
        DB.TreeMapSink<String, byte[]> sink = db.treeMap(CheckpointStore.NODES_MAP, Serializer.STRING,
                Serializer.BYTE_ARRAY).valuesOutsideNodesEnable().createFromSink();
        long digest = 0;
        int count = 0;
        String first = null;
        String previous = null;
        while (nodesInKeyOrder.hasNext()) {
            EncodedZnode node = nodesInKeyOrder.next();
            String path = node.path();
            if (previous != null && KEY_ORDER.compare(previous, path) >= 0) {
                throw new IllegalStateException("znode " + path + " comes after " + previous + " in " + file
                        + ": the nodes of a checkpoint are written in key order");
            }
            sink.put(path, node.record());
            digest += node.digestTerm();
            count++;
            first = first == null ? path : first;
            previous = path;
        }
        BTreeMap<String, byte[]> nodes = sink.create();
        if (count == 0 || !nodes.firstKey().equals(first) || !nodes.lastKey().equals(previous)) {
            throw new IllegalStateException("bulk load of " + count + " znodes into " + file
                    + " does not span them: " + (count == 0 ? "none" : nodes.firstKey() + " to " + nodes.lastKey()));
        }
        return new CheckpointStore.Written(digest, count, count, 0, true);
    }

    /** Writes a record for each owner, given in ascending session-id order. */
    void writeOwners(List<CheckpointImport.Owner> owners) {
        if (!nodesWritten || ownersWritten || finished) {
            throw new IllegalStateException("owners written out of order to " + file);
        }
        ownersWritten = true;
        DB.TreeMapSink<Long, byte[]> sink = db.treeMap(CheckpointStore.OWNERS_MAP, Serializer.LONG,
                Serializer.BYTE_ARRAY).createFromSink();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < owners.size(); i++) {
            CheckpointImport.Owner owner = owners.get(i);
            if (i > 0 && owner.id() <= previous) {
                throw new IllegalStateException("session 0x" + Long.toHexString(owner.id()) + " comes after 0x"
                        + Long.toHexString(previous) + " in " + file + ": owners are written in id order");
            }
            sink.put(owner.id(), CheckpointRecords.encodeOwner(owner.id(), owner.session(), owner.ephemerals()));
            previous = owner.id();
        }
        sink.create();
    }

    /** Writes the metadata record, last, then closes the file and forces it to the device. */
    void finish(byte[] meta) throws IOException {
        if (!ownersWritten || finished) {
            throw new IllegalStateException("metadata written out of order to " + file);
        }
        BTreeMap<String, byte[]> map = db.treeMap(CheckpointStore.META_MAP, Serializer.STRING, Serializer.BYTE_ARRAY)
                .create();
        map.put(CheckpointStore.META_KEY, meta);
        db.close();
        finished = true;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Closes and deletes the file unless {@link #finish} completed: an abandoned rewrite leaves nothing. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            try {
                db.close();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
