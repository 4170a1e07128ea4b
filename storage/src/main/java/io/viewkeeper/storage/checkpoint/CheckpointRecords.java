package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.ZnodeImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The values a checkpoint stores, each ending in a CRC32C that also covers its key, so a flipped byte in a value
 * or a record filed under the wrong key is caught on read. Decoding checks every length against what is left.
 */
final class CheckpointRecords {
    static final int FORMAT_VERSION = 1;
    /** Largest value the decoder accepts for any one length field: ZooKeeper's data limit is far below it. */
    static final int FIELD_BYTES_MAX = 64 << 20;
    private static final int CRC_BYTES = 4;
    /** The six longs and four ints that end every znode record before its CRC. */
    private static final int NODE_FIXED_BYTES = 6 * Long.BYTES + 4 * Integer.BYTES;

    private CheckpointRecords() {
    }

    /** What a checkpoint is at: the metadata record, written last in the same transaction as the records. */
    record Meta(long op, long lastZxid, long chain, int nodeCount, int sessionCount, long digest, byte[] clients) {
    }

    /** A session (absent when only its ephemerals are left) and its ephemeral paths in creation order. */
    record Owner(Session session, List<String> ephemerals) {
    }

    /**
     * A znode's record: the same bytes as every other record's {@code seal} would give, written straight into an
     * array of the exact size, because a full save or an import encodes every znode (a million and more).
     */
    static byte[] encodeNode(ZnodeImage node) {
        byte[] key = keyBytes(node.path());
        byte[] data = node.data();
        List<Acl> acl = node.acl();
        byte[][] aclStrings = new byte[acl.size() * 2][];
        int size = Integer.BYTES + (data == null ? 0 : data.length) + Integer.BYTES + NODE_FIXED_BYTES + CRC_BYTES;
        for (int i = 0; i < acl.size(); i++) {
            aclStrings[2 * i] = acl.get(i).scheme().getBytes(StandardCharsets.UTF_8);
            aclStrings[2 * i + 1] = acl.get(i).id().getBytes(StandardCharsets.UTF_8);
            size += 3 * Integer.BYTES + aclStrings[2 * i].length + aclStrings[2 * i + 1].length;
        }
        byte[] record = new byte[size];
        ByteBuffer out = ByteBuffer.wrap(record);
        out.putInt(data == null ? -1 : data.length);
        if (data != null) {
            out.put(data);
        }
        out.putInt(acl.size());
        for (int i = 0; i < acl.size(); i++) {
            out.putInt(acl.get(i).perms());
            out.putInt(aclStrings[2 * i].length).put(aclStrings[2 * i]);
            out.putInt(aclStrings[2 * i + 1].length).put(aclStrings[2 * i + 1]);
        }
        out.putLong(node.czxid()).putLong(node.mzxid()).putLong(node.ctime()).putLong(node.mtime())
                .putLong(node.owner()).putLong(node.pzxid());
        out.putInt(node.version()).putInt(node.childCreations()).putInt(node.aversion()).putInt(node.numChildren());
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(record, 0, size - CRC_BYTES);
        out.putInt((int) crc.getValue());
        if (out.hasRemaining()) {
            throw new IllegalStateException("znode record of " + node.path() + " sized " + size + " but "
                    + out.remaining() + " bytes left unwritten");
        }
        return record;
    }

    /**
     * A znode's record read back, every length checked against what is left. Read from a buffer rather than a
     * stream: a load decodes every znode (a million and more), and this is most of its time after the store's own.
     */
    static ZnodeImage decodeNode(String path, byte[] value) throws CorruptCheckpointException {
        return decodeNode(path, value, new AclReuse());
    }

    /**
     * The ACL list a reader decoded last, with its bytes: the znodes of a checkpoint share a few ACLs, so a reader
     * of many takes the same list again instead of decoding the same strings once per znode. One per reader.
     */
    static final class AclReuse {
        private byte[] bytes = new byte[0];
        private List<Acl> acl = List.of();
    }

    /** As {@link #decodeNode(String, byte[])}, taking the ACL list from {@code reuse} when its bytes are the same. */
    static ZnodeImage decodeNode(String path, byte[] value, AclReuse reuse) throws CorruptCheckpointException {
        String what = "znode " + path;
        ByteBuffer in = open(keyBytes(path), value, what);
        ZnodeImage node;
        try {
            byte[] data = bytes(in);
            List<Acl> acl = acl(value, in, reuse);
            long czxid = in.getLong();
            long mzxid = in.getLong();
            long ctime = in.getLong();
            long mtime = in.getLong();
            long owner = in.getLong();
            long pzxid = in.getLong();
            node = new ZnodeImage(path, data, acl, czxid, mzxid, ctime, mtime, in.getInt(), in.getInt(),
                    in.getInt(), owner, pzxid, in.getInt());
        } catch (BufferUnderflowException | IllegalArgumentException | CorruptCheckpointException e) {
            throw undecodable(what, e);
        }
        expectEnd(in, what);
        return node;
    }

    /** A record whose fields do not read, named in the message. */
    private static CorruptCheckpointException undecodable(String what, Exception e) {
        String reason = e instanceof CorruptCheckpointException ? e.getMessage() : e.toString();
        return new CorruptCheckpointException(what + " record does not decode: " + reason, e);
    }

