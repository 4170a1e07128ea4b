package io.viewkeeper.server.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every admin command of a node, found by any of its names. */
final class AdminCommands {
    private final List<AdminCommand> all = new ArrayList<>();
    private final Map<String, AdminCommand> byName = new LinkedHashMap<>();

    AdminCommands(NodeAccess node) {
        all.addAll(new ZooKeeperCommands(node).all());
        all.addAll(new ReplicaCommands(node).all());
        for (AdminCommand command : all) {
            for (String name : command.names()) {
                if (byName.put(name, command) != null) {
                    throw new IllegalStateException("two admin commands are named " + name);
                }
            }
        }
    }

    /** The command of this name, or null. */
    AdminCommand find(String name) {
        return byName.get(name);
    }

    /** What {@code /commands} lists: each command's names, whether it mutates, and what it does. */
    List<Map<String, Object>> describe() {
        List<Map<String, Object>> result = new ArrayList<>();
        for (AdminCommand command : all) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", command.name());
            entry.put("aliases", command.names().subList(1, command.names().size()));
            entry.put("mutating", command.mutating());
            entry.put("summary", command.summary());
            result.add(entry);
        }
        Map<String, Object> snapshot = new LinkedHashMap<>();
        snapshot.put("name", SnapshotStreamer.NAMES.get(0));
        snapshot.put("aliases", SnapshotStreamer.NAMES.subList(1, SnapshotStreamer.NAMES.size()));
        snapshot.put("mutating", false);
        snapshot.put("summary", SnapshotStreamer.SUMMARY);
        result.add(snapshot);
        Map<String, Object> restore = new LinkedHashMap<>();
        restore.put("name", RestoreReceiver.NAMES.get(0));
        restore.put("aliases", RestoreReceiver.NAMES.subList(1, RestoreReceiver.NAMES.size()));
        restore.put("mutating", true);
        restore.put("summary", RestoreReceiver.SUMMARY);
        result.add(restore);
        return result;
    }
}
