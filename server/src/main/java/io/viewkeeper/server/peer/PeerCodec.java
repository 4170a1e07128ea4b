package io.viewkeeper.server.peer;

import io.viewkeeper.consensus.CheckpointRef;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of consensus {@link Message}s between replicas. Frames are versioned and checksummed by
 * {@link PeerFrames}; this class encodes a message body and decodes one defensively: every count and length is
 * checked against the bytes left, so a damaged or hostile frame is a {@link PeerProtocolException}, never an
 * allocation larger than the frame.
 */
public final class PeerCodec {
    private static final int ENTRY_BYTES_MIN = 8 * 4 + 4 + 4;
    private static final int SESSION_BYTES_MIN = 8 * 3 + 4;

    private PeerCodec() {
    }

    public static byte[] encode(Message message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, message);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void write(DataOutputStream out, Message message) throws IOException {
        switch (message) {
            case Message.Request m -> {
                out.writeByte(1);
                longs(out, m.view(), m.clientId(), m.requestNumber(), m.previousRequestNumber());
                bytes(out, m.body());
                out.writeInt(m.from());
            }
            case Message.Prepare m -> {
                out.writeByte(2);
                longs(out, m.view(), m.commitNumber(), m.parentChain());
                entries(out, m.entries());
                out.writeLong(m.releasableOp());
                out.writeInt(m.from());
            }
            case Message.PrepareOk m -> {
                out.writeByte(3);
                longs(out, m.view(), m.op());
                out.writeInt(m.from());
            }
            case Message.Commit m -> {
                out.writeByte(4);
                longs(out, m.view(), m.commitNumber(), m.readRound(), m.releasableOp());
                out.writeInt(m.from());
            }
            case Message.CommitOk m -> {
                out.writeByte(5);
                longs(out, m.view(), m.readRound());
                out.writeInt(m.from());
            }
            case Message.StartViewChange m -> {
                out.writeByte(6);
                longs(out, m.view(), m.commitNumber());
                out.writeInt(m.from());
            }
            case Message.DoViewChange m -> {
                out.writeByte(7);
                longs(out, m.view(), m.lastNormalView(), m.opNumber(), m.commitNumber(), m.firstOp());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.StartView m -> {
                out.writeByte(8);
                longs(out, m.view(), m.opNumber(), m.commitNumber(), m.firstOp(), m.parentChain());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.Recovery m -> {
                out.writeByte(9);
                out.writeLong(m.nonce());
                out.writeBoolean(m.pristine());
                out.writeInt(m.from());
            }
            case Message.RecoveryResponse m -> {
                out.writeByte(10);
                longs(out, m.view(), m.nonce());
                out.writeBoolean(m.fromPrimary());
                out.writeBoolean(m.pristine());
                longs(out, m.opNumber(), m.commitNumber());
                checkpoint(out, m.checkpoint());
                out.writeLong(m.parentChain());
                entries(out, m.entries());
                membership(out, m.membership());
                out.writeInt(m.from());
            }
            case Message.GetState m -> {
                out.writeByte(11);
                longs(out, m.view(), m.opNumber(), m.heldOp(), m.heldChain());
                out.writeInt(m.from());
            }
            case Message.NewState m -> {
                out.writeByte(12);
                longs(out, m.view(), m.opNumber(), m.commitNumber());
                checkpoint(out, m.checkpoint());
                out.writeLong(m.parentChain());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.ReadIndexRequest m -> {
                out.writeByte(13);
                longs(out, m.view(), m.batchId());
                out.writeInt(m.from());
            }
            case Message.ReadIndexResponse m -> {
                out.writeByte(14);
                longs(out, m.view(), m.batchId(), m.readIndex());
                out.writeInt(m.from());
            }
            case Message.CheckpointRequest m -> {
                out.writeByte(15);
                out.writeLong(m.op());
                ints(out, m.checksum(), m.offset(), m.length(), m.from());
            }
            case Message.CheckpointChunk m -> {
                out.writeByte(16);
                checkpoint(out, m.checkpoint());
                out.writeInt(m.offset());
                bytes(out, m.data());
                sessions(out, m.clients());
                out.writeInt(m.from());
            }
            case Message.RepairRequest m -> {
                out.writeByte(17);
                longs(out, m.firstOp(), m.lastOp(), m.chainAtLast());
                out.writeInt(m.from());
            }
            case Message.RepairResponse m -> {
                out.writeByte(18);
                longs(out, m.firstOp(), m.lastOp());
                out.writeByte(m.refusal() == null ? -1 : m.refusal().ordinal());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.TailRequest m -> {
                out.writeByte(19);
                longs(out, m.afterOp(), m.chainAtAfter(), m.throughOp(), m.round());
                out.writeInt(m.from());
            }
            case Message.TailResponse m -> {
                out.writeByte(20);
                longs(out, m.afterOp(), m.round(), m.currentView(), m.lastNormalView());
                out.writeBoolean(m.normalPrimary());
                out.writeLong(m.lastOp());
                out.writeByte(m.answer().ordinal());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.EpochRequest m -> {
                out.writeByte(21);
                longs(out, m.view(), m.commitNumber());
                out.writeBoolean(m.leaving());
                out.writeInt(m.from());
            }
            case Message.EpochState m -> {
                out.writeByte(22);
                out.writeLong(m.view());
                membership(out, m.membership());
                out.writeBoolean(m.started());
                out.writeLong(m.commitNumber());
                checkpoint(out, m.checkpoint());
                out.writeLong(m.parentChain());
                entries(out, m.entries());
                out.writeInt(m.from());
            }
            case Message.EpochNotice m -> {
                out.writeByte(23);
                out.writeLong(m.view());
                membership(out, m.membership());
                out.writeInt(m.from());
            }
        }
    }

    public static Message decode(byte[] body) throws PeerProtocolException {
        Reader in = new Reader(body);
        try {
            Message message = read(in);
            if (in.data.available() != 0) {
                throw new PeerProtocolException("trailing bytes after message");
            }
            return message;
        } catch (IOException e) {
            throw new PeerProtocolException("truncated message: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new PeerProtocolException("invalid message: " + e.getMessage());
        }
    }

    private static Message read(Reader in) throws IOException, PeerProtocolException {
        DataInputStream d = in.data;
        byte tag = d.readByte();
        return switch (tag) {
            case 1 -> new Message.Request(d.readLong(), d.readLong(), d.readLong(), d.readLong(), in.bytes(),
                    d.readInt());
            case 2 -> new Message.Prepare(d.readLong(), d.readLong(), d.readLong(), in.entries(), d.readLong(),
                    d.readInt());
            case 3 -> new Message.PrepareOk(d.readLong(), d.readLong(), d.readInt());
            case 4 -> new Message.Commit(d.readLong(), d.readLong(), d.readLong(), d.readLong(), d.readInt());
            case 5 -> new Message.CommitOk(d.readLong(), d.readLong(), d.readInt());
            case 6 -> new Message.StartViewChange(d.readLong(), d.readLong(), d.readInt());
            case 7 -> new Message.DoViewChange(d.readLong(), d.readLong(), d.readLong(), d.readLong(), d.readLong(),
                    in.entries(), d.readInt());
            case 8 -> new Message.StartView(d.readLong(), d.readLong(), d.readLong(), d.readLong(), d.readLong(),
                    in.entries(), d.readInt());
            case 9 -> new Message.Recovery(d.readLong(), in.bool(), d.readInt());
            case 10 -> new Message.RecoveryResponse(d.readLong(), d.readLong(), in.bool(), in.bool(),
                    d.readLong(), d.readLong(), in.checkpoint(), d.readLong(), in.entries(), in.membership(),
                    d.readInt());
            case 11 -> new Message.GetState(d.readLong(), d.readLong(), d.readLong(), d.readLong(), d.readInt());
            case 12 -> new Message.NewState(d.readLong(), d.readLong(), d.readLong(), in.checkpoint(), d.readLong(),
                    in.entries(), d.readInt());
            case 13 -> new Message.ReadIndexRequest(d.readLong(), d.readLong(), d.readInt());
            case 14 -> new Message.ReadIndexResponse(d.readLong(), d.readLong(), d.readLong(), d.readInt());
            case 15 -> new Message.CheckpointRequest(d.readLong(), d.readInt(), d.readInt(), d.readInt(), d.readInt());
            case 16 -> new Message.CheckpointChunk(in.requiredCheckpoint(), d.readInt(), in.bytes(), in.sessions(),
                    d.readInt());
            case 17 -> new Message.RepairRequest(d.readLong(), d.readLong(), d.readLong(), d.readInt());
            case 18 -> {
                long firstOp = d.readLong();
                long lastOp = d.readLong();
                Message.RepairRefusal refusal = in.refusal();
                yield new Message.RepairResponse(firstOp, lastOp, in.entries(), refusal, d.readInt());
            }
            case 19 -> new Message.TailRequest(d.readLong(), d.readLong(), d.readLong(), d.readLong(), d.readInt());
            case 20 -> {
                long afterOp = d.readLong();
                long round = d.readLong();
                long currentView = d.readLong();
                long lastNormalView = d.readLong();
                boolean normalPrimary = in.bool();
                long lastOp = d.readLong();
                Message.TailAnswer answer = in.tailAnswer();
                yield new Message.TailResponse(afterOp, round, currentView, lastNormalView, normalPrimary, lastOp,
                        answer, in.entries(), d.readInt());
            }
            case 21 -> new Message.EpochRequest(d.readLong(), d.readLong(), in.bool(), d.readInt());
            case 22 -> new Message.EpochState(d.readLong(), in.membership(), in.bool(), d.readLong(), in.checkpoint(),
                    d.readLong(), in.entries(), d.readInt());
            case 23 -> new Message.EpochNotice(d.readLong(), in.requiredMembership(), d.readInt());
            default -> throw new PeerProtocolException("unknown message tag " + tag);
        };
    }

    private static void longs(DataOutputStream out, long... values) throws IOException {
        for (long value : values) {
            out.writeLong(value);
        }
    }

    private static void ints(DataOutputStream out, int... values) throws IOException {
        for (int value : values) {
            out.writeInt(value);
        }
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static void entries(DataOutputStream out, List<LogEntry> entries) throws IOException {
        out.writeInt(entries.size());
        for (LogEntry e : entries) {
            longs(out, e.op(), e.view(), e.clientId(), e.requestNumber());
            out.writeInt(e.checksum());
            bytes(out, e.body());
        }
    }

    private static void checkpoint(DataOutputStream out, CheckpointRef checkpoint) throws IOException {
        out.writeBoolean(checkpoint != null);
        if (checkpoint == null) {
            return;
        }
        longs(out, checkpoint.op(), checkpoint.chain());
        ints(out, checkpoint.bytes(), checkpoint.checksum());
        membership(out, checkpoint.membership());
    }

    /** A group's members, or none (a checkpoint of a group that never changed them). */
    private static void membership(DataOutputStream out, Membership membership) throws IOException {
        out.writeBoolean(membership != null);
        if (membership != null) {
            bytes(out, membership.encode());
        }
    }

    private static void sessions(DataOutputStream out, List<ClientTable.Session> sessions) throws IOException {
        out.writeInt(sessions.size());
        for (ClientTable.Session s : sessions) {
            longs(out, s.clientId(), s.requestNumber(), s.op());
            bytes(out, s.result());
        }
    }

    /** Reads with every count and length checked against what remains. */
    private static final class Reader {
        final DataInputStream data;

        Reader(byte[] body) {
            data = new DataInputStream(new ByteArrayInputStream(body));
        }

        /** A boolean, written as 0 or 1: any other byte is a malformed message, not a true. */
        boolean bool() throws IOException, PeerProtocolException {
            byte b = data.readByte();
            if (b != 0 && b != 1) {
                throw new PeerProtocolException("a boolean field holds " + b);
            }
            return b == 1;
        }

        /** A repair refusal, written as its ordinal, or -1 for none: any other byte is a malformed message. */
        Message.RepairRefusal refusal() throws IOException, PeerProtocolException {
            return constant(Message.RepairRefusal.values(), true, "a repair refusal");
        }

        Message.TailAnswer tailAnswer() throws IOException, PeerProtocolException {
            return constant(Message.TailAnswer.values(), false, "a tail answer");
        }

        /** One byte naming a constant of {@code all} by its ordinal, or -1 for none where {@code noneAllowed}. */
        private <E extends Enum<E>> E constant(E[] all, boolean noneAllowed, String field)
                throws IOException, PeerProtocolException {
            byte b = data.readByte();
            if (b < (noneAllowed ? -1 : 0) || b >= all.length) {
                throw new PeerProtocolException(field + " field holds " + b);
            }
            return b == -1 ? null : all[b];
        }

        int count(int elementBytesMin) throws IOException, PeerProtocolException {
            int count = data.readInt();
            if (count < 0 || (long) count * elementBytesMin > data.available()) {
                throw new PeerProtocolException("bad count " + count);
            }
            return count;
        }

        byte[] bytes() throws IOException, PeerProtocolException {
            int length = count(1);
            byte[] value = new byte[length];
            data.readFully(value);
            return value;
        }

        List<LogEntry> entries() throws IOException, PeerProtocolException {
            int count = count(ENTRY_BYTES_MIN);
            List<LogEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long op = data.readLong();
                long view = data.readLong();
                long clientId = data.readLong();
                long requestNumber = data.readLong();
                int checksum = data.readInt();
                byte[] body = bytes();
                entries.add(new LogEntry(op, view, clientId, requestNumber, body, checksum));
            }
            return entries;
        }

        CheckpointRef checkpoint() throws IOException, PeerProtocolException {
            if (!bool()) {
                return null;
            }
            return new CheckpointRef(data.readLong(), data.readLong(), data.readInt(), data.readInt(), membership());
        }

        Membership membership() throws IOException, PeerProtocolException {
            if (!bool()) {
                return null;
            }
            byte[] encoded = bytes();
            if (encoded.length > Membership.ENCODED_BYTES_MAX) {
                throw new PeerProtocolException("a membership of " + encoded.length + " bytes");
            }
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(encoded);
            Membership membership = Membership.decode(buffer);
            if (buffer.hasRemaining()) {
                throw new PeerProtocolException("trailing bytes after a membership");
            }
            return membership;
        }

        Membership requiredMembership() throws IOException, PeerProtocolException {
            Membership membership = membership();
            if (membership == null) {
                throw new PeerProtocolException("an epoch notice without members");
            }
            return membership;
        }

        CheckpointRef requiredCheckpoint() throws IOException, PeerProtocolException {
            CheckpointRef checkpoint = checkpoint();
            if (checkpoint == null) {
                throw new PeerProtocolException("checkpoint chunk without its checkpoint");
            }
            return checkpoint;
        }

        List<ClientTable.Session> sessions() throws IOException, PeerProtocolException {
            int count = count(SESSION_BYTES_MIN);
            List<ClientTable.Session> sessions = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                sessions.add(new ClientTable.Session(data.readLong(), data.readLong(), data.readLong(), bytes()));
            }
            return sessions;
        }
    }
}
