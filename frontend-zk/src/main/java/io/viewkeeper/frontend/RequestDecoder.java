package io.viewkeeper.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.AddWatchRequest;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CheckWatchesRequest;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetSASLRequest;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.RemoveWatchesRequest;
import org.apache.zookeeper.proto.RequestHeader;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.SyncRequest;

/**
 * Turns one client frame into an {@link Inbound}. Runs on the I/O thread and holds no state beyond the limit;
 * a body that will not decode becomes a request flagged {@code decodeError} (ZooKeeper answers MarshallingError
 * and keeps the connection), a header that will not decode is an {@link IOException} (the connection closes).
 */
public final class RequestDecoder {
    /** Bound on the ops of one multi: each takes at least a 9-byte header, so a frame holds no more. */
    private final int bufferMax;

    public RequestDecoder(int bufferMax) {
        this.bufferMax = bufferMax;
    }

    private BinaryInputArchive archive(ByteBuf frame) {
        return new BinaryInputArchive(new DataInputStream(new ByteBufInputStream(frame)), bufferMax, 0);
    }

    public Inbound.Connect decodeConnect(ByteBuf frame) throws IOException {
        ConnectRequest request = new ConnectRequest();
        BinaryInputArchive in = archive(frame);
        request.setProtocolVersion(in.readInt("protocolVersion"));
        request.setLastZxidSeen(in.readLong("lastZxidSeen"));
        request.setTimeOut(in.readInt("timeOut"));
        request.setSessionId(in.readLong("sessionId"));
        request.setPasswd(in.readBuffer("passwd"));
        boolean oldClient = !frame.isReadable();
        if (!oldClient) {
            request.setReadOnly(in.readBool("readOnly"));
        }
        return new Inbound.Connect(request, oldClient);
    }

    public Inbound.Request decodeRequest(ByteBuf frame) throws IOException {
        BinaryInputArchive in = archive(frame);
        RequestHeader header = new RequestHeader();
        header.deserialize(in, "header");
        int type = header.getType();
        try {
            if (type == OpCode.MULTI || type == OpCode.MULTI_READ) {
                return new Inbound.Request(header.getXid(), type, null, decodeMulti(in, type), false);
            }
            Record body = recordFor(type);
            if (body != null) {
                body.deserialize(in, "request");
            }
            return new Inbound.Request(header.getXid(), type, body, List.of(), false);
        } catch (IOException | RuntimeException e) {
            return new Inbound.Request(header.getXid(), type, null, List.of(), true);
        }
    }

    /** The request record of an opcode, or null for ops without a body (ping, closeSession, whoAmI, unknown). */
    static Record recordFor(int type) {
        return switch (type) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER -> new CreateRequest();
            case OpCode.CREATE_TTL -> new CreateTTLRequest();
            case OpCode.DELETE -> new DeleteRequest();
            case OpCode.DELETE_CONTAINER -> new SyncRequest();
            case OpCode.EXISTS -> new ExistsRequest();
            case OpCode.GET_DATA -> new GetDataRequest();
            case OpCode.SET_DATA -> new SetDataRequest();
            case OpCode.GET_ACL -> new GetACLRequest();
            case OpCode.SET_ACL -> new SetACLRequest();
            case OpCode.GET_CHILDREN -> new GetChildrenRequest();
            case OpCode.GET_CHILDREN2 -> new GetChildren2Request();
            case OpCode.SYNC -> new SyncRequest();
            case OpCode.CHECK -> new CheckVersionRequest();
            case OpCode.RECONFIG -> new ReconfigRequest();
            case OpCode.CHECK_WATCHES -> new CheckWatchesRequest();
            case OpCode.REMOVE_WATCHES -> new RemoveWatchesRequest();
            case OpCode.AUTH -> new AuthPacket();
            case OpCode.SET_WATCHES -> new SetWatches();
            case OpCode.SET_WATCHES2 -> new SetWatches2();
            case OpCode.SASL -> new GetSASLRequest();
            case OpCode.GET_EPHEMERALS -> new GetEphemeralsRequest();
            case OpCode.GET_ALL_CHILDREN_NUMBER -> new GetAllChildrenNumberRequest();
            case OpCode.ADD_WATCH -> new AddWatchRequest();
            default -> null;
        };
    }

    /** §3.5: MultiHeader + record until the end marker; write kinds only in multi, reads only in multiRead. */
    private List<Inbound.MultiOp> decodeMulti(BinaryInputArchive in, int type) throws IOException {
        List<Inbound.MultiOp> ops = new ArrayList<>();
        MultiHeader header = new MultiHeader();
        header.deserialize(in, "multiheader");
        while (!header.getDone()) {
            int opType = header.getType();
            if (!allowedIn(type, opType)) {
                throw new IOException("op type " + opType + " not allowed in " + type);
            }
            Record record = opType == OpCode.GET_DATA ? new GetDataRequest()
                    : opType == OpCode.GET_CHILDREN ? new GetChildrenRequest() : recordFor(opType);
            record.deserialize(in, "op");
            ops.add(new Inbound.MultiOp(opType, record));
            if (ops.size() > bufferMax / 9) {
                throw new IOException("too many ops in multi");
            }
            header.deserialize(in, "multiheader");
        }
        return ops;
    }

    private static boolean allowedIn(int multiType, int opType) {
        if (multiType == OpCode.MULTI_READ) {
            return opType == OpCode.GET_DATA || opType == OpCode.GET_CHILDREN;
        }
        return switch (opType) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL, OpCode.DELETE,
                    OpCode.SET_DATA, OpCode.CHECK -> true;
            default -> false;
        };
    }
}
