package io.viewkeeper.frontend;

import io.viewkeeper.frontend.WatchRegistry.Mode;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Znode;
import java.util.ArrayList;
import java.util.List;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.SetWatches2;

/**
 * setWatches (101) and setWatches2 (105) on reconnect (§5.5): re-register what is still current and make up the
 * events the client missed while it was away, judged against its last seen zxid.
 */
final class WatchRestore {

    private WatchRestore() {
    }

    static List<WatchRegistry.Event> restore(Record body, ClientConnection c, DataTree tree, WatchRegistry watches) {
        List<WatchRegistry.Event> events = new ArrayList<>();
        if (body instanceof SetWatches2 w) {
            restoreStandard(w.getRelativeZxid(), w.getDataWatches(), w.getExistWatches(), w.getChildWatches(), c, tree,
                    watches, events);
            for (String path : nonNull(w.getPersistentWatches())) {
                watches.addData(path, c, Mode.PERSISTENT);
                watches.addChild(path, c, Mode.PERSISTENT);
            }
            for (String path : nonNull(w.getPersistentRecursiveWatches())) {
                watches.addData(path, c, Mode.PERSISTENT_RECURSIVE);
            }
        } else if (body instanceof SetWatches w) {
            restoreStandard(w.getRelativeZxid(), w.getDataWatches(), w.getExistWatches(), w.getChildWatches(), c, tree,
                    watches, events);
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

    private static List<String> nonNull(List<String> paths) {
        return paths == null ? List.of() : paths;
    }
}
