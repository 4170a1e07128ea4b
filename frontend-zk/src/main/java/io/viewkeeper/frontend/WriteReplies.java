package io.viewkeeper.frontend;

import io.viewkeeper.storage.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataResponse;

/**
 * The reply to a client's committed write: counted in the connection's and the server's latency figures, then
 * sent with the commit's zxid; a closeSession's reply closes the connection. The body of a successful write's reply
 * depends on the request's opcode (null when the reply is the header alone).
 */
final class WriteReplies {
    private final ClientOutput output;
    private final ServerStats stats;
    private final Supplier<RequestListener> requests;

    /** {@code /zookeeper/config}'s data now, which a reconfig's answer carries. */
    private final Supplier<byte[]> config;

    WriteReplies(ClientOutput output, ServerStats stats, Supplier<RequestListener> requests,
                 Supplier<byte[]> config) {
        this.output = output;
        this.stats = stats;
        this.requests = requests;
        this.config = config;
    }

    /** Answers the write {@code pending}, committed at {@code zxid} with {@code result}. */
    void answer(WritePipeline.PendingWrite pending, long zxid, Result result, long nowMs) {
        ClientConnection c = pending.connection;
        c.lastZxid = zxid;
        c.recordLatency(nowMs - pending.startMs, nowMs);
        stats.recordLatency(nowMs - pending.startMs);
        RequestListener listener = requests.get();
        listener.onAnswered(pending.type, listener.nanoTime() - pending.startNanos,
                result instanceof Result.Error failed ? failed.code() : 0);
        if (pending.type == OpCode.CLOSE_SESSION) {
            output.send(c, Outbound.reply(pending.xid, zxid, 0).thenClose());
            c.markClosed();
        } else if (result instanceof Result.Error e) {
            output.send(c, Outbound.reply(pending.xid, zxid, e.code()));
        } else if (pending.type == OpCode.RECONFIG && result instanceof Result.Updated updated) {
            // ZooKeeper answers a reconfig with the new configuration and its Stat, as a getData of its node
            output.send(c, Outbound.reply(pending.xid, zxid, new org.apache.zookeeper.proto.GetDataResponse(
                    config.get(), JuteConvert.stat(updated.stat()))));
        } else {
            output.send(c, Outbound.reply(pending.xid, zxid, body(pending.type, pending.multiTypes, result)));
        }
    }

    static Record body(int type, List<Integer> multiTypes, Result result) {
        return switch (result) {
            case Result.Created created -> type == OpCode.CREATE
                    ? new CreateResponse(created.path())
                    : new Create2Response(created.path(), JuteConvert.stat(created.stat()));
            case Result.Updated updated -> type == OpCode.SET_ACL
                    ? new SetACLResponse(JuteConvert.stat(updated.stat()))
                    : new SetDataResponse(JuteConvert.stat(updated.stat()));
            case Result.MultiDone multi -> multiRecord(multiTypes, multi.results());
            case Result.Done done -> null;
            case Result.Error e -> throw new IllegalStateException("an error has no reply body: " + e);
        };
    }

    private static MultiResponseRecord multiRecord(List<Integer> types, List<Result> results) {
        List<MultiResponseRecord.Element> elements = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            elements.add(MultiResponseRecord.forWrite(types.isEmpty() ? 0 : types.get(i), results.get(i)));
        }
        return new MultiResponseRecord(elements);
    }
}
