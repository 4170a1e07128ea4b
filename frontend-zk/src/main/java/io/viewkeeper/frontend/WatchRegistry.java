package io.viewkeeper.frontend;

import io.viewkeeper.storage.Change;
import io.viewkeeper.storage.PathRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The watch tables of this replica (ZooKeeper §5): a data table and a child table, each mapping a path to the
 * connections watching it and the modes they hold. Watches belong to connections and die with them.
 * Invariant: no path maps to an empty entry; a recursive mode only ever sits in the data table.
 */
public final class WatchRegistry {

    public enum Mode { STANDARD, PERSISTENT, PERSISTENT_RECURSIVE }

    /** Connection and path of one event to deliver, with the event type. */
    public record Event(ClientConnection connection, int type, String path) {
    }

    private final Map<String, Map<ClientConnection, EnumSet<Mode>>> data = new HashMap<>();
    private final Map<String, Map<ClientConnection, EnumSet<Mode>>> child = new HashMap<>();
    private int recursiveCount;
    private final int watchesPerConnectionMax;

    public WatchRegistry(int watchesPerConnectionMax) {
        this.watchesPerConnectionMax = watchesPerConnectionMax;
    }

    public void addData(String path, ClientConnection c, Mode mode) {
        add(data, path, c, mode);
    }

    public void addChild(String path, ClientConnection c, Mode mode) {
        add(child, path, c, mode);
    }

    private void add(Map<String, Map<ClientConnection, EnumSet<Mode>>> table, String path, ClientConnection c,
            Mode mode) {
        if (c.watchCount >= watchesPerConnectionMax) {
            return;
        }
        EnumSet<Mode> modes = table.computeIfAbsent(path, k -> new LinkedHashMap<>())
                .computeIfAbsent(c, k -> EnumSet.noneOf(Mode.class));
        if (modes.add(mode)) {
            c.watchCount++;
            c.watchedPaths.add(path);
            if (mode == Mode.PERSISTENT_RECURSIVE) {
                recursiveCount++;
            }
        }
    }

    /** Events for one applied change, in ZooKeeper's order; one per connection; one-shot entries used up. */
    public List<Event> trigger(Change change) {
        int type = change.type().eventType();
        Set<ClientConnection> told = new LinkedHashSet<>();
        List<Event> events = new ArrayList<>();
        String path = change.path();
        switch (change.type()) {
            case CREATED, DATA_CHANGED -> fireData(path, type, told, events);
            case DELETED -> {
                fireData(path, type, told, events);
                fireTable(child, path, type, told, events);
            }
            case CHILDREN_CHANGED -> fireTable(child, path, type, told, events);
        }
        return events;
    }

    private void fireData(String path, int type, Set<ClientConnection> told, List<Event> events) {
        fireTable(data, path, type, told, events);
        if (recursiveCount == 0) {
            return;
        }
        String ancestor = path;
        while (!ancestor.equals("/")) {
            ancestor = PathRules.parentOf(ancestor);
            Map<ClientConnection, EnumSet<Mode>> watchers = data.get(ancestor);
            if (watchers == null) {
                continue;
            }
            for (Map.Entry<ClientConnection, EnumSet<Mode>> e : watchers.entrySet()) {
                if (e.getValue().contains(Mode.PERSISTENT_RECURSIVE) && told.add(e.getKey())) {
                    events.add(new Event(e.getKey(), type, path));
                }
            }
        }
    }

    private void fireTable(Map<String, Map<ClientConnection, EnumSet<Mode>>> table, String path, int type,
            Set<ClientConnection> told, List<Event> events) {
        Map<ClientConnection, EnumSet<Mode>> watchers = table.get(path);
        if (watchers == null) {
            return;
        }
        List<ClientConnection> emptied = new ArrayList<>();
        for (Map.Entry<ClientConnection, EnumSet<Mode>> e : watchers.entrySet()) {
            if (told.add(e.getKey())) {
                events.add(new Event(e.getKey(), type, path));
            }
            if (e.getValue().remove(Mode.STANDARD)) {
                e.getKey().watchCount--;
                if (e.getValue().isEmpty()) {
                    emptied.add(e.getKey());
                }
            }
        }
        emptied.forEach(watchers::remove);
        if (watchers.isEmpty()) {
            table.remove(path);
        }
    }

