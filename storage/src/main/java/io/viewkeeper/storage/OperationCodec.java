package io.viewkeeper.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link Txn} in the replicated log. Versioned by its first byte; decoding checks every
 * length against what is left, so a damaged entry is reported as {@link MalformedOperationException} and never
 * allocates more than its own size.
 */
public final class OperationCodec {
    private static final byte FORMAT_VERSION = 1;
    private static final int NESTING_MAX = 1;

    private OperationCodec() {
    }

    /** Raised for bytes that are not a valid encoded operation. */
    public static final class MalformedOperationException extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedOperationException(String message) {
            super(message);
        }
    }

    public static byte[] encode(Txn txn) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeLong(txn.sessionId());
            out.writeInt(txn.cxid());
            out.writeLong(txn.timeMs());
            out.writeInt(txn.identities().size());
            for (Identity identity : txn.identities()) {
                writeString(out, identity.scheme());
                writeString(out, identity.id());
            }
            writeOperation(out, txn.op());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    public static Txn decode(byte[] encoded) throws MalformedOperationException {
        try {
            Reader in = new Reader(encoded);
            byte version = in.data.readByte();
            if (version != FORMAT_VERSION) {
                throw new MalformedOperationException("unknown operation format " + version);
            }
            long sessionId = in.data.readLong();
            int cxid = in.data.readInt();
            long time = in.data.readLong();
            int identityCount = in.count(8);
            List<Identity> identities = new ArrayList<>(identityCount);
            for (int i = 0; i < identityCount; i++) {
                identities.add(new Identity(in.string(), in.string()));
            }
            Operation op = readOperation(in, 0);
            if (in.data.available() != 0) {
                throw new MalformedOperationException("trailing bytes after operation");
            }
            return new Txn(sessionId, cxid, time, identities, op);
        } catch (IOException e) {
            throw new MalformedOperationException("truncated operation: " + e.getMessage());
        }
    }

    private static void writeOperation(DataOutputStream out, Operation op) throws IOException {
        switch (op) {
            case Operation.Create c -> {
                out.writeByte(1);
                out.writeInt(c.opcode());
                writeString(out, c.path());
                writeBytes(out, c.data());
                writeAcl(out, c.acl());
                out.writeInt(c.flags());
                out.writeLong(c.ttl());
            }
            case Operation.Delete d -> {
                out.writeByte(2);
                writeString(out, d.path());
                out.writeInt(d.version());
            }
            case Operation.SetData s -> {
                out.writeByte(3);
                writeString(out, s.path());
                writeBytes(out, s.data());
                out.writeInt(s.version());
            }
            case Operation.SetAcl s -> {
                out.writeByte(4);
                writeString(out, s.path());
                writeAcl(out, s.acl());
                out.writeInt(s.version());
            }
            case Operation.Check c -> {
                out.writeByte(5);
                writeString(out, c.path());
                out.writeInt(c.version());
            }
            case Operation.Multi m -> {
                out.writeByte(6);
                out.writeInt(m.ops().size());
                for (Operation inner : m.ops()) {
                    writeOperation(out, inner);
                }
            }
            case Operation.CreateSession s -> {
                out.writeByte(7);
                out.writeLong(s.sessionId());
                out.writeInt(s.timeoutMs());
                writeBytes(out, s.password());
            }
            case Operation.CloseSession s -> {
                out.writeByte(8);
                out.writeLong(s.sessionId());
            }
            case Operation.DeleteContainer d -> {
                out.writeByte(9);
                writeString(out, d.path());
            }
            case Operation.Failed f -> {
                out.writeByte(10);
                out.writeInt(f.errorCode());
            }
            case Operation.SetConfig c -> {
                out.writeByte(15);
                writeBytes(out, c.data());
            }
            case Operation.Reconfig c -> {
                out.writeByte(16);
                writeString(out, c.joiningServers());
                writeString(out, c.leavingServers());
                writeString(out, c.newMembers());
                out.writeLong(c.curConfigId());
            }
            case Operation.RestoreState r -> {
                out.writeByte(switch (r.mode()) {
                    case NOT_AHEAD -> 11;
                    case RAISE -> 12;
                    case INTO_EMPTY -> 13;
                });
                writeBytes(out, r.state());
            }
            case Operation.RestorePart r -> {
                out.writeByte(14);
                out.writeLong(r.restoreId());
                out.writeInt(r.index());
                out.writeBoolean(r.last());
                out.writeByte(switch (r.mode()) { // fixed codes: a log entry keeps its meaning
                    case NOT_AHEAD -> 0;
                    case RAISE -> 1;
                    case INTO_EMPTY -> 2;
                });
                writeBytes(out, r.bytes());
            }
        }
    }

    private static Operation readOperation(Reader in, int depth) throws IOException, MalformedOperationException {
        byte tag = in.data.readByte();
        return switch (tag) {
            case 1 -> new Operation.Create(in.data.readInt(), in.string(), in.bytes(), in.acl(), in.data.readInt(),
                    in.data.readLong());
            case 2 -> new Operation.Delete(in.string(), in.data.readInt());
            case 3 -> new Operation.SetData(in.string(), in.bytes(), in.data.readInt());
            case 4 -> new Operation.SetAcl(in.string(), in.acl(), in.data.readInt());
            case 5 -> new Operation.Check(in.string(), in.data.readInt());
            case 6 -> readMulti(in, depth);
            case 7 -> new Operation.CreateSession(in.data.readLong(), in.data.readInt(), in.bytes());
            case 8 -> new Operation.CloseSession(in.data.readLong());
            case 9 -> new Operation.DeleteContainer(in.string());
            case 10 -> new Operation.Failed(in.data.readInt());
            case 11 -> new Operation.RestoreState(in.bytes(), Operation.RestoreState.Mode.NOT_AHEAD);
            case 12 -> new Operation.RestoreState(in.bytes(), Operation.RestoreState.Mode.RAISE);
            case 13 -> new Operation.RestoreState(in.bytes(), Operation.RestoreState.Mode.INTO_EMPTY);
            case 14 -> readRestorePart(in);
            case 15 -> {
                byte[] config = in.bytes();
                if (config == null || config.length > Operation.CONFIG_BYTES_MAX) {
                    throw new MalformedOperationException("a configuration of " + (config == null ? "no"
                            : config.length) + " bytes");
                }
                yield new Operation.SetConfig(config);
            }
            case 16 -> new Operation.Reconfig(in.string(), in.string(), in.string(), in.data.readLong());
            default -> throw new MalformedOperationException("unknown operation tag " + tag);
        };
    }

    private static Operation readRestorePart(Reader in) throws IOException, MalformedOperationException {
        long restoreId = in.data.readLong();
        int index = in.data.readInt();
        boolean last = in.data.readBoolean();
        int mode = in.data.readByte();
        byte[] bytes = in.bytes();
        Operation.RestoreState.Mode decoded = switch (mode) {
            case 0 -> Operation.RestoreState.Mode.NOT_AHEAD;
            case 1 -> Operation.RestoreState.Mode.RAISE;
            case 2 -> Operation.RestoreState.Mode.INTO_EMPTY;
            default -> null;
        };
        if (index < 0 || decoded == null || bytes == null
                || bytes.length > Operation.RestorePart.PART_BYTES_MAX) {
            throw new MalformedOperationException("restore part " + index + " with mode " + mode + " and "
                    + (bytes == null ? "no" : bytes.length) + " bytes");
        }
        return new Operation.RestorePart(restoreId, index, last, decoded, bytes);
    }

    private static Operation readMulti(Reader in, int depth) throws IOException, MalformedOperationException {
        if (depth >= NESTING_MAX) {
            throw new MalformedOperationException("multi nested in multi");
        }
        int count = in.count(5);
        List<Operation> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ops.add(readOperation(in, depth + 1));
        }
        return new Operation.Multi(ops);
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        writeBytes(out, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    private static void writeAcl(DataOutputStream out, List<Acl> acl) throws IOException {
        if (acl == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(acl.size());
        for (Acl entry : acl) {
            out.writeInt(entry.perms());
            writeString(out, entry.scheme());
            writeString(out, entry.id());
        }
    }

    /** A reader that refuses lengths and counts larger than the bytes that remain. */
    private static final class Reader {
        final DataInputStream data;

        Reader(byte[] encoded) {
            this.data = new DataInputStream(new ByteArrayInputStream(encoded));
        }

        int count(int minimumElementBytes) throws IOException, MalformedOperationException {
            int count = data.readInt();
            if (count < 0 || (long) count * minimumElementBytes > data.available()) {
                throw new MalformedOperationException("bad element count " + count);
            }
            return count;
        }

        byte[] bytes() throws IOException, MalformedOperationException {
            int length = data.readInt();
            if (length == -1) {
                return null;
            }
            if (length < 0 || length > data.available()) {
                throw new MalformedOperationException("bad length " + length);
            }
            byte[] value = new byte[length];
            data.readFully(value);
            return value;
        }

        String string() throws IOException, MalformedOperationException {
            byte[] value = bytes();
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        List<Acl> acl() throws IOException, MalformedOperationException {
            int length = data.readInt();
            if (length == -1) {
                return null;
            }
            if (length < 0 || (long) length * 12 > data.available()) {
                throw new MalformedOperationException("bad ACL count " + length);
            }
            List<Acl> acl = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                acl.add(new Acl(data.readInt(), string(), string()));
            }
            return acl;
        }
    }
}
