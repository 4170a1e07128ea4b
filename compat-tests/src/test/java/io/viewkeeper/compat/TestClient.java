package io.viewkeeper.compat;

import java.util.List;
import org.apache.zookeeper.ZooKeeper;

/** A connected ZooKeeper handle and the log of its default watcher. */
public record TestClient(ZooKeeper zk, EventLog events) {

    /** Node events delivered to the default watcher since the last call, after a round trip. */
    public List<String> drainEvents() {
        return events.drain(zk);
    }

    public long sessionId() {
        return zk.getSessionId();
    }
}
