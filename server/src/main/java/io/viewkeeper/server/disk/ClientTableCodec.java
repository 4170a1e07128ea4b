package io.viewkeeper.server.disk;

import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.Membership;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The consensus part of a checkpoint as the checkpoint store keeps it: the client table (a count, then client id,
 * request, op, result per row) and, once the group changed its members, the members after the checkpoint's op (a
 * mark, a length and {@link Membership#encode}); bytes without the mark are a group that never changed them.
 */
final class ClientTableCodec {
    static final int RESULT_BYTES_MAX = 16 * 1024 * 1024;
    /** Follows the rows when members are recorded: "MEMB". */
    private static final int MEMBERS_MARK = 0x4D454D42;

    /** What {@link #decodeState} reads: the client table and the members (null when none were recorded). */
    record State(List<ClientTable.Session> sessions, Membership membership) {
    }

    private ClientTableCodec() {
    }

    static byte[] encode(List<ClientTable.Session> sessions) {
        return encode(sessions, null);
    }

    static byte[] encode(List<ClientTable.Session> sessions, Membership membership) {
        byte[] members = membership == null ? null : membership.encode();
        long size = 4 + (members == null ? 0 : 8 + members.length);
        for (ClientTable.Session s : sessions) {
            size += 8 * 3 + 4 + s.result().length;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(size));
        out.putInt(sessions.size());
        for (ClientTable.Session s : sessions) {
            out.putLong(s.clientId()).putLong(s.requestNumber()).putLong(s.op()).putInt(s.result().length)
                    .put(s.result());
        }
        if (members != null) {
            out.putInt(MEMBERS_MARK).putInt(members.length).put(members);
        }
        return out.array();
    }

    /** The client table of {@link #encode}; bad bytes throw IllegalArgumentException naming the problem. */
    static List<ClientTable.Session> decode(byte[] bytes) {
        return decodeState(bytes).sessions();
    }

    /** Decodes what {@link #encode} wrote; bad bytes throw IllegalArgumentException naming the problem. */
    static State decodeState(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int count = in.getInt();
            if (count < 0 || count > bytes.length / 28) {
                throw new IllegalArgumentException("client table of " + count + " rows in " + bytes.length + " bytes");
            }
            List<ClientTable.Session> sessions = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long clientId = in.getLong();
                long requestNumber = in.getLong();
                long op = in.getLong();
                int length = in.getInt();
                if (length < 0 || length > RESULT_BYTES_MAX || length > in.remaining()) {
                    throw new IllegalArgumentException("client table result of " + length + " bytes");
                }
                byte[] result = new byte[length];
                in.get(result);
                sessions.add(new ClientTable.Session(clientId, requestNumber, op, result));
            }
            Membership membership = null;
            if (in.remaining() >= 8 && in.getInt(in.position()) == MEMBERS_MARK) {
                in.getInt();
                int length = in.getInt();
                if (length < 0 || length > Membership.ENCODED_BYTES_MAX || length > in.remaining()) {
                    throw new IllegalArgumentException("members of " + length + " bytes after the client table");
                }
                membership = Membership.decode(in.slice(in.position(), length));
                in.position(in.position() + length);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the client table");
            }
            return new State(sessions, membership);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("client table cut short", e);
        }
    }
}