    /** checkWatches (17): is there a matching watch? Changes nothing (§5.4). */
    public boolean has(String path, ClientConnection c, int watcherType) {
        EnumSet<Mode> d = modes(data, path, c);
        EnumSet<Mode> ch = modes(child, path, c);
        return switch (watcherType) {
            case 1 -> ch.contains(Mode.STANDARD);
            case 2 -> d.contains(Mode.STANDARD);
            case 3 -> !d.isEmpty() || !ch.isEmpty();
            case 4 -> d.contains(Mode.PERSISTENT) || ch.contains(Mode.PERSISTENT);
            case 5 -> d.contains(Mode.PERSISTENT_RECURSIVE);
            default -> false;
        };
    }

    /** removeWatches (18): removes what the type names; true when something was removed. */
    public boolean remove(String path, ClientConnection c, int watcherType) {
        return switch (watcherType) {
            case 1 -> removeModes(child, path, c, EnumSet.of(Mode.STANDARD));
            case 2 -> removeModes(data, path, c, EnumSet.of(Mode.STANDARD));
            case 3 -> removeModes(data, path, c, EnumSet.allOf(Mode.class))
                    | removeModes(child, path, c, EnumSet.allOf(Mode.class));
            case 4 -> removeModes(data, path, c, EnumSet.of(Mode.PERSISTENT))
                    | removeModes(child, path, c, EnumSet.of(Mode.PERSISTENT));
            case 5 -> removeModes(data, path, c, EnumSet.of(Mode.PERSISTENT_RECURSIVE));
            default -> false;
        };
    }

    private static EnumSet<Mode> modes(Map<String, Map<ClientConnection, EnumSet<Mode>>> table, String path,
            ClientConnection c) {
        Map<ClientConnection, EnumSet<Mode>> watchers = table.get(path);
        EnumSet<Mode> modes = watchers == null ? null : watchers.get(c);
        return modes == null ? EnumSet.noneOf(Mode.class) : modes;
    }

    private boolean removeModes(Map<String, Map<ClientConnection, EnumSet<Mode>>> table, String path,
            ClientConnection c, EnumSet<Mode> toRemove) {
        Map<ClientConnection, EnumSet<Mode>> watchers = table.get(path);
        EnumSet<Mode> modes = watchers == null ? null : watchers.get(c);
        if (modes == null) {
            return false;
        }
        boolean removed = false;
        for (Mode mode : toRemove) {
            if (modes.remove(mode)) {
                removed = true;
                c.watchCount--;
                if (mode == Mode.PERSISTENT_RECURSIVE) {
                    recursiveCount--;
                }
            }
        }
        if (modes.isEmpty()) {
            watchers.remove(c);
            if (watchers.isEmpty()) {
                table.remove(path);
            }
        }
        return removed;
    }

    /** Drops every watch of a closed connection. */
    public void removeConnection(ClientConnection c) {
        for (String path : c.watchedPaths) {
            removeModes(data, path, c, EnumSet.allOf(Mode.class));
            removeModes(child, path, c, EnumSet.allOf(Mode.class));
        }
        c.watchedPaths.clear();
        c.watchCount = 0;
    }

    /** Paths in the data table with their watching connections (what wchs/wchc/wchp report). */
    public Map<String, Set<ClientConnection>> dataWatchesByPath() {
        Map<String, Set<ClientConnection>> result = new LinkedHashMap<>();
        data.forEach((path, watchers) -> result.put(path, new LinkedHashSet<>(watchers.keySet())));
        return result;
    }

    /** Watches in both tables, as zk_watch_count counts them. */
    public int totalWatchCount() {
        int total = 0;
        for (Map<ClientConnection, EnumSet<Mode>> m : data.values()) {
            total += m.size();
        }
        for (Map<ClientConnection, EnumSet<Mode>> m : child.values()) {
            total += m.size();
        }
        return total;
    }
}
