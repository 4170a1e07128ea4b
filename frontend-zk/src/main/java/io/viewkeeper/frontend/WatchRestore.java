package io.viewkeeper.frontend;

import io.viewkeeper.frontend.WatchRegistry.Mode;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Znode;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.WatcherEvent;

/**
 * setWatches (101) and setWatches2 (105) on reconnect (§5.5): re-register what is still current and make up the
 * events the client missed while it was away, judged against its last seen zxid. A restore applied after that zxid
 * may have moved any node back to an older version, so then every watched node that exists counts as changed.
 */
final class WatchRestore {

    private WatchRestore() {
    }

    /** Answers a setWatches request: the made-up events first, then the reply. */
    static void handle(FrontendCore core, ClientConnection c, Inbound.Request request, long restoredAtZxid) {
        if (request.decodeError()) {
            core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.MARSHALLING_ERROR));
            return;
        }
        for (WatchRegistry.Event event : restore(request.body(), c, core.stateMachine().tree(), core.watches(),
                restoredAtZxid)) {
            core.send(c, new Outbound(new ReplyHeader(FrontendCore.NOTIFICATION_XID, -1, 0),
                    new WatcherEvent(event.type(), 3, event.path()), false));
        }
        core.send(c, Outbound.reply(request.xid(), core.lastZxid(), 0));
    }

    static List<WatchRegistry.Event> restore(Record body, ClientConnection c, DataTree tree, WatchRegistry watches,
            long restoredAtZxid) {
        List<WatchRegistry.Event> events = new ArrayList<>();
        if (body instanceof SetWatches2 w) {
            restoreStandard(seen(w.getRelativeZxid(), restoredAtZxid), w.getDataWatches(), w.getExistWatches(),
                    w.getChildWatches(), c, tree, watches, events);
            for (String path : nonNull(w.getPersistentWatches())) {
                watches.addData(path, c, Mode.PERSISTENT);
                watches.addChild(path, c, Mode.PERSISTENT);
            }
            for (String path : nonNull(w.getPersistentRecursiveWatches())) {
                watches.addData(path, c, Mode.PERSISTENT_RECURSIVE);
            }
        } else if (body instanceof SetWatches w) {
            restoreStandard(seen(w.getRelativeZxid(), restoredAtZxid), w.getDataWatches(), w.getExistWatches(),
                    w.getChildWatches(), c, tree, watches, events);
        }
        return events;
    }

    private static void restoreStandard(long relativeZxid, List<String> data, List<String> exist, List<String> child,
            ClientConnection c, DataTree tree, WatchRegistry watches, List<WatchRegistry.Event> events) {
        for (String path : nonNull(data)) {
            Znode node = tree.get(path);
            if (node == null) {
                events.add(new WatchRegistry.Event(c, 2, path));
            } else if (node.mzxid() > relativeZxid) {
                events.add(new WatchRegistry.Event(c, 3, path));
            } else {
                watches.addData(path, c, Mode.STANDARD);
            }
        }
        for (String path : nonNull(exist)) {
            if (tree.get(path) != null) {
                events.add(new WatchRegistry.Event(c, 1, path));
            } else {
                watches.addData(path, c, Mode.STANDARD);
            }
        }
        for (String path : nonNull(child)) {
            Znode node = tree.get(path);
            if (node == null) {
                events.add(new WatchRegistry.Event(c, 2, path));
            } else if (node.pzxid() > relativeZxid) {
                events.add(new WatchRegistry.Event(c, 4, path));
            } else {
                watches.addChild(path, c, Mode.STANDARD);
            }
        }
    }

    /** The zxid to judge changes against: below every node's when a restore came after what the client saw. */
    private static long seen(long relativeZxid, long restoredAtZxid) {
        return restoredAtZxid > relativeZxid ? Long.MIN_VALUE : relativeZxid;
    }

    /** The paths of a list that may be absent and may hold null entries (jute reads a -1 length as null). */
    private static List<String> nonNull(List<String> paths) {
        return paths == null ? List.of() : paths.stream().filter(java.util.Objects::nonNull).toList();
    }
}
