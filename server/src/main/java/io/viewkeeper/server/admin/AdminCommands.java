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
        ReplicaCommands replica = new ReplicaCommands(node);
        all.addAll(replica.all());
        all.addAll(new ConsoleCommands(node, replica).all());
        all.addAll(new MembersCommands(node).all());
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

    /**
     * What {@code /commands} lists: each command's names, whether it mutates, and what it does; the snapshot and
     * restore commands, which stream bodies rather than answer JSON fields, are served outside the table.
     */
    List<Map<String, Object>> describe() {
        List<Map<String, Object>> result = new ArrayList<>();
        for (AdminCommand command : all) {
            result.add(entry(command.names(), command.mutating(), command.summary()));
        }
        result.add(entry(SnapshotStreamer.NAMES, false, SnapshotStreamer.SUMMARY));
        result.add(entry(RestoreReceiver.NAMES, true, RestoreReceiver.SUMMARY));
        result.add(entry(List.of(GroupView.NAME), false, GroupView.SUMMARY));
        return result;
    }

    private static Map<String, Object> entry(List<String> names, boolean mutating, String summary) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", names.get(0));
        entry.put("aliases", names.subList(1, names.size()));
        entry.put("mutating", mutating);
        entry.put("summary", summary);
        return entry;
    }
}
