package io.viewkeeper.consensus;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The simulated disk of one replica: a durable log, view state and checkpoint, and a FIFO of writes issued but not
 * yet synced. A crash decides what happens to unsynced writes; the disk survives crashes unless wiped. Entries
 * written by a torn write are marked, as a WAL with per-record footers would know, and dropped on load; an entry
 * corrupted after it was synced keeps its place, and the load reports it as a hole with the chain stored beside it,
 * as the production log names a damaged record's chain through the intact record after it. The checkpoint
 * is stored with a checksum taken when it is written and checked when it is read, as the production checkpoint
 * store does; a damaged one fails the check on every load until a new checkpoint replaces it.
 *
 * <p>A last write may also be unreadable in a way the production log cannot tell from damage after a sync (a bad
 * entry and no batch end after it): from {@code uncertainFrom} on, the load drops the entries and reports at most
 * how many ops the write held ({@link DurableState#uncertainTailOps}), a bound a little above the truth, until the
 * replica resolves the doubt with its peers ({@link Outbox#resolveTail}).
 */
final class SimDisk {

    enum CrashMode { INTACT, UNSYNCED_LOST, TORN_WRITE, WIPED }

    /**
     * A durable step of the driver: a log write completing (asynchronous, reported by {@link Replica#onPersisted})
     * or one of the synchronous writes of the {@link Outbox} contract. A crash point falls right after one.
     */
    enum Step { LOG_WRITE, TRUNCATE, VIEW_STATE, CHECKPOINT, CHECKPOINT_INSTALL, REPAIR }

    /** What the driver reads on restart: the durable state, or, when a check failed, why (durable then null). */
    record Loaded(DurableState durable, String damage) {
    }

    private record PendingWrite(List<LogEntry> entries, long[] chains) {
    }

    private final TreeMap<Long, LogEntry> log = new TreeMap<>();
    /** The hash chain at each op of the log, stored beside its entry as the production log does. */
    private final TreeMap<Long, Long> chains = new TreeMap<>();
    private final TreeMap<Long, Boolean> torn = new TreeMap<>();
    /** What each op damaged by {@link #corruptOneEntry} held before: a repair must bring exactly that back. */
    private final Map<Long, LogEntry> beforeDamage = new java.util.HashMap<>();
    private final Deque<PendingWrite> pending = new ArrayDeque<>();
    private long view;
    private long commitHint;
    private long lastNormalView;
    private Checkpoint checkpoint;
    private int checkpointChecksum;
    private long epoch;
    private long lastCompletionTick;
    /** The first op of an unreadable last write whose ops may have been acknowledged, or -1. */
    private long uncertainFrom = -1;
    /** The bound on its ops the load reports. */
    private int uncertainOps;
    /** Never written or wiped since, and the replica on it has not persisted view state yet. */
    private boolean pristine;
    /** The members of a later epoch the replica recorded ({@link Outbox#persistMembership}), or null; and the op. */
    private Membership membership;
    private long membershipOp;

    long epoch() {
        return epoch;
    }

    /** Queues a write; returns the tick at which it completes (writes complete in issue order). */
    long write(List<LogEntry> entries, long[] entryChains, long now, int delayTicks) {
        pending.addLast(new PendingWrite(entries, entryChains));
        lastCompletionTick = Math.max(lastCompletionTick, now + delayTicks);
        return lastCompletionTick;
    }

    /** Completes the oldest pending write; returns its last op, or -1 when nothing was pending. */
    long completeOldest() {
        PendingWrite write = pending.pollFirst();
        if (write == null) {
            return -1;
        }
        for (int i = 0; i < write.entries().size(); i++) {
            LogEntry entry = write.entries().get(i);
            log.put(entry.op(), entry);
            chains.put(entry.op(), write.chains()[i]);
            torn.remove(entry.op());
        }
        // a write after the unreadable one: its damaged entries lie between intact ones now, holes a load names
        uncertainFrom = -1;
        return write.entries().get(write.entries().size() - 1).op();
    }

    private void completeAll() {
        while (completeOldest() >= 0) {
            // drain
        }
    }

    void truncate(long lastOpKept) {
        completeAll();
        if (uncertainFrom > lastOpKept) {
            uncertainFrom = -1;
        }
        log.tailMap(lastOpKept, false).clear();
        chains.tailMap(lastOpKept, false).clear();
        torn.tailMap(lastOpKept, false).clear();
        epoch++;
    }

    SimDisk(boolean pristine) {
        this.pristine = pristine;
    }

    /**
     * The disk was wiped, or was empty when the run started every replica pristine, and nothing was written since:
     * the replica starts with {@link Replica#pristine}. A pristine replica writes its view state before anything
     * else, so a crash after that restarts it from the disk. (An empty disk of a replica that started as a member
     * of a new group restarts from the disk, as a new replica: the simulator knows it was not wiped.)
     */
    boolean pristine() {
        return pristine;
    }

    void persistViewState(long newView, long newLastNormalView) {
        pristine = false;
        view = newView;
        lastNormalView = newLastNormalView;
    }

    void persistMembership(Membership members, long op) {
        membership = members;
        membershipOp = op;
    }

    /** The members the replica last recorded, or null when it recorded none since the disk was new or wiped. */
    Membership membership() {
        return membership;
    }

    /** The view state says recovery is under way: a replica restarting on this disk recovers. */
    boolean recordsRecovery() {
        return lastNormalView == Replica.RECOVERING_MARK;
    }

    void saveCheckpoint(Checkpoint newCheckpoint) {
        checkpoint = newCheckpoint;
        checkpointChecksum = checksumOf(newCheckpoint);
    }

    /** Installing a checkpoint replaces the log as well (state transfer of a replica behind the released log). */
    void installCheckpoint(Checkpoint newCheckpoint) {
        completeAll();
        saveCheckpoint(newCheckpoint);
        log.clear();
        chains.clear();
        torn.clear();
        uncertainFrom = -1;
        epoch++;
    }

    void release(long op) {
        if (uncertainFrom > 0 && uncertainFrom <= op) {
            uncertainFrom = -1;
        }
        log.headMap(op, true).clear();
        chains.headMap(op, true).clear();
        torn.headMap(op, true).clear();
    }

    Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * The driver's commit hint (not synced, so stale after a crash): the commit target the replica knew when it last
     * persisted a batch. A restart reads it into {@link DurableState#knownCommit()}.
     */
    void noteCommitHint(long op) {
        commitHint = op;
    }

    /**
     * A crash. With {@code uncertainAllowed}, a torn last write may read back as the production log sometimes finds
     * one: unreadable, with no telling whether it was synced.
     */
    void crash(CrashMode mode, Random random, boolean uncertainAllowed) {
        switch (mode) {
            case INTACT -> completeAll();
            case UNSYNCED_LOST -> pending.clear();
            case TORN_WRITE -> {
                long tornOp = tearLastWrite(random);
                if (tornOp > 0 && uncertainAllowed && random.nextBoolean()) {
                    markUncertain(tornOp, random);
                }
            }
            case WIPED -> {
                pending.clear();
                log.clear();
                chains.clear();
                torn.clear();
                checkpoint = null;
                checkpointChecksum = 0;
                uncertainFrom = -1;
                view = 0;
                lastNormalView = 0;
                commitHint = 0;
                pristine = true;
                membership = null;
                membershipOp = 0;
            }
        }
        epoch++;
    }

    /** Tears the last pending write; returns the op of its torn entry, or -1 when nothing was pending. */
    private long tearLastWrite(Random random) {
        if (pending.isEmpty()) {
            return -1;
        }
        List<PendingWrite> writes = new ArrayList<>(pending);
        pending.clear();
        PendingWrite last = writes.remove(writes.size() - 1);
        writes.forEach(pending::addLast);
        completeAll();
        int keep = random.nextInt(last.entries().size());
        for (int i = 0; i < keep; i++) {
            log.put(last.entries().get(i).op(), last.entries().get(i));
            chains.put(last.entries().get(i).op(), last.chains()[i]);
            torn.remove(last.entries().get(i).op()); // written whole now, whatever an earlier tear left there
        }
        // the write's later entries never landed: what an earlier write left at those ops is gone too
        long tornOp = last.entries().get(keep).op();
        log.tailMap(tornOp, false).clear();
        chains.tailMap(tornOp, false).clear();
        torn.tailMap(tornOp, false).clear();
        LogEntry tornEntry = SimNetwork.corrupt(last.entries().get(keep), random);
        log.put(tornEntry.op(), tornEntry);
        chains.put(tornEntry.op(), last.chains()[keep]);
        torn.put(tornEntry.op(), true);
        return tornEntry.op();
    }

    /** From {@code op} on (but not below the checkpoint), the log's last write reads back as unreadable. */
    private void markUncertain(long op, Random random) {
        long floor = checkpoint == null ? 1 : checkpoint.op() + 1;
        long first = Math.max(op, floor);
        if (log.isEmpty() || log.lastKey() < first) {
            return;
        }
        // damaged entries right before it are part of what cannot be read: no intact record after them names them
        while (first > floor && log.containsKey(first - 1) && !log.get(first - 1).checksumValid()) {
            first--;
        }
        uncertainFrom = first;
        uncertainOps = (int) (log.lastKey() - first + 1) + random.nextInt(3);
    }

    boolean uncertainTail() {
        return uncertainFrom > 0;
    }

    /**
     * Damages the last synced entry and the batch end after it: the load cannot tell the write from one cut short by
     * a crash. Returns false when the log holds no entry after the checkpoint.
     */
    boolean corruptLastWrite(Random random) {
        completeAll();
        long checkpointOp = checkpoint == null ? 0 : checkpoint.op();
        if (log.isEmpty() || log.lastKey() <= checkpointOp) {
            return false;
        }
        long op = log.lastKey();
        log.put(op, SimNetwork.corrupt(log.get(op), random));
        torn.remove(op);
        markUncertain(op - random.nextInt(2), random);
        return true;
    }

    /**
     * Ends the doubt over the unreadable last write ({@link Outbox#resolveTail}): its entries go, and the entries
     * taken from peers follow the last readable one.
     */
    void resolveTail(List<LogEntry> entries, long[] entryChains) {
        completeAll();
        if (uncertainFrom < 0) {
            throw new IllegalStateException("tail resolved on a disk whose last write read back");
        }
        log.tailMap(uncertainFrom, true).clear();
        chains.tailMap(uncertainFrom, true).clear();
        torn.tailMap(uncertainFrom, true).clear();
        // the unreadable write may have begun at or below the checkpoint: what is taken follows the checkpoint
        long first = Math.max(uncertainFrom, checkpoint == null ? 1 : checkpoint.op() + 1);
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            if (entry.op() != first + i) {
                throw new IllegalStateException("entry of op " + entry.op() + " taken after op " + (first - 1 + i));
            }
            log.put(entry.op(), entry);
            chains.put(entry.op(), entryChains[i]);
        }
        uncertainFrom = -1;
        epoch++;
    }

    /**
     * Writes entries fetched from peers in place of damaged ones ({@link Outbox#repairLog}): each must be at an op
     * the disk holds damaged, and lead to the chain stored there.
     */
    void repair(List<LogEntry> entries, long[] entryChains) {
        completeAll();
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            LogEntry held = log.get(entry.op());
            if (held == null || held.checksumValid() || torn.containsKey(entry.op())) {
                throw new IllegalStateException("repair of op " + entry.op() + " that is not a damaged record");
            }
            if (entryChains[i] != chains.get(entry.op())) {
                throw new IllegalStateException("repair of op " + entry.op() + " with another chain than stored");
            }
            log.put(entry.op(), entry);
        }
        epoch++;
    }

    /** Flips a bit of the synced entry at {@code op}; returns false when the disk holds no entry there. */
    boolean corruptEntry(long op, Random random) {
        completeAll();
        if (!log.containsKey(op)) {
            return false;
        }
        if (log.get(op).checksumValid()) {
            beforeDamage.put(op, log.get(op)); // damaged twice: what it held is what it held before the first
        }
        log.put(op, SimNetwork.corrupt(log.get(op), random));
        torn.remove(op);
        return true;
    }

    /** Flips a bit of one synced entry; returns false when the log is empty. */
    boolean corruptOneEntry(Random random) {
        if (log.isEmpty()) {
            return false;
        }
        List<Long> ops = new ArrayList<>(log.keySet());
        long op = ops.get(random.nextInt(ops.size()));
        if (op == log.lastKey() && random.nextBoolean() && corruptLastWrite(random)) {
            return true;
        }
        if (log.get(op).checksumValid()) {
            beforeDamage.put(op, log.get(op)); // damaged twice: what it held is what it held before the first
        }
        log.put(op, SimNetwork.corrupt(log.get(op), random));
        torn.remove(op);
        return true;
    }

    /** What the op held before it was damaged here, or null when it was not. */
    LogEntry beforeDamage(long op) {
        return beforeDamage.get(op);
    }

    /**
     * Flips a bit of the stored checkpoint (of its application image, or of its chain when the image is empty),
     * leaving the checksum stored beside it; returns false when there is no checkpoint.
     */
    boolean corruptCheckpoint(Random random) {
        if (checkpoint == null) {
            return false;
        }
        byte[] image = checkpoint.application().clone();
        long chain = checkpoint.chain();
        if (image.length == 0) {
            chain ^= 1L << random.nextInt(64);
        } else {
            image[random.nextInt(image.length)] ^= (byte) (1 << random.nextInt(8));
        }
        checkpoint = new Checkpoint(checkpoint.op(), chain, image, checkpoint.clients());
        return true;
    }

    boolean checkpointDamaged() {
        return checkpoint != null && checksumOf(checkpoint) != checkpointChecksum;
    }

    /** CRC32C over everything a checkpoint holds: what the store writes beside it and checks on read. */
    private static int checksumOf(Checkpoint stored) {
        CRC32C crc = new CRC32C();
        ByteBuffer header = ByteBuffer.allocate(16).putLong(stored.op()).putLong(stored.chain());
        crc.update(header.array());
        crc.update(stored.application());
        for (ClientTable.Session session : stored.clients()) {
            crc.update(ByteBuffer.allocate(24).putLong(session.clientId()).putLong(session.requestNumber())
                    .putLong(session.op()).array());
            crc.update(session.result());
        }
        return (int) crc.getValue();
    }

    String describe() {
        return "disk[view " + view + "/" + lastNormalView + " log " + (log.isEmpty() ? "-" : log.firstKey() + ".."
                + log.lastKey()) + " torn " + torn.keySet() + " pending " + pending.size() + " cp "
                + (checkpoint == null ? "-" : checkpoint.op()) + (checkpointDamaged() ? " damaged" : "")
                + (uncertainFrom > 0 ? " unreadable from " + uncertainFrom : "") + "]";
    }

    boolean empty() {
        return log.isEmpty() && checkpoint == null && view == 0;
    }

    /**
     * What a restarting replica's driver reads: torn records at the tail are recognised and dropped; a checkpoint
     * failing its checksum is reported as damage; an entry failing its checksum where the log goes on after it (or
     * that the write it came in completed, which a batch's end record tells) is a hole, named with the chain stored
     * at its op. Runs of damaged entries longer than {@link LogHole#OPS_MAX} are left in the log for the replica's
     * own checks, which make it recover its whole state.
     */
    Loaded load() {
        if (checkpointDamaged()) {
            return new Loaded(null, "checkpoint at op " + checkpoint.op() + " fails its checksum");
        }
        List<LogEntry> entries = new ArrayList<>();
        List<LogHole> holes = new ArrayList<>();
        long checkpointOp = checkpoint == null ? 0 : checkpoint.op();
        long holeStart = -1;
        for (Map.Entry<Long, LogEntry> entry : log.tailMap(checkpointOp, false).entrySet()) {
            long op = entry.getKey();
            if (torn.containsKey(op) || (uncertainFrom > 0 && op >= uncertainFrom)) {
                break;
            }
            if (entry.getValue().checksumValid()) {
                entries.add(entry.getValue());
                continue;
            }
            holeStart = holeStart < 0 ? op : holeStart;
            LogEntry next = log.get(op + 1);
            if (next == null || next.checksumValid() || torn.containsKey(op + 1) || op + 1 == uncertainFrom) {
                if (op - holeStart >= LogHole.OPS_MAX) {
                    // too long a run to repair: the replica's own checks find it and it recovers instead
                    return new Loaded(new DurableState(view, lastNormalView, checkpoint,
                            List.copyOf(log.tailMap(checkpointOp, false).values()), knownCommit()), null);
                }
                holes.add(new LogHole(holeStart, op, chains.get(op)));
                holeStart = -1;
            }
        }
        return new Loaded(new DurableState(view, lastNormalView, checkpoint, entries, knownCommit(), holes,
                uncertainFrom > 0 ? uncertainOps : 0), null);
    }

    /** The commit hint, raised to the op of the recorded members' reconfiguration, which the replica applied. */
    private long knownCommit() {
        return Math.max(commitHint, membershipOp);
    }
}
