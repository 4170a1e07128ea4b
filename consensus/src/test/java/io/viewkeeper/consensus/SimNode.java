package io.viewkeeper.consensus;

import java.util.List;
import java.util.Random;

/**
 * One simulated server: a replica, its application and its disk. It is the replica's {@link Outbox}, the same
 * interface the production driver implements; effects go to the simulated disk, network and clients. Invariant:
 * only the current incarnation's replica is ever called, and persist completions of an older incarnation or of
 * writes overtaken by a truncate are ignored (checked through the disk epoch).
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
    long lastCommit;
    long downUntil;
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
        app = new KvApplication();
        lastCommit = 0;
        Random prng = new Random(sim.random.nextLong());
        if (disk.pristine()) {
            replica = Replica.pristine(sim.configuration(index), sim.options, this, prng, sim.bugs);
        } else if (loaded == null) {
            replica = new Replica(sim.configuration(index), sim.options, this, prng, 0, sim.bugs);
        } else if (loaded.damage() != null) {
            sim.onCheckpointDamageFound(this, loaded.damage());
            replica = Replica.recovering(sim.configuration(index), sim.options, this, prng, sim.bugs);
        } else {
            DurableState durable = loaded.durable();
            if (durable.checkpoint() != null) {
                app.restore(durable.checkpoint().op(), durable.checkpoint().application());
            }
            replica = Replica.restart(sim.configuration(index), sim.options, this, prng, durable, sim.bugs);
        }
        startedRecovering = replica.status() == Replica.Status.RECOVERING;
        if (startedRecovering) {
            stateAtRisk = true;
        }
        lastCommit = replica.commitNumber();
    }

    void crash(SimDisk.CrashMode mode) {
        up = false;
        disk.crash(mode, sim.random);
        if (mode == SimDisk.CrashMode.WIPED) {
            stateAtRisk = true;
        }
    }

    @Override
    public void persist(List<LogEntry> entries) {
        long at = disk.write(entries, sim.now, 1 + sim.random.nextInt(sim.settings.diskDelayTicksMax()));
        sim.schedule(at, new Simulation.PersistDone(index, incarnation, disk.epoch()));
    }

    @Override
    public void commit(LogEntry entry) {
        throw new IllegalStateException("the simulator applies through apply()");
    }

    @Override
    public byte[] apply(LogEntry entry) {
        sim.onApply(this, entry);
        app.apply(entry);
        return NO_RESULT;
    }

    @Override
    public void send(int replicaIndex, Message message) {
        sim.send(index, replicaIndex, message);
    }

    @Override
    public void reply(long clientId, long requestNumber, long op, byte[] result) {
        sim.clients.onReply(index, clientId, requestNumber, op);
    }

    @Override
    public void readReady(long readId) {
        sim.clients.onReadReady(index, readId);
    }

    @Override
    public void truncate(long lastOpKept) {
        disk.truncate(lastOpKept);
    }

    @Override
    public void persistViewState(long view, long lastNormalView) {
        disk.persistViewState(view, lastNormalView);
    }

    @Override
    public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients) {
        byte[] snapshot = app.snapshot(op);
        disk.saveCheckpoint(new Checkpoint(op, chain, snapshot, clients));
        return snapshot;
    }

    @Override
    public void installCheckpoint(Checkpoint checkpoint) {
        app.restore(checkpoint.op(), checkpoint.application());
        disk.installCheckpoint(checkpoint);
    }

    @Override
    public void release(long op) {
        disk.release(op);
    }
}
