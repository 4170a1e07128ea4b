package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * A node's children by name, chained through the children themselves ({@link Znode#next}) in a table that grows
 * and orders exactly as ZooKeeper's {@code new HashSet<>(8)} of names does (a HashSet is a HashMap's key set): the
 * same spread hash, a first table of 8 bins doubled at three quarters full, each bin in the order its names came,
 * a bin split in order on a resize. The first time a bin would reach 9 names, where HashMap makes it a tree (or
 * resizes a table under 64 bins, which leaves names of one hash together), the table hands its children to a real
 * {@link HashMap} in its present state, which takes that name and keeps them from then on. It saves
 * per child the map's entry object and the name's String: a child holds its name as UTF-8 bytes. The table also
 * holds the two stat fields that only children change, so a leaf has no room for them.
 */
final class ChildTable {
    /** ZooKeeper's DataNode creates its set with {@code new HashSet<>(8)}. */
    static final int FIRST_CAPACITY = 8;
    /**
     * HashMap.TREEIFY_THRESHOLD: a bin that reaches one more than this many names becomes a tree (or, in a table
     * under 64 bins, makes it resize).
     */
    private static final int TREEIFY_THRESHOLD = 8;

    /** The owner's pzxid: the zxid of the last create or delete of one of its children, its czxid before. */
    long pzxid;
    /** The owner's count of children created (ZooKeeper's stored cversion). */
    int creations;
    private Znode[] table = new Znode[FIRST_CAPACITY];
    private int size;
    /** Non-null once a bin would have become a tree; then it holds every child and the table none. */
    private HashMap<String, Znode> map;

    ChildTable(long pzxid) {
        this.pzxid = pzxid;
    }

    /** HashMap.hash: the high half of String.hashCode folded into the low. */
    static int spread(int hashCode) {
        return hashCode ^ (hashCode >>> 16);
    }

    int size() {
        return map != null ? map.size() : size;
    }

    /** The child whose name is {@code path.substring(from, to)}, found without building the substring. */
    Znode get(String path, int from, int to) {
        if (map != null) {
            return map.get(path.substring(from, to));
        }
        int hashCode = 0;
        for (int i = from; i < to; i++) {
            hashCode = 31 * hashCode + path.charAt(i);
        }
        for (Znode node = table[spread(hashCode) & (table.length - 1)]; node != null; node = node.next) {
            if (nameEquals(node.name, path, from, to)) {
                return node;
            }
        }
        return null;
    }

    /** Adds the child under {@code name}, or puts it in the place of the child already called that. */
    void put(String name, Znode child) {
        child.setName(name);
        if (map != null) {
            child.next = null;
            map.put(name, child);
            return;
        }
        int index = spread(name.hashCode()) & (table.length - 1);
        Znode previous = null;
        int binCount = 0;
        for (Znode node = table[index]; node != null; node = node.next) {
            if (nameEquals(node.name, name, 0, name.length())) {
                if (node != child) {
                    child.next = node.next;
                    link(index, previous, child);
                    node.next = null;
                }
                return;
            }
            previous = node;
            binCount++;
        }
        if (binCount >= TREEIFY_THRESHOLD) {
            // HashMap.treeifyBin: a tree at 64 bins or more, a resize below, after which the bin (names of one hash
            // stay together) may hold 9 or more as a list: past that point only a HashMap keeps the same order
            handToMap();
            child.next = null;
            map.put(name, child);
            return;
        }
        child.next = null;
        link(index, previous, child);
        if (++size > table.length / 4 * 3) {
            resize();
        }
    }

    /** Removes the child called {@code name}; nothing when there is none. */
    void remove(String name) {
        if (map != null) {
            Znode gone = map.remove(name);
            if (gone != null) {
                gone.next = null;
            }
            return;
        }
        int hashCode = name.hashCode();
        int index = spread(hashCode) & (table.length - 1);
        Znode previous = null;
        for (Znode node = table[index]; node != null; node = node.next) {
            if (nameEquals(node.name, name, 0, name.length())) {
                link(index, previous, node.next);
                node.next = null;
                size--;
                return;
            }
            previous = node;
        }
    }

    /** Calls {@code action} with each child in getChildren order. */
    void forEach(Consumer<Znode> action) {
        if (map != null) {
            map.values().forEach(action);
            return;
        }
        for (Znode head : table) {
            for (Znode node = head; node != null; node = node.next) {
                action.accept(node);
            }
        }
    }

    /** The names in getChildren order, in a new list. */
    List<String> names() {
        if (map != null) {
            return new ArrayList<>(map.keySet());
        }
        List<String> names = new ArrayList<>(size);
        forEach(node -> names.add(node.name()));
        return names;
    }

    private void link(int index, Znode previous, Znode node) {
        if (previous == null) {
            table[index] = node;
        } else {
            previous.next = node;
        }
    }

    /** HashMap.resize: twice the bins, each old bin split in order into the same index and that plus the old size. */
    private void resize() {
        Znode[] old = table;
        int oldCapacity = old.length;
        Znode[] grown = new Znode[oldCapacity * 2];
        for (int j = 0; j < oldCapacity; j++) {
            Znode lowHead = null;
            Znode lowTail = null;
            Znode highHead = null;
            Znode highTail = null;
            Znode next;
            for (Znode node = old[j]; node != null; node = next) {
                next = node.next;
                node.next = null;
                if ((spread(node.nameHash()) & oldCapacity) == 0) {
                    if (lowTail == null) {
                        lowHead = node;
                    } else {
                        lowTail.next = node;
                    }
                    lowTail = node;
                } else {
                    if (highTail == null) {
                        highHead = node;
                    } else {
                        highTail.next = node;
                    }
                    highTail = node;
                }
            }
            grown[j] = lowHead;
            grown[j + oldCapacity] = highHead;
        }
        table = grown;
    }

    /**
     * Moves every child into a HashMap in the state this table is in: a map made with this capacity (and so this
     * threshold) takes the names in this order into the same bins in the same order, and no bin holds more than 8
     * (this is the first to reach 9), so none becomes a tree before the name that crowds it.
     */
    private void handToMap() {
        HashMap<String, Znode> taken = new HashMap<>(table.length);
        forEach(node -> taken.put(node.name(), node));
        if (taken.size() != size) {
            throw new IllegalStateException("child table of " + size + " names handed " + taken.size() + " on");
        }
        for (Znode head : table) {
            Znode next;
            for (Znode node = head; node != null; node = next) {
                next = node.next;
                node.next = null;
            }
        }
        table = null;
        size = 0;
        map = taken;
    }

    /** Whether the UTF-8 {@code name} spells {@code text.substring(from, to)}. */
    static boolean nameEquals(byte[] name, String text, int from, int to) {
        int length = to - from;
        if (name.length < length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            int b = name[i];
            if (b < 0) { // not ASCII: compare the decoded name
                return new String(name, StandardCharsets.UTF_8).regionMatches(0, text, from, length)
                        && charLength(name) == length;
            }
            if (i >= length || text.charAt(from + i) != b) {
                return false;
            }
        }
        return name.length == length;
    }

    /** The number of chars the UTF-8 {@code name} decodes to (a four-byte sequence is a surrogate pair). */
    static int charLength(byte[] name) {
        int chars = 0;
        for (byte b : name) {
            if ((b & 0xC0) != 0x80) {
                chars += (b & 0xF8) == 0xF0 ? 2 : 1;
            }
        }
        return chars;
    }
}
