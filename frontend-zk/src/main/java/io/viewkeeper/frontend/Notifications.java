package io.viewkeeper.frontend;

import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Change;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.WatcherEvent;

/**
 * Delivers the watch events a committed change fires (ZooKeeper's WatchManager.triggerWatch, §5): each goes to
 * its connection as a notification (xid -1) carrying the change's zxid, unless the connection is closed or may no
 * longer read the node, as ZooKeeper 3.9 checks the node's ACL before it sends an event.
 * Invariant: the events of a change are queued before the reply to the write that made it, since the caller
 * delivers them before it answers the write.
 */
final class Notifications {
    /** ZooKeeper's keeper state SyncConnected, the state of every event sent on a live connection. */
    private static final int SYNC_CONNECTED = 3;

    private final WatchRegistry watches;
    private final ClientOutput output;

    Notifications(WatchRegistry watches, ClientOutput output) {
        this.watches = watches;
        this.output = output;
    }

    void deliver(Change change, long zxid) {
        for (WatchRegistry.Event event : watches.trigger(change)) {
            ClientConnection target = event.connection();
            if (target.isClosed() || !AccessControl.permits(change.acl(), Acl.READ, target.identities)) {
                continue;
            }
            output.send(target, new Outbound(new ReplyHeader(FrontendCore.NOTIFICATION_XID, zxid, 0),
                    new WatcherEvent(event.type(), SYNC_CONNECTED, event.path()), false));
        }
    }
}
