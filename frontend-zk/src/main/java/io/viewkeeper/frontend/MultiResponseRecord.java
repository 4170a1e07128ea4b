package io.viewkeeper.frontend;

import io.viewkeeper.storage.Result;
import java.io.IOException;
import java.util.List;
import org.apache.jute.InputArchive;
import org.apache.jute.OutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.SetDataResponse;

/**
 * ZooKeeper's MultiResponse (§3.5), encoded by hand as the server does: per op a MultiHeader and its result
 * record, then the end marker. Each element is either a write {@link Result} (with the op's request type) or a
 * ready read record.
 */
public final class MultiResponseRecord implements Record {

    /** One element: the header type, error code and the record that follows (null for none). */
    public record Element(int type, int err, Record record) {
    }

    private final List<Element> elements;

    public MultiResponseRecord(List<Element> elements) {
        this.elements = elements;
    }

    public static Element forWrite(int requestType, Result result) {
        return switch (result) {
            case Result.Error e -> new Element(-1, e.code(), new ErrorResponse(e.code()));
            case Result.Created c -> requestType == OpCode.CREATE
                    ? new Element(OpCode.CREATE, 0, new CreateResponse(c.path()))
                    : new Element(OpCode.CREATE2, 0, new Create2Response(c.path(), JuteConvert.stat(c.stat())));
            case Result.Updated u -> new Element(OpCode.SET_DATA, 0, new SetDataResponse(JuteConvert.stat(u.stat())));
            case Result.Done d -> new Element(requestType, 0, null);
            case Result.MultiDone m -> throw new IllegalStateException("multi inside multi");
        };
    }

    @Override
    public void serialize(OutputArchive out, String tag) throws IOException {
        for (Element element : elements) {
            new MultiHeader(element.type(), false, element.err()).serialize(out, "header");
            if (element.record() != null) {
                element.record().serialize(out, "result");
            }
        }
        new MultiHeader(-1, true, -1).serialize(out, "header");
    }

    @Override
    public void deserialize(InputArchive in, String tag) {
        throw new UnsupportedOperationException("the server only writes multi responses");
    }
}
