package io.viewkeeper.server.disk;

import io.viewkeeper.consensus.ClientTable;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** The consensus client table as the checkpoint stores it: a count, then client id, request, op, result per row. */
final class ClientTableCodec {
    static final int RESULT_BYTES_MAX = 16 * 1024 * 1024;

    private ClientTableCodec() {
    }

    static byte[] encode(List<ClientTable.Session> sessions) {
        long size = 4;
        for (ClientTable.Session s : sessions) {
            size += 8 * 3 + 4 + s.result().length;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(size));
        out.putInt(sessions.size());
        for (ClientTable.Session s : sessions) {
            out.putLong(s.clientId()).putLong(s.requestNumber()).putLong(s.op()).putInt(s.result().length)
                    .put(s.result());
        }
        return out.array();
    }

    /** Decodes what {@link #encode} wrote; bad bytes throw IllegalArgumentException naming the problem. */
    static List<ClientTable.Session> decode(byte[] bytes) {
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
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the client table");
            }
            return sessions;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("client table cut short", e);
        }
    }
}
