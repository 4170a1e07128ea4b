package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One simulated server: a replica, its application and its disk. It is the replica's {@link Outbox}, the same
 * interface the production driver implements; effects go to the simulated disk, network and clients. Invariant:
 * only the current incarnation's replica is ever called, and persist completions of an older incarnation or of
 * writes overtaken by a truncate are ignored (checked through the disk epoch). Once a crash point is reached
 * ({@link #crashPoint}) the node is dead to the world: the replica may still be inside the handler that reached
 * it, but nothing it does after that step reaches the disk, the network or the clients, and the simulation
 * crashes the node before anything else happens.
 */
final class SimNode implements Outbox {

    final Simulation sim;
    final int index;
    final SimDisk disk;
    Replica replica;
    KvApplication app;
    boolean up;
    boolean stateAtRisk;
    boolean startedRecovering;
    int incarnation;
    /** The disk step this incarnation crashed right after, or null while it runs. */
    SimDisk.Step crashPoint;
    /** Scenario use: crash right after this many more disk steps (0: no scripted crash point). */
    int crashAfterSteps;
    SimDisk.CrashMode scriptedCrashMode;
    /** A synchronous disk step happened since the last log write completed: the next completion may crash. */
    boolean syncStepSinceLogWrite;
    long lastCommit;
    long downUntil;
    /**
     * The latest members this node recorded, kept beside its disk as a server's configuration file is (a wiped disk
     * loses the record, not this): a wiped replica starts from them instead of the members it first started with.
     * Null until it records any.
     */
    Membership knownMembership;
    /** Removed from the group: stopped for good. */
    boolean retired;
    /** A spare node that has not joined the group yet (it holds no replica). */
    boolean spare;
    double tickRate = 1.0;

    SimNode(Simulation sim, int index) {
        this.sim = sim;
        this.index = index;
        this.disk = new SimDisk(sim.settings.pristineStart());
    }

    /**
     * Starts a replica: {@link Replica#pristine} on a pristine disk (every replica at the start of a run whose
     * settings say so, and a wiped one); a replica of a new group at the start of any other run ({@code loaded}
     * null); {@link Replica#recovering} when the disk failed the driver's checks, as the production driver does,
     * so that it recovers its whole state from its peers (§4.3) rather than vote or serve from damaged state;
     * {@link Replica#restart} from the disk otherwise.
     */
    void start(SimDisk.Loaded loaded) {
        incarnation++;
        up = true;
        replica = null;
        crashPoint = null;
        syncStepSinceLogWrite = false;
        app = new KvApplication();
        lastCommit = 0;
        Random prng = new Random(sim.random.nextLong());
        Membership members = disk.membership() != null ? disk.membership() : knownMembership;
        if (members != null && !members.isMember(sim.slots.slotOf(index))) {
            // its record says it was removed: its driver does not start it again
            retired = true;
            up = false;
            return;
        }
        ReplicaConfiguration configuration = members == null ? sim.configuration(index)
                : ReplicaConfiguration.of(members, sim.slots.slotOf(index), 8);
        if (disk.pristine() || loaded == null && configuration.epoch() > 0) {
            // a spare joining a group that changed: a new replica of a later epoch, started as a join
            replica = ReplicaStarts.pristine(configuration, sim.options, this, prng, sim.bugs);
        } else if (loaded == null) {
            replica = new Replica(configuration, sim.options, this, prng, 0, sim.bugs);
        } else if (loaded.damage() != null) {
            sim.onCheckpointDamageFound(this, loaded.damage());
            replica = ReplicaStarts.recovering(configuration, sim.options, this, prng, sim.bugs);
        } else {
            DurableState durable = loaded.durable();
            if (durable.checkpoint() != null) {
                app.restore(durable.checkpoint().op(), durable.checkpoint().application());
            }
            replica = ReplicaStarts.restart(configuration, sim.options, this, prng, durable, sim.bugs);
        }
        startedRecovering = replica.status() == Replica.Status.RECOVERING
                || replica.status() == Replica.Status.REPAIRING;
        if (startedRecovering) {
            stateAtRisk = true;
        }
        lastCommit = replica.commitNumber();
    }

    void crash(SimDisk.CrashMode mode) {
        up = false;
        // An unreadable last write is resolved with the peers; one replica at a time, as state losses are: two
        // such replicas and a third that gives up into recovery and crashes meanwhile can wait on each other.
        disk.crash(mode, sim.random, sim.noneAtRisk());
        if (disk.uncertainTail()) {
            stateAtRisk = true;
        }
        // a wiped learner starts afresh (Replica#pristine): a quorum never counted on its state
        if (mode == SimDisk.CrashMode.WIPED && (index < sim.settings.replicaCount() || sim.reconfigurer.active())) {
            // (a learner may be made a voter before it caught up again: in runs that reconfigure, its state counts)
            stateAtRisk = true;
        }
    }

    /** Whether this incarnation is past its crash point: its effects no longer reach anything. */
    private boolean dead() {
        return crashPoint != null;
    }

    @Override
    public void persist(List<LogEntry> entries) {
        if (dead()) {
            return;
        }
        disk.noteCommitHint(replica.commitTarget());
        long[] chains = new long[entries.size()];
        for (int i = 0; i < chains.length; i++) {
            chains[i] = replica.chainAt(entries.get(i).op());
        }
        long at = disk.write(entries, chains, sim.now, 1 + sim.random.nextInt(sim.settings.diskDelayTicksMax()));
        sim.schedule(at, new Simulation.PersistDone(index, incarnation, disk.epoch()));
    }

    @Override
    public void commit(LogEntry entry) {
        throw new IllegalStateException("the simulator applies through apply()");
    }

    @Override
    public byte[] apply(LogEntry entry) {
        if (dead()) {
            return NO_RESULT;
        }
        sim.onApply(this, entry);
        app.apply(entry);
        return NO_RESULT;
    }

    @Override
    public void send(int replicaIndex, Message message) {
        if (dead()) {
            return;
        }
        sim.send(index, sim.slots.nodeOf(replicaIndex), message);
    }

    @Override
    public void reply(long clientId, long requestNumber, long op, byte[] result) {
        if (dead()) {
            return;
        }
        if (clientId == Reconfiguration.CLIENT) {
            sim.onReconfigurationReply(this, requestNumber, op);
            return;
        }
        sim.clients.onReply(index, clientId, requestNumber, op);
    }

    @Override
    public void readReady(long readId) {
        if (dead()) {
            return;
        }
        if (!replica.inQuorumContact()) {
            // The frontend answers session resumes on this barrier: a cut-off replica must never pass one.
            throw new Simulation.Violation("cut-off-read", "r" + index + " served a read " + replica
                    .ticksSinceQuorumContact() + " ticks after its last quorum contact");
        }
        sim.clients.onReadReady(index, readId);
    }

    @Override
    public void truncate(long lastOpKept) {
        if (dead()) {
            return;
        }
        disk.truncate(lastOpKept);
        sim.afterDiskStep(this, SimDisk.Step.TRUNCATE);
    }

    @Override
    public void repairLog(List<LogEntry> entries, long[] chains) {
        if (dead()) {
            return;
        }
        disk.repair(entries, chains);
        sim.onRepaired(this, entries);
        sim.afterDiskStep(this, SimDisk.Step.REPAIR);
    }

    @Override
    public void resolveTail(List<LogEntry> entries, long[] chains) {
        if (dead()) {
            return;
        }
        disk.resolveTail(entries, chains);
        sim.onTailResolved(this, entries);
        sim.afterDiskStep(this, SimDisk.Step.REPAIR);
    }

    @Override
    public void persistViewState(long view, long lastNormalView) {
        if (dead()) {
            return;
        }
        disk.persistViewState(view, lastNormalView);
        sim.afterDiskStep(this, SimDisk.Step.VIEW_STATE);
    }

    @Override
    public void persistMembership(Membership membership, long op) {
        if (dead()) {
            return;
        }
        disk.persistMembership(membership, op);
        knownMembership = membership;
        sim.record("r" + index + " records " + membership + " at op " + op);
        sim.afterDiskStep(this, SimDisk.Step.VIEW_STATE);
    }

    @Override
    public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients, Membership membership) {
        if (dead()) {
            return null;
        }
        byte[] snapshot = app.snapshot(op);
        sim.snapshotsTaken.put(List.of(op, (long) CheckpointRef.checksum(snapshot, snapshot.length)), snapshot);
        Checkpoint checkpoint = new Checkpoint(op, chain, snapshot, clients, membership);
        if (sim.checkpointsSavedLater) {
            sim.schedule(sim.now + 1 + sim.random.nextInt(sim.settings.diskDelayTicksMax()),
                    new Simulation.CheckpointSaved(index, incarnation, checkpoint));
            return Outbox.SAVING;
        }
        disk.saveCheckpoint(checkpoint);
        sim.afterDiskStep(this, SimDisk.Step.CHECKPOINT);
        return snapshot;
    }

    /** A checkpoint taken here is saved now, unless the disk holds a later one (installed meanwhile). */
    void saveLater(Checkpoint checkpoint) {
        if (disk.checkpoint() != null && disk.checkpoint().op() >= checkpoint.op()) {
            return;
        }
        disk.saveCheckpoint(checkpoint);
        sim.afterDiskStep(this, SimDisk.Step.CHECKPOINT);
    }

    /**
     * Stands for a driver that finds blocks of an offered snapshot in what it holds: once a few bytes of the snapshot
     * are here (its "manifest"), a few random parts of the true snapshot, some overlapping, and now and then one with
     * a byte wrong (a basis that fooled the driver), which the checksum of the whole must catch.
     */
    @Override
    public List<HeldPart> heldParts(CheckpointRef ref, byte[] prefix, int length) {
        byte[] snapshot = sim.snapshotsTaken.get(List.of(ref.op(), (long) ref.checksum()));
        if (dead() || sim.basis == Simulation.Basis.NONE || snapshot == null || snapshot.length != ref.bytes()
                || snapshot.length < 2) {
            return List.of();
        }
        if (length < Math.min(snapshot.length, 6)) {
            return null;
        }
        if (sim.basis != Simulation.Basis.RANDOM) {
            // the rest in touching blocks of a few bytes each, as a driver's blocks come, every fifth one not held
            List<HeldPart> blocks = new ArrayList<>();
            int block = 0;
            for (int at = length; at < snapshot.length; block++) {
                int end = Math.min(snapshot.length, at + 1 + sim.random.nextInt(7));
                if (block % 5 != 4) {
                    blocks.add(new HeldPart(at, Arrays.copyOfRange(snapshot, at, end)));
                    sim.bytesHeld += end - at;
                }
                at = end;
            }
            if (sim.basis == Simulation.Basis.WRONG && !blocks.isEmpty()) {
                blocks.get(blocks.size() - 1).bytes()[0] ^= 1;
            }
            return blocks;
        }
        List<HeldPart> parts = new ArrayList<>();
        for (int i = sim.random.nextInt(4); i > 0; i--) {
            int offset = sim.random.nextInt(snapshot.length);
            byte[] bytes = Arrays.copyOfRange(snapshot, offset,
                    offset + 1 + sim.random.nextInt(snapshot.length - offset));
            if (sim.random.nextInt(8) == 0) {
                bytes[sim.random.nextInt(bytes.length)] ^= 1;
            }
            parts.add(new HeldPart(offset, bytes));
        }
        return parts;
    }

    /**
     * Half the time the whole snapshot is "built aside", as the server does for a large tree: not ready now, handed
     * to the replica a few ticks later (unless it crashed meanwhile), while the requesters ask again.
     */
    @Override
    public Checkpoint checkpointForTransfer(Checkpoint checkpoint) {
        if (checkpoint.application().length == 0 && checkpoint.op() > 0) {
            // saved later: the replica holds a token, the disk the snapshot, as the server's store does
            Checkpoint saved = disk.checkpoint();
            if (saved == null || saved.op() != checkpoint.op()) {
                throw new IllegalStateException("r" + index + " offers checkpoint " + checkpoint.op()
                        + " but its disk holds " + (saved == null ? "none" : "op " + saved.op()));
            }
            if (disk.checkpointDamaged()) {
                return null; // the server's store fails its records' checks: nothing to send, the peer asks again
            }
            checkpoint = new Checkpoint(checkpoint.op(), checkpoint.chain(), saved.application(),
                    checkpoint.clients(), checkpoint.membership());
        }
        if (dead() || sim.random.nextBoolean()) {
            return checkpoint;
        }
        sim.schedule(sim.now + 1 + sim.random.nextInt(8), new Simulation.TransferImageReady(index, incarnation,
                checkpoint));
        return null;
    }

    @Override
    public void installCheckpoint(Checkpoint checkpoint) {
        if (dead()) {
            return;
        }
        app.restore(checkpoint.op(), checkpoint.application());
        disk.installCheckpoint(checkpoint);
        sim.afterDiskStep(this, SimDisk.Step.CHECKPOINT_INSTALL);
    }

    @Override
    public void release(long op) {
        if (!dead()) {
            disk.release(op);
        }
    }
}
