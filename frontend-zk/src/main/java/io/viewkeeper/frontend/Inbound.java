package io.viewkeeper.frontend;

import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.ConnectRequest;

/** What the I/O thread decoded from one client frame, handed to the replica thread in arrival order. */
public sealed interface Inbound {

    /** The first frame of a connection; {@code oldClient} when the readOnly byte was missing. */
    record Connect(ConnectRequest request, boolean oldClient) implements Inbound {
    }

    /**
     * A request after the handshake. {@code body} is the decoded record (null for bodiless ops), {@code multiOps}
     * the decoded ops of a multi or multiRead, {@code decodeError} true when the body would not decode.
     */
    record Request(int xid, int type, Record body, List<MultiOp> multiOps, boolean decodeError) implements Inbound {
    }

    /** One op inside a multi request: its type and decoded record. */
    record MultiOp(int type, Record record) {
    }

    /** A four-letter word; {@code argument} is the long that follows {@code stmk}. */
    record FourLetterWord(String word, long argument) implements Inbound {
    }
}
