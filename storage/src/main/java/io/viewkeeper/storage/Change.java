package io.viewkeeper.storage;

import java.util.List;

/**
 * A change to the tree that watches may observe, with the ACL used to filter delivery (ZooKeeper 3.9.2+
 * checks READ when an event is delivered: for a delete, the ACL the node had).
 */
public record Change(Type type, String path, List<Acl> acl) {

    public enum Type {
        CREATED(1), DELETED(2), DATA_CHANGED(3), CHILDREN_CHANGED(4);

        private final int eventType;

        Type(int eventType) {
            this.eventType = eventType;
        }

        /** The {@code Watcher.Event.EventType} value sent to clients. */
        public int eventType() {
            return eventType;
        }
    }
}
