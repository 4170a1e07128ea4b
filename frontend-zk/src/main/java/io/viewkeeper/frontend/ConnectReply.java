package io.viewkeeper.frontend;

import java.io.IOException;
import org.apache.jute.InputArchive;
import org.apache.jute.OutputArchive;
import org.apache.jute.Record;

/**
 * ZooKeeper's ConnectResponse, written by hand so that clients older than 3.4, which sent no readOnly byte,
 * get the 36-byte form without it (§1.3).
 */
record ConnectReply(int timeoutMs, long sessionId, byte[] password, boolean readOnly, boolean oldClient)
        implements Record {

    static final byte[] NO_PASSWORD = new byte[16];

    static ConnectReply invalid(boolean oldClient) {
        return new ConnectReply(0, 0, NO_PASSWORD, false, oldClient);
    }

    @Override
    public void serialize(OutputArchive out, String tag) throws IOException {
        out.writeInt(0, "protocolVersion");
        out.writeInt(timeoutMs, "timeOut");
        out.writeLong(sessionId, "sessionId");
        out.writeBuffer(password, "passwd");
        if (!oldClient) {
            out.writeBool(readOnly, "readOnly");
        }
    }

    @Override
    public void deserialize(InputArchive in, String tag) {
        throw new UnsupportedOperationException("the server only writes connect responses");
    }
}
