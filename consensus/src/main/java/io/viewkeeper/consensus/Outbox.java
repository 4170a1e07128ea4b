package io.viewkeeper.consensus;

import java.util.List;

/**
 * Everything a {@link Replica} asks of the world. The production driver and the simulator both implement it;
 * the replica itself performs no I/O.
 */
public interface Outbox {

    /**
     * Make these entries durable, in order. The driver reports completion with {@link Replica#onPersisted(long)}
     * for the highest op it made durable; until then the replica does not count them as held.
     */
    void persist(List<LogEntry> entries);

    /** The entry is committed: apply it to the application state machine. Called once per op, in op order. */
    void commit(LogEntry entry);
}
