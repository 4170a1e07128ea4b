package io.viewkeeper.consensus;

import java.util.List;

/**
 * An {@link Outbox} for tests of a one-replica group, which never sends or truncates: either would be a bug, so
 * both fail the test. View state is not kept (these tests have no disk).
 */
abstract class OneReplicaOutbox implements Outbox {

    @Override
    public void send(int replicaIndex, Message message) {
        throw new AssertionError("a one-replica group sends nothing");
    }

    @Override
    public void truncate(long lastOpKept) {
        throw new AssertionError("a one-replica group never truncates");
    }

    @Override
    public void persistMembership(Membership membership, long op) {
        throw new UnsupportedOperationException("these tests never reconfigure");
    }

    @Override
    public void persistViewState(long view, long lastNormalView) {
        // no disk in these tests
    }

    @Override
    public void repairLog(List<LogEntry> entries, long[] chains) {
        throw new IllegalStateException("a one-replica group has no peer to repair from");
    }

    @Override
    public void resolveTail(List<LogEntry> entries, long[] chains) {
        // a lone replica cuts what its disk could not read: it has nothing to append and no doubt recorded here
    }
}
