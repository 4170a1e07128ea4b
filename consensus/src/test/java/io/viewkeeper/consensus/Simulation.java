package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A deterministic cluster simulator: every replica, disk, network link and client in one thread, driven by one
 * seeded PRNG and one event queue ordered by (tick, sequence). The same seed and settings give the same history,
 * event by event; {@link #traceHash()} fingerprints it. After every event it checks the cross-replica invariants;
 * {@link #finish()} runs the liveness phase and the linearizability check. Tests drive it either randomly
 * ({@link #runRandom()}) or step by step through the scenario methods.
 */
public final class Simulation {

    /** Why a run failed: a short kind (used by shrinking to keep the same failure) and a detail. */
    public record Failure(String kind, String detail) {
        @Override
        public String toString() {
            return kind + ": " + detail;
        }
    }

    /** Thrown inside the simulation when a checker finds a violation. */
    static final class Violation extends RuntimeException {
        final String kind;

        Violation(String kind, String detail) {
            super(detail);
            this.kind = kind;
        }
    }

    sealed interface Event {
    }

    record Deliver(int from, int to, Message message) implements Event {
    }

    record PersistDone(int node, int incarnation, long epoch) implements Event {
    }

    /** A checkpoint's whole snapshot, built aside for transfer, is ready at its replica (if it still runs). */
    record TransferImageReady(int node, int incarnation, Checkpoint checkpoint) implements Event {
    }

    /** A checkpoint saved after the call that took it ({@link Outbox#SAVING}) is durable, if its replica still runs. */
    record CheckpointSaved(int node, int incarnation, Checkpoint checkpoint) implements Event {
    }

    /**
     * The driver of replica {@code node} learns that replica {@code peer} went away, as a production driver does
     * from its connections: a refused dial (nothing listens) or an unreachable peer (the connection dropped).
     */
    record PeerDown(int node, int peer, boolean refused) implements Event {
    }

    private record Scheduled(long tick, long sequence, Event event) {
    }

    /**
     * Checkpoints travel in chunks this small, which splits the key-value snapshot (16-byte records after an 8-byte
     * op) across records, so that every transfer takes many chunks and any of them can be lost or damaged.
     */
    static final int SIM_CHUNK_BYTES = 20;
    static final int SIM_CHUNK_WINDOW = 3;
    /** Committed ops applied per call, drawn per seed: small values make most commits span several calls. */
    private static final int[] APPLY_OPS_MAX = {1, 2, 5, ReplicaOptions.APPLY_OPS_MAX_DEFAULT};

    final long seed;
    final SimSettings settings;
    final Set<PlantedBug> bugs;
    final Random random;
    final ReplicaOptions options;
    final SimNetwork network;
    final SimNode[] nodes;
    final SimSlots slots;
    final SimClients clients;
    final SimReconfigurer reconfigurer;
    final SimCorruption corruption = new SimCorruption(this);
    private final SimFaults faults = new SimFaults();
    private final PriorityQueue<Scheduled> events = new PriorityQueue<>((a, b) -> a.tick() != b.tick()
            ? Long.compare(a.tick(), b.tick()) : Long.compare(a.sequence(), b.sequence()));
    private final TreeMap<Long, LogEntry> committed = new TreeMap<>();
    private final Map<Long, Long> executedAt = new HashMap<>();
    /** What a replica's driver holds of a checkpoint offered to it ({@link SimNode#heldParts}). */
    enum Basis {
        /** Nothing. */
        NONE,
        /** A few random parts, now and then one wrong. */
        RANDOM,
        /** All of it after the first bytes, in touching blocks of a few bytes, but every fifth block. */
        WHOLE,
        /** The same, with a byte of the last block wrong. */
        WRONG
    }

    Basis basis = Basis.RANDOM;
    /** Whether drivers save checkpoints after the call that takes them, as the server does (half the random runs). */
    final boolean checkpointsSavedLater;
    /** Bytes of held parts the drivers named, with {@link Basis#WHOLE} and {@link Basis#WRONG}. */
    long bytesHeld;
    /** Every application snapshot a replica took, by op and checksum, for {@link SimNode#heldParts}. */
    final Map<List<Long>, byte[]> snapshotsTaken = new HashMap<>();
    private final Map<Long, Integer> primaryOfView = new HashMap<>();
    private final Map<Class<?>, Integer> deliveredByType = new HashMap<>();
    private final List<String> trace;
    private long sequence;
    private long traceHash = 17;
    private Predicate<Deliver> dropFilter;
    long now;
    boolean faultsOn;
    long eventCount;

    /** A run whose members take slots drawn from the seed: half the seeds, random distinct slots in random order. */
    public Simulation(long seed, SimSettings settings, Set<PlantedBug> bugs, boolean tracing) {
        this(seed, settings, bugs, tracing, true);
    }

    /**
     * A run; {@code drawSlots} false gives node i slot i (the scenarios name replicas by slot), true draws them from
     * the seed, so that the primary's rotation and every message's sender follow slots, not node numbers.
     */
    Simulation(long seed, SimSettings settings, Set<PlantedBug> bugs, boolean tracing, boolean drawSlots) {
        this(seed, settings, bugs, tracing, drawSlots,
                drawSlots && Math.floorMod(SimNetwork.mix(seed, 0x2545F4914F6CDD1DL, 17), 3) == 0 ? 2 : 0);
    }

    /**
     * A run with {@code spares} nodes beyond the members, which reconfigurations may add; with spares and drawn
     * slots (a third of the random runs) an operator reconfigures the group at random ({@link SimReconfigurer}).
     */
    Simulation(long seed, SimSettings settings, Set<PlantedBug> bugs, boolean tracing, boolean drawSlots,
               int spares) {
        this.seed = seed;
        boolean reconfiguring = drawSlots && spares > 0;
        this.slots = new SimSlots(seed, settings.replicaCount(), settings.learnerCount(), spares, drawSlots);
        this.settings = settings;
        this.bugs = bugs.isEmpty() ? EnumSet.noneOf(PlantedBug.class) : EnumSet.copyOf(bugs);
        this.random = new Random(SimNetwork.mix(seed, 0x2545F4914F6CDD1DL, 7));
        this.checkpointsSavedLater = drawSlots && Math.floorMod(SimNetwork.mix(seed, 0x9E3779B97F4A7C15L, 13), 2) == 0;
        this.trace = tracing ? new ArrayList<>() : null;
        this.options = new ReplicaOptions(32, 3, 20, 6, 64, settings.checkpointIntervalOps(),
                settings.logRetainedOpsMax(), 64, true).withCheckpointChunks(SIM_CHUNK_BYTES, SIM_CHUNK_WINDOW)
                .withApplyOpsMax(APPLY_OPS_MAX[(int) Math.floorMod(SimNetwork.mix(seed, 0x5DEECE66DL, 11),
                        (long) APPLY_OPS_MAX.length)]);
        int members = settings.replicaCount() + settings.learnerCount();
        this.network = new SimNetwork(members + spares);
        this.nodes = new SimNode[members + spares];
        this.reconfigurer = new SimReconfigurer(this, reconfiguring);
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new SimNode(this, i);
            nodes[i].tickRate = random.nextDouble() < settings.slowClockProbability()
                    ? 0.4 + 0.5 * random.nextDouble() : 1.0;
            nodes[i].spare = i >= members;
            if (!nodes[i].spare) {
                nodes[i].start(null);
            }
        }
        this.clients = new SimClients(this);
        for (int c = 0; c < settings.clientCount(); c++) {
            clients.add(random.nextInt(nodes.length), settings.opsPerClient());
        }
    }

    /** A quiet cluster for scenario tests. */
    public static Simulation scenario(int replicaCount, long seed) {
        return new Simulation(seed, SimSettings.quiet(replicaCount), Set.of(), true, false);
    }

    /** Messages of this type delivered to a running replica so far. */
    public int delivered(Class<? extends Message> type) {
        return deliveredByType.getOrDefault(type, 0);
    }

    /** NewState and RecoveryResponse messages offering a checkpoint delivered so far. */
    public int checkpointTransfers() {
        return deliveredByType.getOrDefault(Checkpoint.class, 0);
    }

    ReplicaConfiguration configuration(int index) {
        return slots.configuration(index);
    }

    // ------------------------------------------------------------------ running

    /** The whole random run: safety phase with faults, liveness phase healed, then the history check. */
    public Failure runRandom() {
        try {
            faultsOn = true;
            while (now < settings.safetyTicks()) {
                step();
            }
            return finish();
        } catch (Violation violation) {
            return new Failure(violation.kind, violation.getMessage() + " (tick " + now + ")");
        } catch (RuntimeException exception) {
            return new Failure("exception", exception + " at " + where(exception) + " (tick " + now + ")");
        }
    }

    /**
     * Liveness then checks: faults stop, partitions heal, every replica restarts, each client issues two more
     * requests; the cluster must converge to one commit number and state digest within the tick bound.
     */
    public Failure finish() {
        try {
            faultsOn = false;
            heal();
            for (SimNode node : nodes) {
                restart(node.index);
            }
            clients.extendQuotas(2);
            long deadline = now + settings.livenessTicksMax();
            while (!(clients.idle() && converged())) {
                if (now >= deadline) {
                    throw new Violation("liveness", "no convergence within " + settings.livenessTicksMax()
                            + " ticks: " + describeReplicas() + " clients " + clients.describe() + "; "
                            + reconfigurer.describe());
                }
                step();
            }
            LinearizabilityChecker.Result result = new LinearizabilityChecker(2_000_000).check(clients.history());
            if (!result.linearizable()) {
                throw new Violation("linearizability", "history of key " + result.failedKey()
                        + " is not linearizable");
            }
            return null;
        } catch (Violation violation) {
            return new Failure(violation.kind, violation.getMessage() + " (tick " + now + ")");
        } catch (RuntimeException exception) {
            return new Failure("exception", exception + " at " + where(exception) + " (tick " + now + ")");
        }
    }

    private static String where(RuntimeException exception) {
        StackTraceElement[] stack = exception.getStackTrace();
        return stack.length == 0 ? "?" : stack[0].getClassName().replaceAll(".*\\.", "") + ":"
                + stack[0].getLineNumber();
    }

    /** One step: the next event due at this tick, or the start of the next tick when none is due. */
    public void step() {
        Scheduled head = events.peek();
        if (head != null && head.tick() <= now) {
            events.poll();
            eventCount++;
            handle(head.event());
            crashAtCrashPoints();
            checkInvariants();
        } else {
            tick();
        }
    }

    public void runTicks(int ticks) {
        long end = now + ticks;
        while (now < end || dueEvent() != null) {
            step();
        }
    }

    /** Steps until the condition holds; fails the test after {@code ticksMax} ticks. */
    public void runUntil(BooleanSupplier condition, int ticksMax) {
        long deadline = now + ticksMax;
        while (!condition.getAsBoolean()) {
            if (now > deadline) {
                throw new AssertionError("condition not reached within " + ticksMax + " ticks: "
                        + describeReplicas());
            }
            step();
        }
    }

    /** Steps until the next due event matches, leaving it undelivered (to crash or cut just before it). */
    public void runUntilNext(Predicate<Event> match, int ticksMax) {
        long deadline = now + ticksMax;
        while (dueEvent() == null || !match.test(dueEvent())) {
            if (now > deadline) {
                throw new AssertionError("no matching event within " + ticksMax + " ticks");
            }
            step();
        }
    }

    Event dueEvent() {
        Scheduled head = events.peek();
        return head != null && head.tick() <= now ? head.event() : null;
    }

    private void tick() {
        now++;
        hash(0, now, 0);
        if (faultsOn) {
            injectFaults();
        }
        reconfigurer.onTick();
        for (SimNode node : nodes) {
            if (node.up && (node.tickRate >= 1 || random.nextDouble() < node.tickRate)) {
                node.replica.onTick();
                node.replica.flush();
            }
        }
        clients.onTick();
        for (SimNode node : nodes) {
            if (node.up) {
                node.replica.flush();
            }
        }
        crashAtCrashPoints();
        checkInvariants();
    }

    private void handle(Event event) {
        switch (event) {
            case Deliver d -> {
                SimNode node = nodes[d.to()];
                hash(1, d.to(), SimNetwork.digest(d.message()));
                if (node.up) {
                    record("deliver r" + d.from() + "->r" + d.to() + " " + d.message());
                    deliveredByType.merge(d.message().getClass(), 1, Integer::sum);
                    boolean offer = d.message() instanceof Message.NewState state && state.checkpoint() != null
                            || d.message() instanceof Message.RecoveryResponse answer && answer.checkpoint() != null;
                    if (offer) {
                        deliveredByType.merge(Checkpoint.class, 1, Integer::sum);
                    }
                    node.replica.onMessage(d.message());
                    node.replica.flush();
                }
            }
            case PersistDone p -> {
                SimNode node = nodes[p.node()];
                hash(2, p.node(), p.epoch());
                if (node.up && node.incarnation == p.incarnation() && node.disk.epoch() == p.epoch()) {
                    long op = node.disk.completeOldest();
                    if (op >= 0) {
                        record("persisted r" + p.node() + " op " + op);
                        afterDiskStep(node, SimDisk.Step.LOG_WRITE);
                        node.replica.onPersisted(op);
                        node.replica.flush();
                    }
                }
            }
            case PeerDown down -> {
                SimNode node = nodes[down.node()];
                hash(5, down.node(), down.peer());
                if (node.up) {
                    record("r" + down.node() + " finds r" + down.peer() + (down.refused() ? " refusing" : " unreachable"));
                    if (down.refused()) {
                        node.replica.onPeerRefused(down.peer());
                    } else {
                        node.replica.onPeerUnreachable(down.peer());
                    }
                    node.replica.flush();
                }
            }
            case CheckpointSaved c -> {
                SimNode node = nodes[c.node()];
                hash(6, c.node(), c.checkpoint().op());
                if (node.up && node.incarnation == c.incarnation()) {
                    // one save in eight fails (a disk error the driver reports): nothing is written
                    boolean durable = random.nextInt(8) != 0;
                    record("checkpoint " + (durable ? "saved" : "save failed") + " r" + c.node() + " op "
                            + c.checkpoint().op());
                    if (durable) {
                        node.saveLater(c.checkpoint());
                    }
                    if (node.up && node.incarnation == c.incarnation()) {
                        node.replica.onCheckpointSaved(c.checkpoint().op(), durable);
                        node.replica.flush();
                    }
                }
            }
            case TransferImageReady t -> {
                SimNode node = nodes[t.node()];
                hash(3, t.node(), t.checkpoint().op());
                if (node.up && node.incarnation == t.incarnation()) {
                    record("transfer image ready r" + t.node() + " op " + t.checkpoint().op());
                    node.replica.onTransferImageReady(t.checkpoint());
                    node.replica.flush();
                }
            }
        }
    }

    void schedule(long tick, Event event) {
        events.add(new Scheduled(tick, sequence++, event));
    }

    /** A message leaves replica {@code from}: the network may cut, drop, damage, delay or duplicate it. */
    void send(int from, int to, Message message) {
        if (!network.delivers(from, to) || (dropFilter != null && dropFilter.test(new Deliver(from, to, message)))) {
            return;
        }
        if (faultsOn && random.nextDouble() < settings.dropProbability()) {
            return;
        }
        Message sent = faultsOn && random.nextDouble() < settings.corruptMessageProbability()
                ? SimNetwork.corrupt(message, random) : message;
        schedule(now + 1 + random.nextInt(settings.deliveryDelayTicksMax()), new Deliver(from, to, sent));
        if (faultsOn && random.nextDouble() < settings.duplicateProbability()) {
            schedule(now + 1 + random.nextInt(settings.deliveryDelayTicksMax()), new Deliver(from, to, sent));
        }
    }

    // ------------------------------------------------------------------ faults

    private void injectFaults() {
        if (network.healIfDue(now)) {
            record("partition healed");
        }
        if (!network.partitioned() && random.nextDouble() < settings.partitionProbability()) {
            network.partitionRandomly(random, now, 10 + random.nextInt(150), Math.max(0, primary()));
            record("partition " + network.describe());
        }
        for (SimNode node : nodes) {
            if (node.up && (!votersDownBeyondF() || learner(node)) && random.nextDouble() < settings.crashProbability()) {
                SimDisk.CrashMode mode = chooseCrashMode();
                crash(node.index, mode);
                node.downUntil = now + 5 + random.nextInt(120);
            } else if (!node.up && now >= node.downUntil) {
                restart(node.index);
            }
        }
        if (noneAtRisk() && random.nextDouble() < settings.diskCorruptProbability() / 100) {
            corruption.corruptDisk(nodes[random.nextInt(nodes.length)], random.nextBoolean());
        }
    }

    private SimDisk.CrashMode chooseCrashMode() {
        if (noneAtRisk() && random.nextDouble() < settings.wipeProbability()) {
            return SimDisk.CrashMode.WIPED;
        }
        return chooseCrashModeKeepingDisk();
    }

    private SimDisk.CrashMode chooseCrashModeKeepingDisk() {
        return switch (random.nextInt(3)) {
            case 0 -> SimDisk.CrashMode.INTACT;
            case 1 -> SimDisk.CrashMode.UNSYNCED_LOST;
            default -> SimDisk.CrashMode.TORN_WRITE;
        };
    }

    /** State loss is tolerated at one replica at a time: the protocol assumes at most f replicas fail. */
    boolean noneAtRisk() {
        for (SimNode node : nodes) {
            if (node.stateAtRisk) {
                return false;
            }
        }
        return true;
    }

    /** Whether more than f voters are down in the latest epoch or the one before. */
    private boolean votersDownBeyondF() {
        for (Membership members : reconfigurer.recent()) {
            int down = 0;
            for (SimNode node : nodes) {
                down += !node.up && members.isVoter(slots.slotOf(node.index)) ? 1 : 0;
            }
            if (down > (members.voters().length - 1) / 2) {
                return true;
            }
        }
        return false;
    }

    /** Not a voter of the latest epoch or the one before: its crashes do not count against a quorum. */
    private boolean learner(SimNode node) {
        return !reconfigurer.countsAsVoter(node);
    }

    public void crash(int index, SimDisk.CrashMode mode) {
        SimNode node = nodes[index];
        if (!node.up) {
            return;
        }
        record("crash r" + index + " " + mode + " " + node.disk.describe());
        hash(3, index, mode.ordinal());
        faults.record(SimFaults.crash(mode));
        node.crash(mode);
        for (SimNode other : nodes) {
            if (other.up && network.delivers(index, other.index)) {
                schedule(now + 1 + random.nextInt(settings.deliveryDelayTicksMax()),
                        new PeerDown(other.index, index, random.nextBoolean()));
            }
        }
    }

    public void restart(int index) {
        SimNode node = nodes[index];
        if (node.up || node.spare || node.retired) {
            return;
        }
        hash(4, index, node.incarnation);
        node.start(node.disk.load());
        record("restart r" + index + " as " + node.replica + " from " + node.disk.describe());
        crashAtCrashPoints();
    }

    /**
     * The replica repaired damaged log entries from its peers: each must be what the disk held (maybe a stale entry
     * of an older view), or else, where the op is committed, the committed entry.
     */
    void onRepaired(SimNode node, List<LogEntry> entries) {
        faults.record(SimFaults.Kind.ENTRY_REPAIRED);
        for (LogEntry entry : entries) {
            LogEntry held = node.disk.beforeDamage(entry.op());
            LogEntry expected = held != null ? held : committed.get(entry.op());
            if (expected != null && !expected.equals(entry)) {
                throw new Violation("bad-repair", "r" + node.index + " repaired op " + entry.op() + " with " + entry
                        + " but " + expected + (held != null ? " was held" : " is committed") + " there");
            }
        }
        record("r" + node.index + " repaired ops " + entries.get(0).op() + ".." + entries.get(entries.size() - 1).op()
                + " from its peers");
    }

    /** The node resolved its unreadable last write with its peers, taking {@code entries} from them. */
    void onTailResolved(SimNode node, List<LogEntry> entries) {
        faults.record(SimFaults.Kind.TAIL_RESOLVED);
        for (LogEntry entry : entries) {
            LogEntry committedThere = committed.get(entry.op());
            if (committedThere != null && !committedThere.equals(entry)) {
                throw new Violation("bad-tail", "r" + node.index + " took op " + entry.op() + " as " + entry
                        + " but " + committedThere + " is committed there");
            }
        }
        record("r" + node.index + " resolved its unreadable last write, taking " + entries.size() + " ops");
    }

    /** The driver found damage on the node's disk as it restarted: the replica recovers instead (§4.3). */
    void onCheckpointDamageFound(SimNode node, String damage) {
        faults.record(SimFaults.Kind.CHECKPOINT_DAMAGE_FOUND);
        record("r" + node.index + " disk damaged (" + damage + "): the replica recovers from its peers");
    }

    /**
     * A crash point: a crash right after a durable step of the driver, before the replica does anything more, so
     * that the disk holds one step of a protocol action and not the next: a truncate without the view state that
     * follows it, a view state without the log of its StartView, an installed checkpoint without the view state
     * that ends recovery, a durable log write without the view state the replica writes on hearing of it. In a
     * random run every synchronous step, and the first log write completing after one, is a crash point with the
     * settings' probability, where {@link #crashPointAllowed} says it may land; a scenario places one exactly
     * ({@link #crashAfterDiskSteps}).
     */
    void afterDiskStep(SimNode node, SimDisk.Step step) {
        boolean candidate = step != SimDisk.Step.LOG_WRITE || node.syncStepSinceLogWrite;
        node.syncStepSinceLogWrite = step != SimDisk.Step.LOG_WRITE;
        boolean crash;
        if (node.crashAfterSteps > 0) {
            node.crashAfterSteps--;
            crash = node.crashAfterSteps == 0;
        } else {
            // a repair is rare (a damaged record between intact ones, at a restart): its crash point is four times
            // as likely as the others, so that a run of a few thousand seeds still crashes right after some
            double probability = step == SimDisk.Step.REPAIR ? Math.min(1, 4 * settings.crashPointProbability())
                    : settings.crashPointProbability();
            crash = faultsOn && candidate && probability > 0 && crashPointAllowed(node)
                    && random.nextDouble() < probability;
        }
        if (crash) {
            node.crashPoint = step;
            record("crash point r" + node.index + " after " + step + " " + node.disk.describe());
        }
    }

    /**
     * Crash points keep to the random crashes' bound on replicas down, and do not land at a replica recovering its
     * state (or starting, or whose disk still records recovery) while another replica is also without state
     * (recovering, pristine, or with a damaged disk), the bound the state-losing faults keep to
     * ({@link #noneAtRisk}). Without it, a group that starts pristine wedges: a replica crashes right after
     * recording recovery while another is still pristine, and the primary that started the group restarts (an
     * open liveness bug, see DiskFaultScenarioTest).
     */
    private boolean crashPointAllowed(SimNode node) {
        if (!learner(node) && votersDownBeyondF()) {
            return false;
        }
        if (node.replica != null && node.replica.status() != Replica.Status.RECOVERING
                && node.replica.status() != Replica.Status.REPAIRING && !node.disk.recordsRecovery()) {
            return true;
        }
        for (SimNode other : nodes) {
            if (other != node && other.stateAtRisk) {
                return false;
            }
        }
        return true;
    }

    /** Crashes every node that reached its crash point, before it or anything else takes another step. */
    private void crashAtCrashPoints() {
        for (SimNode node : nodes) {
            if (node.up && node.crashPoint != null) {
                SimDisk.CrashMode mode = node.scriptedCrashMode != null ? node.scriptedCrashMode
                        : chooseCrashModeKeepingDisk();
                node.scriptedCrashMode = null;
                faults.record(SimFaults.crashAfter(node.crashPoint));
                crash(node.index, mode);
                node.downUntil = now + 5 + random.nextInt(120);
            }
        }
    }

    /**
     * Scenario use: replica {@code index} crashes with {@code mode} right after its {@code steps}-th disk step
     * from now (every log write completing and every synchronous write counts), before it does anything more.
     */
    public void crashAfterDiskSteps(int index, int steps, SimDisk.CrashMode mode) {
        if (steps <= 0 || mode == SimDisk.CrashMode.WIPED) {
            throw new IllegalArgumentException("a crash point after " + steps + " steps with mode " + mode);
        }
        nodes[index].crashAfterSteps = steps;
        nodes[index].scriptedCrashMode = mode;
    }

    public SimFaults faults() {
        return faults;
    }

    public void isolate(int index) {
        network.isolate(index);
        record("isolate r" + index);
    }

    public void cut(int from, int to) {
        network.cut(from, to);
    }

    public void heal() {
        network.heal();
        dropFilter = null;
        record("heal");
    }

    /** Scenario use: drop every message matching the filter until {@link #heal()}. */
    public void dropWhere(Predicate<Deliver> filter) {
        dropFilter = filter;
    }

    // ------------------------------------------------------------------ checks

    /** Every committed op is the same entry wherever it is applied; no client request executes at two ops. */
    void onApply(SimNode node, LogEntry entry) {
        reconfigurer.onApply(node, entry);
        LogEntry previous = committed.putIfAbsent(entry.op(), entry);
        if (previous != null && !previous.equals(entry)) {
            throw new Violation("divergence", "r" + node.index + " applied " + entry + " where " + previous
                    + " was committed");
        }
        long request = entry.clientId() * 1_000_000_007L + entry.requestNumber();
        Long executed = executedAt.putIfAbsent(request, entry.op());
        if (executed != null && executed != entry.op()) {
            throw new Violation("duplicate-execution", "client " + entry.clientId() + " request "
                    + entry.requestNumber() + " executed at op " + executed + " and op " + entry.op());
        }
    }

    void onReconfigurationReply(SimNode node, long requestNumber, long op) {
        record("r" + node.index + " answers reconfiguration " + requestNumber + " at op " + op);
        reconfigurer.onReply(requestNumber, op);
    }

    LogEntry committedEntry(long op) {
        return committed.get(op);
    }

    void checkInvariants() {
        for (SimNode node : nodes) {
            if (!node.up) {
                continue;
            }
            Replica replica = node.replica;
            replica.checkInvariants();
            if (replica.commitNumber() < node.lastCommit) {
                throw new Violation("commit-decreased", "r" + node.index + " commit " + replica.commitNumber()
                        + " after " + node.lastCommit);
            }
            node.lastCommit = replica.commitNumber();
            if (replica.configuration().learner() && replica.isPrimary()) {
                throw new Violation("learner-primary", "learner r" + node.index + " is primary of view "
                        + replica.view());
            }
            if (replica.status() == Replica.Status.NORMAL && replica.isPrimary()) {
                reconfigurer.checkPrimary(node);
                Integer primary = primaryOfView.putIfAbsent(replica.view(), node.index);
                if (primary != null && primary != node.index) {
                    throw new Violation("two-primaries", "r" + primary + " and r" + node.index + " in view "
                            + replica.view());
                }
            }
            if (replica.status() == Replica.Status.RECOVERING && !node.stateAtRisk
                    && (!learner(node) || reconfigurer.active())) {
                // a repair that gave up recovers the whole state: a state loss like a wiped disk
                node.stateAtRisk = true;
                node.startedRecovering = true;
            }
            if (node.stateAtRisk && replica.status() == Replica.Status.NORMAL && node.startedRecovering) {
                node.stateAtRisk = false;
            }
        }
    }

    private boolean converged() {
        long commit = -1;
        long digest = 0;
        if (!reconfigurer.settled()) {
            return false;
        }
        for (SimNode node : nodes) {
            if (node.spare || node.retired) {
                continue;
            }
            Replica replica = node.replica;
            if (!node.up || replica.status() != Replica.Status.NORMAL || replica.commitNumber() != replica.opNumber()) {
                return false;
            }
            if (commit >= 0 && (replica.commitNumber() != commit || node.app.digest() != digest)) {
                return false;
            }
            commit = replica.commitNumber();
            digest = node.app.digest();
        }
        return true;
    }

    /** The up replica that is primary in normal status in the highest view, or -1. */
    public int primary() {
        int primary = -1;
        for (SimNode node : nodes) {
            Replica replica = node.replica;
            if (node.up && replica.status() == Replica.Status.NORMAL && replica.isPrimary()
                    && (primary < 0 || replica.view() > nodes[primary].replica.view())) {
                primary = node.index;
            }
        }
        return primary;
    }

    public Replica replica(int index) {
        return nodes[index].replica;
    }

    public KvApplication application(int index) {
        return nodes[index].app;
    }

    public SimClients clients() {
        return clients;
    }

    public String describeReplicas() {
        StringBuilder builder = new StringBuilder();
        for (SimNode node : nodes) {
            builder.append(node.up ? node.replica.toString() : "[r" + node.index + (node.retired ? " removed]"
                    : node.spare ? " spare]" : " down]"));
        }
        return builder.toString();
    }

    // ------------------------------------------------------------------ trace

    void hash(long kind, long a, long b) {
        traceHash = SimNetwork.mix(traceHash ^ kind, a, b);
    }

    void record(String line) {
        if (trace != null) {
            trace.add(now + " " + line);
        }
    }

    public long traceHash() {
        return traceHash;
    }

    public List<String> trace() {
        return trace == null ? List.of() : trace;
    }
}
