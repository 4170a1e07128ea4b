package io.viewkeeper.frontend;

import io.viewkeeper.storage.Result;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataResponse;

/** The body of a successful write's reply, by the request's opcode (null when the reply is the header alone). */
final class WriteReplies {
    private WriteReplies() {
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