    private static List<Acl> acl(byte[] value, ByteBuffer in, AclReuse reuse) throws CorruptCheckpointException {
        int start = in.position();
        int end = start + reuse.bytes.length;
        if (reuse.bytes.length > 0 && end <= in.limit() && Arrays.equals(value, start, end, reuse.bytes, 0, reuse.bytes.length)) {
            in.position(end);
            return reuse.acl;
        }
        int aclCount = length(in);
        List<Acl> acl = new ArrayList<>(Math.min(aclCount, 64));
        for (int i = 0; i < aclCount; i++) {
            acl.add(new Acl(in.getInt(), string(in), string(in)));
        }
        reuse.bytes = Arrays.copyOfRange(value, start, in.position());
        reuse.acl = List.copyOf(acl);
        return reuse.acl;
    }

    private static byte[] bytes(ByteBuffer in) throws CorruptCheckpointException {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > FIELD_BYTES_MAX || length > in.remaining()) {
            throw new CorruptCheckpointException("bad length " + length + " with " + in.remaining() + " bytes left");
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static int length(ByteBuffer in) throws CorruptCheckpointException {
        int count = in.getInt();
        if (count < 0 || count > in.remaining()) {
            throw new CorruptCheckpointException("bad count " + count + " with " + in.remaining() + " bytes left");
        }
        return count;
    }

    private static String string(ByteBuffer in) throws CorruptCheckpointException {
        byte[] value = bytes(in);
        if (value == null) {
            throw new CorruptCheckpointException("null where a string belongs");
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    static byte[] encodeOwner(long owner, Session session, Collection<String> ephemerals) {
        return seal(keyBytes(owner), out -> {
            out.writeBoolean(session != null);
            if (session != null) {
                out.writeInt(session.timeoutMs());
                bytes(out, session.password());
            }
            out.writeInt(ephemerals.size());
            for (String path : ephemerals) {
                string(out, path);
            }
        });
    }

    static Owner decodeOwner(long owner, byte[] value) throws CorruptCheckpointException {
        String what = "session 0x" + Long.toHexString(owner);
        ByteBuffer in = open(keyBytes(owner), value, what);
        Owner decoded;
        try {
            Session session = in.get() != 0 ? new Session(owner, in.getInt(), bytes(in)) : null;
            int count = length(in);
            List<String> paths = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                paths.add(string(in));
            }
            decoded = new Owner(session, paths);
        } catch (BufferUnderflowException | IllegalArgumentException | CorruptCheckpointException e) {
            throw undecodable(what, e);
        }
        expectEnd(in, what);
        return decoded;
    }

    static byte[] encodeMeta(Meta meta) {
        return encodeMeta(meta, FORMAT_VERSION);
    }

    static byte[] encodeMeta(Meta meta, int formatVersion) {
        return seal(keyBytes(CheckpointStore.META_KEY), out -> {
            out.writeInt(formatVersion);
            for (long v : new long[] {meta.op(), meta.lastZxid(), meta.chain()}) {
                out.writeLong(v);
            }
            out.writeInt(meta.nodeCount());
            out.writeInt(meta.sessionCount());
            out.writeLong(meta.digest());
            bytes(out, meta.clients());
        });
    }

    /** A metadata record intact but of another format version: not ours to read or overwrite. */
    static final class ForeignFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        ForeignFormatException(String message) {
            super(message);
        }
    }

    static Meta decodeMeta(byte[] value) throws CorruptCheckpointException, ForeignFormatException {
        ByteBuffer in = open(keyBytes(CheckpointStore.META_KEY), value, "metadata");
        Meta meta;
        try {
            int version = in.getInt();
            if (version != FORMAT_VERSION) {
                throw new ForeignFormatException("checkpoint format version " + version + ", this build reads "
                        + FORMAT_VERSION + " only");
            }
            meta = new Meta(in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getInt(), in.getLong(),
                    bytes(in));
        } catch (BufferUnderflowException | CorruptCheckpointException e) {
            throw undecodable("metadata", e);
        }
        expectEnd(in, "metadata");
        if (meta.clients() == null || meta.nodeCount() < 1 || meta.sessionCount() < 0) {
            throw new CorruptCheckpointException("metadata record holds impossible values: " + meta.nodeCount()
                    + " nodes, " + meta.sessionCount() + " sessions");
        }
        return meta;
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] seal(byte[] key, Body body) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            body.write(out);
            CRC32C crc = new CRC32C();
            crc.update(key);
            byte[] written = buffer.toByteArray();
            crc.update(written);
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    /** Checks the CRC over key and value, and returns a reader of the value without it. */
    private static ByteBuffer open(byte[] key, byte[] value, String what) throws CorruptCheckpointException {
        if (value == null || value.length < CRC_BYTES) {
            throw new CorruptCheckpointException(what + " record is truncated");
        }
        if (!intact(key, value)) {
            throw new CorruptCheckpointException(what + " record fails its checksum");
        }
        return ByteBuffer.wrap(value, 0, value.length - CRC_BYTES);
    }

    /** Whether the value ends in the CRC of key and value. */
    static boolean intact(byte[] key, byte[] value) {
        if (value == null || value.length < CRC_BYTES) {
            return false;
        }
        int bodyLength = value.length - CRC_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(value, 0, bodyLength);
        int stored = ((value[bodyLength] & 0xFF) << 24) | ((value[bodyLength + 1] & 0xFF) << 16)
                | ((value[bodyLength + 2] & 0xFF) << 8) | (value[bodyLength + 3] & 0xFF);
        return stored == (int) crc.getValue();
    }

    private static void expectEnd(ByteBuffer in, String what) throws CorruptCheckpointException {
        if (in.hasRemaining()) {
            throw new CorruptCheckpointException(what + " record has " + in.remaining() + " trailing bytes");
        }
    }

    static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] keyBytes(long key) {
        byte[] bytes = new byte[Long.BYTES];
        for (int i = 0; i < Long.BYTES; i++) {
            bytes[i] = (byte) (key >>> (56 - 8 * i));
        }
        return bytes;
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        bytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }
}
