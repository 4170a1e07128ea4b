package io.viewkeeper.consensus;

/** Damage the simulator does to replicas' disks, at random in a run or where a scenario places it. */
final class SimCorruption {

    private final Simulation sim;

    SimCorruption(Simulation sim) {
        this.sim = sim;
    }

    /**
     * Damages the checkpoint or one log entry of the node's disk, found when the replica restarts: it recovers
     * its whole state then, so this is a state loss, tolerated at one replica at a time. False when the disk holds
     * no checkpoint or no entry to damage.
     */
    boolean corruptDisk(SimNode node, boolean checkpoint) {
        if (!(checkpoint ? node.disk.corruptCheckpoint(sim.random) : node.disk.corruptOneEntry(sim.random))) {
            return false;
        }
        node.stateAtRisk = true;
        node.startedRecovering = false;
        sim.faults().record(checkpoint ? SimFaults.Kind.CHECKPOINT_CORRUPTED : SimFaults.Kind.ENTRY_CORRUPTED);
        sim.record("disk corruption at r" + node.index + (checkpoint ? " of the checkpoint" : " of a log entry"));
        return true;
    }

    /** Scenario use: damages the stored checkpoint of replica {@code index}; false when it has none. */
    public boolean corruptCheckpoint(int index) {
        return corruptDisk(sim.nodes[index], true);
    }

    /** Damages the last write on replica {@code index}'s disk beyond telling ({@link SimDisk#corruptLastWrite}). */
    public boolean corruptLastWrite(int index) {
        SimNode node = sim.nodes[index];
        if (!node.disk.corruptLastWrite(sim.random)) {
            return false;
        }
        node.stateAtRisk = true;
        node.startedRecovering = false;
        sim.faults().record(SimFaults.Kind.ENTRY_CORRUPTED);
        sim.record("disk corruption at r" + index + " of its last write");
        return true;
    }

    /** Flips a bit of the entry at {@code op} on the disk of replica {@code index}; false when it holds none. */
    public boolean corruptEntry(int index, long op) {
        SimNode node = sim.nodes[index];
        if (!node.disk.corruptEntry(op, sim.random)) {
            return false;
        }
        node.stateAtRisk = true;
        node.startedRecovering = false;
        sim.faults().record(SimFaults.Kind.ENTRY_CORRUPTED);
        sim.record("disk corruption at r" + index + " of op " + op);
        return true;
    }
}
