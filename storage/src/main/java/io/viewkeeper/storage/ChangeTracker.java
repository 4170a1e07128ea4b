package io.viewkeeper.storage;

import java.util.HashSet;
import java.util.Set;

/**
 * The keys changed since a checkpoint store last took them. Marking is O(1); past {@code keysMax} distinct keys
 * the tracker stops recording and reports that everything changed, so its memory is bounded and the next
 * checkpoint is a full rewrite. A fresh tracker reports everything: nothing of a new state has been saved.
 */
public final class ChangeTracker<K> {
    private final int keysMax;
    private Set<K> keys = new HashSet<>();
    private boolean everything = true;

    /** What changed: either every key, or exactly {@code keys} (a superset of the changes, never fewer). */
    public record Changes<K>(boolean everything, Set<K> keys) {
    }

    ChangeTracker(int keysMax) {
        if (keysMax < 1) {
            throw new IllegalArgumentException("keysMax must be positive: " + keysMax);
        }
        this.keysMax = keysMax;
    }

    void mark(K key) {
        if (everything) {
            return;
        }
        keys.add(key);
        if (keys.size() > keysMax) {
            everything = true;
            keys = new HashSet<>();
        }
    }

    /** Returns what changed since the last take and starts recording afresh. */
    Changes<K> take() {
        Changes<K> taken = new Changes<>(everything, everything ? Set.of() : keys);
        keys = new HashSet<>();
        everything = false;
        return taken;
    }
}
