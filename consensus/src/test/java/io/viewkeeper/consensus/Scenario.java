package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A small DSL over the {@link Simulation} for the classic VR scenarios: a quiet cluster (no random faults) that a
 * test drives step by step: clients write and read, replicas crash, restart and are cut off, and the test runs the
 * cluster until a condition holds. {@link #finishSafely()} runs the liveness phase and every checker.
 */
public final class Scenario {

    private final Simulation sim;

    private Scenario(Simulation sim) {
        this.sim = sim;
    }

    public static Scenario cluster(int replicaCount) {
        return new Scenario(Simulation.scenario(replicaCount, 42));
    }

    public static Scenario cluster(SimSettings settings, Set<PlantedBug> bugs) {
        return new Scenario(new Simulation(42, settings, bugs, true, false));
    }

    /**
     * A quiet group of {@code voters} voters and {@code learners} learners, with {@code spares} nodes beyond them
     * that reconfigurations may add (node i holds slot i).
     */
    public static Scenario changing(int voters, int learners, int spares) {
        return new Scenario(new Simulation(42, SimSettings.quiet(voters).withLearners(learners), Set.of(), true,
                false, spares));
    }

    /**
     * Asks replica {@code at} for a reconfiguration to these voters and learners (node numbers, which are their
     * slots here); returns the op it ordered it at, 0 when forwarded to the primary, -1 when refused outright.
     */
    public long reconfigure(int at, int[] voters, int[] learners) {
        long op = sim.reconfigurer.propose(at, new Membership(0, voters, learners));
        sim.nodes[at].replica.flush();
        return op;
    }

    /** As {@link #reconfigure}, proposed as the change to {@code epoch} (the primary takes only its next one). */
    public long reconfigureAs(int at, long epoch, int[] voters, int[] learners) {
        long op = sim.reconfigurer.propose(at, epoch, new Membership(0, voters, learners));
        sim.nodes[at].replica.flush();
        return op;
    }

    /** What the primary decided on the last reconfiguration asked for, once applied somewhere; null before. */
    public Reconfiguration.Decision lastDecision() {
        return sim.reconfigurer.lastDecision();
    }

    /** The members of the latest epoch any replica applied. */
    public Membership latestMembers() {
        return sim.reconfigurer.latest();
    }

    /** Whether replica {@code index} learned that it was removed and stopped for good. */
    public boolean removed(int index) {
        return sim.nodes[index].retired;
    }

    public Simulation simulation() {
        return sim;
    }

    /** A client attached to {@code replica}; returns its index. */
    public int client(int replica) {
        return sim.clients().add(replica, 0);
    }

    public long write(int client, long key) {
        return sim.clients().write(client, key);
    }

    public void read(int client, long key) {
        sim.clients().read(client, key);
    }

    public void crash(int replica) {
        sim.crash(replica, SimDisk.CrashMode.INTACT);
    }

    public void crash(int replica, SimDisk.CrashMode mode) {
        sim.crash(replica, mode);
    }

    public void restart(int replica) {
        sim.restart(replica);
    }

    public boolean up(int replica) {
        return sim.nodes[replica].up;
    }

    /**
     * Replica {@code replica} crashes with {@code mode} right after its {@code steps}-th durable disk step from now
     * (a log write completing, a truncate, a view state, a checkpoint taken or installed), before it does anything
     * more.
     */
    public void crashAfterDiskSteps(int replica, int steps, SimDisk.CrashMode mode) {
        sim.crashAfterDiskSteps(replica, steps, mode);
    }

    /** Damages the stored checkpoint of {@code replica}; the driver finds it when the replica next restarts. */
    public boolean corruptCheckpoint(int replica) {
        return sim.corruption.corruptCheckpoint(replica);
    }

    /** Damages the entry at {@code op} on the disk of {@code replica}; found when the replica next restarts. */
    public boolean corruptEntry(int replica, long op) {
        return sim.corruption.corruptEntry(replica, op);
    }

    /**
     * Damages the last synced entry of {@code replica}'s disk and the batch end after it, so that its last write
     * reads back as one a crash may have cut short; found when the replica next restarts.
     */
    public boolean corruptLastWrite(int replica) {
        return sim.corruption.corruptLastWrite(replica);
    }

    public SimFaults faults() {
        return sim.faults();
    }

    public void isolate(int replica) {
        sim.isolate(replica);
    }

    public void heal() {
        sim.heal();
    }

    /** Drops every message of {@code type} sent to {@code to}, until {@link #heal()}. */
    public void drop(Class<? extends Message> type, int to) {
        sim.dropWhere(deliver -> deliver.to() == to && type.isInstance(deliver.message()));
    }

    public void runUntilAllNormal() {
        sim.runUntil(this::everyUpReplicaNormal, 3000);
    }

    public void runTicks(int ticks) {
        sim.runTicks(ticks);
    }

    public void runUntil(BooleanSupplier condition) {
        sim.runUntil(condition, 3000);
    }

    public void runUntilDone(int client) {
        sim.runUntil(() -> sim.clients().done(client), 2000);
    }

    /** Writes keys 0 .. {@code count} - 1 from {@code client}, each acknowledged before the next is sent. */
    public void writeKeysInTurn(int client, int count) {
        for (int key = 0; key < count; key++) {
            write(client, key);
            runUntilDone(client);
        }
    }

    /** Runs until a message of {@code type} to replica {@code to} is due, without delivering it. */
    public void runUntilNext(Class<? extends Message> type, int to) {
        sim.runUntilNext(event -> event instanceof Simulation.Deliver d && type.isInstance(d.message())
                && d.to() == to, 2000);
    }

    public void runUntilPrimaryIs(int replica) {
        sim.runUntil(() -> sim.primary() == replica && everyUpReplicaNormal(), 3000);
    }

    private boolean everyUpReplicaNormal() {
        for (SimNode node : sim.nodes) {
            if (node.up && node.replica.status() != Replica.Status.NORMAL) {
                return false;
            }
        }
        return true;
    }

    public int primary() {
        return sim.primary();
    }

    public Replica replica(int index) {
        return sim.replica(index);
    }

    /** Runs the liveness phase and the history checks, and asserts they pass. */
    public void finishSafely() {
        Simulation.Failure failure = sim.finish();
        assertThat(failure).as("trace tail:%n%s", traceTail()).isNull();
    }

    /** Runs {@code steps}, then the liveness phase and the checks; returns the first failure, if any. */
    public Simulation.Failure failureOf(Runnable steps) {
        try {
            steps.run();
        } catch (Simulation.Violation violation) {
            return new Simulation.Failure(violation.kind, violation.getMessage());
        } catch (IllegalStateException exception) {
            return new Simulation.Failure("exception", exception.getMessage());
        }
        return sim.finish();
    }

    public String traceTail() {
        var trace = sim.trace();
        return String.join(System.lineSeparator(), trace.subList(Math.max(0, trace.size() - 60), trace.size()));
    }
}
