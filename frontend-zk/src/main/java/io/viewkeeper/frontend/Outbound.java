package io.viewkeeper.frontend;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.ReplyHeader;

/**
 * A frame to the client: a reply header and an optional record, or a header-less record (the ConnectResponse).
 * {@code closeAfter} closes the connection once the frame is written.
 */
public record Outbound(ReplyHeader header, Record body, boolean closeAfter) {

    public static Outbound reply(int xid, long zxid, int err) {
        return new Outbound(new ReplyHeader(xid, zxid, err), null, false);
    }

    public static Outbound reply(int xid, long zxid, Record body) {
        return new Outbound(new ReplyHeader(xid, zxid, 0), body, false);
    }

    public static Outbound headerless(Record body) {
        return new Outbound(null, body, false);
    }

    public Outbound thenClose() {
        return new Outbound(header, body, true);
    }
}
