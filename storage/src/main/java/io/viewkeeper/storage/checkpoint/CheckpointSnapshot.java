package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * A whole checkpoint as one replica sends it to another (state transfer, recovery): the stored records themselves,
 * in the store's key order, cut into blocks at points their keys choose, behind a manifest of each block's length
 * and hash. A receiver that holds the records of an older or a damaged checkpoint cuts them by the same rule and
 * finds by hash every block it holds already; only the blocks that changed since, or that it cannot read, travel
 * (repair, not refetch). Cut points are chosen by keys, so a changed record changes its own block and, when it
 * moves a cut made by size or count, at most the blocks up to the next cut made by a key; a record that goes or is
 * unreadable joins its block to the next when its key made a cut.
 *
 * <p>Layout: {@code int} format ({@value #FORMAT}), {@code long} last zxid, {@code int} node count, {@code int}
 * session count, {@code long} tree digest, {@code int} block count, per block its {@code int} length and a
 * {@value #HASH_BYTES}-byte hash (the first bytes of its SHA-256); then the blocks. A block holds the records of one
 * kind, nodes before owners (sessions and their ephemerals), each: a kind byte, the key (an owner's {@code long}; a
 * node's path as {@code int} length and UTF-8), the stored value as {@code int} length and bytes (which ends in a
 * CRC32C over key and value). A block ends after a record whose key's CRC32C has its low
 * {@value #CUT_BITS} bits zero, once it holds {@value #BLOCK_RECORDS_MAX} records or {@value #BLOCK_BYTES_MAX}
 * bytes or more, and where the kind changes.
 *
 * <p>Reading checks every block's hash, every record's CRC, the tree it rebuilds against the counts and digest
 * above, and nothing left over. The snapshots of {@link TreeSnapshot} (format 1) are read too.
 */
public final class CheckpointSnapshot {
    static final int FORMAT = 2;
    static final int HASH_BYTES = 16;
    static final int CUT_BITS = 5;
    /** A block ends after this many records whatever their keys: four times the mean of the cut by keys. */
    static final int BLOCK_RECORDS_MAX = 4 << CUT_BITS;
    static final int BLOCK_BYTES_MAX = 256 << 10;
    /** Format, last zxid, node count, session count, digest, block count. */
    static final int HEADER_BYTES = 4 + 8 + 4 + 4 + 8 + 4;
    static final int MANIFEST_ENTRY_BYTES = 4 + HASH_BYTES;
    private static final byte OWNER = 'o';
    private static final byte NODE = 'n';
    private static final int CUT_MASK = (1 << CUT_BITS) - 1;

    private CheckpointSnapshot() {
    }

    /** A block's hash. */
    public record BlockHash(long high, long low) {
        static BlockHash of(byte[] bytes, int offset, int length) {
            MessageDigest sha = sha256();
            sha.update(bytes, offset, length);
            ByteBuffer digest = ByteBuffer.wrap(sha.digest());
            return new BlockHash(digest.getLong(), digest.getLong());
        }
    }

    /** Bytes of a snapshot at {@code offset} that a receiver holds already. */
    public record Held(int offset, byte[] bytes) {
    }

    /** The blocks a receiver holds, by hash, as {@link Cutter} cut them from its records. */
    public interface Basis {
        /** The bytes of each of {@code wanted} that it holds; the others are left out. */
        Map<BlockHash, byte[]> blocks(Set<BlockHash> wanted);
    }

    /** A receiver with nothing to offer. */
    public static final Basis NO_BASIS = wanted -> Map.of();

    /**
     * Cuts a sequence of records, nodes before owners, each kind in the store's key order, into blocks, and hands each
     * finished block to the sink.
     */
    static final class Cutter {
        interface Sink {
            void block(byte[] block, BlockHash hash);
        }

        private final Sink sink;
        private final ByteArrayOutputStream block = new ByteArrayOutputStream(BLOCK_BYTES_MAX + 1024);
        private byte kind;
        private int records;

        Cutter(Sink sink) {
            this.sink = sink;
        }

        void owner(long id, byte[] value) {
            byte[] key = CheckpointRecords.keyBytes(id);
            start(OWNER);
            block.write(OWNER);
            block.writeBytes(key);
            value(value);
            endRecord(key);
        }

        void node(String path, byte[] value) {
            byte[] key = CheckpointRecords.keyBytes(path);
            start(NODE);
            block.write(NODE);
            writeInt(key.length);
            block.writeBytes(key);
            value(value);
            endRecord(key);
        }

        void finish() {
            flush();
        }

        private void start(byte recordKind) {
            if (kind != recordKind) {
                flush();
                kind = recordKind;
            }
        }

        private void value(byte[] value) {
            writeInt(value.length);
            block.writeBytes(value);
        }

        private void endRecord(byte[] key) {
            CRC32C crc = new CRC32C();
            crc.update(key);
            records++;
            if ((crc.getValue() & CUT_MASK) == 0 || records >= BLOCK_RECORDS_MAX || block.size() >= BLOCK_BYTES_MAX) {
                flush();
            }
        }

        private void flush() {
            if (block.size() > 0) {
                byte[] bytes = block.toByteArray();
                block.reset();
                records = 0;
                sink.block(bytes, BlockHash.of(bytes, 0, bytes.length));
            }
        }

        private void writeInt(int value) {
            block.write(value >>> 24);
            block.write(value >>> 16);
            block.write(value >>> 8);
            block.write(value);
        }
    }

    /** Writes a snapshot of records fed in order: {@link #node}s, then {@link #owner}s, then {@link #finish}. */
    static final class Writer {
        private final List<byte[]> blocks = new ArrayList<>();
        private final List<BlockHash> hashes = new ArrayList<>();
        private final Cutter cutter = new Cutter((bytes, hash) -> {
            blocks.add(bytes);
            hashes.add(hash);
        });
        private long blockBytes;

        void owner(long id, byte[] value) {
            cutter.owner(id, value);
        }

        void node(String path, byte[] value) {
            cutter.node(path, value);
        }

        byte[] finish(long lastZxid, int nodeCount, int sessionCount, long digest) {
            cutter.finish();
            for (byte[] block : blocks) {
                blockBytes += block.length;
            }
            long total = HEADER_BYTES + (long) MANIFEST_ENTRY_BYTES * blocks.size() + blockBytes;
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("a checkpoint of " + total + " bytes does not fit one transfer");
            }
            ByteBuffer out = ByteBuffer.allocate((int) total);
            out.putInt(FORMAT).putLong(lastZxid).putInt(nodeCount).putInt(sessionCount).putLong(digest)
                    .putInt(blocks.size());
            for (int i = 0; i < blocks.size(); i++) {
                out.putInt(blocks.get(i).length).putLong(hashes.get(i).high()).putLong(hashes.get(i).low());
            }
            for (byte[] block : blocks) {
                out.put(block);
            }
            return out.array();
        }
    }

    /** The manifest of a snapshot: where each block starts and its hash. */
    private record Manifest(long lastZxid, int nodeCount, int sessionCount, long digest, int[] offsets,
                            int[] lengths, BlockHash[] hashes, int end) {
    }

    /**
     * The manifest read from the first {@code length} bytes of a snapshot of {@code total} bytes; null when those do
     * not hold it whole yet. Throws when it cannot be one of a snapshot of that length.
     */
    private static Manifest manifest(byte[] bytes, int length, int total) throws CorruptCheckpointException {
        if (length < HEADER_BYTES) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        int format = in.getInt();
        if (format != FORMAT) {
            throw new CorruptCheckpointException("checkpoint snapshot of format " + format + ", not " + FORMAT);
        }
        long lastZxid = in.getLong();
        int nodeCount = in.getInt();
        int sessionCount = in.getInt();
        long digest = in.getLong();
        int count = in.getInt();
        if (count < 0 || count > (total - HEADER_BYTES) / MANIFEST_ENTRY_BYTES) {
            throw new CorruptCheckpointException("checkpoint snapshot of " + total + " bytes lists " + count
                    + " blocks");
        }
        if (length < HEADER_BYTES + count * MANIFEST_ENTRY_BYTES) {
            return null;
        }
        int[] offsets = new int[count];
        int[] lengths = new int[count];
        BlockHash[] hashes = new BlockHash[count];
        long offset = HEADER_BYTES + (long) count * MANIFEST_ENTRY_BYTES;
        for (int i = 0; i < count; i++) {
            lengths[i] = in.getInt();
            hashes[i] = new BlockHash(in.getLong(), in.getLong());
            if (lengths[i] < 1 || offset + lengths[i] > total) {
                throw new CorruptCheckpointException("checkpoint snapshot block " + i + " of " + lengths[i]
                        + " bytes at " + offset + " overruns its " + total + " bytes");
            }
            offsets[i] = (int) offset;
            offset += lengths[i];
        }
        if (offset != total) {
            throw new CorruptCheckpointException("checkpoint snapshot blocks end at " + offset + " of " + total
                    + " bytes");
        }
        return new Manifest(lastZxid, nodeCount, sessionCount, digest, offsets, lengths, hashes, (int) offset);
    }

    /**
     * The blocks of the snapshot of {@code total} bytes, whose first {@code length} bytes are in {@code prefix}, that
     * {@code basis} holds already; null while the prefix does not hold the whole manifest. Throws for a snapshot of
     * another format or a manifest that cannot be one of that length: the receiver then holds nothing of it.
     */
    public static List<Held> held(byte[] prefix, int length, int total, Basis basis)
            throws CorruptCheckpointException {
        Manifest manifest = manifest(prefix, length, total);
        if (manifest == null) {
            return null;
        }
        Set<BlockHash> wanted = new HashSet<>();
        Collections.addAll(wanted, manifest.hashes());
        Map<BlockHash, byte[]> found = basis.blocks(wanted);
        List<Held> held = new ArrayList<>();
        for (int i = 0; i < manifest.hashes().length; i++) {
            byte[] block = found.get(manifest.hashes()[i]);
            if (block != null && block.length == manifest.lengths()[i]) {
                held.add(new Held(manifest.offsets()[i], block));
            }
        }
        return held;
    }

    /** Decodes the whole checkpoint at {@code op} received from a peer, of this format or of {@link TreeSnapshot}'s. */
    public static TreeSnapshot.Image read(long op, byte[] bytes) throws CorruptCheckpointException {
        if (bytes.length >= 4 && ByteBuffer.wrap(bytes).getInt() != FORMAT) {
            try {
                return TreeSnapshot.read(bytes);
            } catch (OperationCodec.MalformedOperationException e) {
                throw new CorruptCheckpointException("checkpoint snapshot does not decode: " + e.getMessage(), e);
            }
        }
        Manifest manifest = manifest(bytes, bytes.length, bytes.length);
        if (manifest == null) {
            throw new CorruptCheckpointException("checkpoint snapshot of " + bytes.length + " bytes is cut short");
        }
        RecordRebuild rebuild = new RecordRebuild();
        for (int i = 0; i < manifest.offsets().length; i++) {
            int offset = manifest.offsets()[i];
            int length = manifest.lengths()[i];
            if (!BlockHash.of(bytes, offset, length).equals(manifest.hashes()[i])) {
                throw new CorruptCheckpointException("checkpoint snapshot block " + i + " fails its hash");
            }
            readBlock(ByteBuffer.wrap(bytes, offset, length), rebuild);
        }
        return rebuild.build(op, manifest.lastZxid(), manifest.nodeCount(), manifest.sessionCount(),
                manifest.digest());
    }

    private static void readBlock(ByteBuffer in, RecordRebuild rebuild) throws CorruptCheckpointException {
        try {
            while (in.hasRemaining()) {
                byte kind = in.get();
                if (kind == OWNER) {
                    long id = in.getLong();
                    rebuild.owner(id, bytes(in));
                } else if (kind == NODE) {
                    String path = new String(bytes(in), StandardCharsets.UTF_8);
                    rebuild.node(path, bytes(in));
                } else {
                    throw new CorruptCheckpointException("checkpoint snapshot record of kind " + kind);
                }
            }
        } catch (BufferUnderflowException e) {
            throw new CorruptCheckpointException("checkpoint snapshot record cut short", e);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // a record with valid checksums but impossible fields (a peer's bug, or one crafted)
            throw new CorruptCheckpointException("checkpoint snapshot record does not decode: " + e, e);
        }
    }

    private static byte[] bytes(ByteBuffer in) throws CorruptCheckpointException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new CorruptCheckpointException("checkpoint snapshot field of " + length + " bytes with "
                    + in.remaining() + " left");
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    /** How many blocks the snapshot's manifest lists. */
    static int blockCount(byte[] snapshot) {
        return ByteBuffer.wrap(snapshot).getInt(HEADER_BYTES - 4);
    }

    /** A basis of the blocks in {@code blocks}, which it keeps (not to be changed after). */
    static Basis basisOf(Map<BlockHash, byte[]> blocks) {
        return wanted -> {
            Map<BlockHash, byte[]> found = new HashMap<>();
            for (BlockHash hash : wanted) {
                byte[] block = blocks.get(hash);
                if (block != null) {
                    found.put(hash, block);
                }
            }
            return found;
        };
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
