package io.viewkeeper.compat;

import java.lang.reflect.Field;
import org.apache.jute.Record;
import org.apache.zookeeper.ClientCnxn;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;

/**
 * Sends a request record the public ZooKeeper API would refuse to build (a lone check, a TTL flag on a plain
 * create, checkWatches with a chosen type) through a real client's connection, so the server's answer is seen
 * exactly as the client library decodes it.
 */
final class RawRequests {
    private RawRequests() {
    }

    /** Submits {@code request} with opcode {@code type} and returns the reply header; {@code response} is filled. */
    static ReplyHeader submit(ZooKeeper zk, int type, Record request, Record response) throws InterruptedException {
        RequestHeader header = new RequestHeader();
        header.setType(type);
        return connection(zk).submitRequest(header, request, response, null);
    }

    private static ClientCnxn connection(ZooKeeper zk) {
        try {
            Field f = ZooKeeper.class.getDeclaredField("cnxn");
            f.setAccessible(true);
            return (ClientCnxn) f.get(zk);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the ZooKeeper client's connection field is not reachable", e);
        }
    }
}
