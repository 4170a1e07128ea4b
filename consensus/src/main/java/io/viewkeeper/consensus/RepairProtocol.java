package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * Repair, not refetch (protocol-aware recovery, Alagappan et al., FAST '18): a replica restarting on a disk whose log
 * has damaged records between intact ones ({@link DurableState#holes}) fetches just those entries from its peers,
 * instead of discarding its state and recovering all of it (§4.3).
 *
 * <p>While it repairs, the replica is in status {@code REPAIRING}: it has not started. It keeps its ticks at 0, votes
 * in nothing, acknowledges nothing, persists nothing and takes no message but the answers to its requests. A peer
 * sends the entries of a hole only if its log holds them with the hash chain the disk names at the hole's last op,
 * and the replica accepts them only if, from the chain before the hole, they lead to that chain: the chain covers the
 * whole prefix, so the entries are exactly the ones the disk held, whatever view they came from and whoever sends
 * them. Once every hole is filled the driver writes the entries in place of the damaged records
 * ({@link Outbox#repairLog}) and the replica starts as on an intact disk.
 *
 * <p>When the entries cannot be had, the replica recovers its whole state as before: when every peer refused a hole
 * (it released those ops into a checkpoint, its log ends before them or took another branch), or when at least
 * {@code f} peers refused and the repair has run for {@link #GIVE_UP_TIMEOUTS} view-change timeouts (the others may be
 * down; recovery needs only {@code f + 1} answers), or when no answer came for three times as long (peers of a version
 * that does not know repair answer recovery). A replica holds damaged records only of ops it made durable; if
 * none of its peers holds them, they were never committed with its help, or they are committed in a peer's
 * checkpoint, which recovery brings.
 *
 * <p>A disk whose last write could not be read is resolved with the peers next ({@link TailRepair}), in the same
 * status, before the replica starts.
 */
final class RepairProtocol {

    /** View-change timeouts after which a repair that at least {@code f} peers refused gives up. */
    static final int GIVE_UP_TIMEOUTS = 4;

    private final Replica r;
    private DurableState disk;
    /** Per hole (in op order): the chain at the op before it, the entries once fetched, and who refused it. */
    private long[] parentChains;
    private List<LogEntry>[] filled;
    private boolean[][] refusedBy;
    private long ticks;
    private long lastSendTick;
    /** The resolution of an unreadable last write, once the holes (if any) are filled. */
    private TailRepair tail;
    /**
     * A tail repair that gave up, while this replica recovers its whole state: it answers peers resolving their own
     * last write from the log it held ({@link TailRepair#answerWhileRecovering}) until recovery completes. Without
     * that, replicas whose last writes were unreadable could wait on one that gave up. A restart loses it: the disk
     * may then hold part of a state being installed.
     */
    private TailRepair gaveUp;
    /** What the repair did, for the driver's log; null before it ended. */
    private String summary;

    RepairProtocol(Replica replica) {
        this.r = replica;
    }

    boolean active() {
        return disk != null || tail != null;
    }

    /** While the repair runs, where it stands; once it ended, what it did; null when none ran. */
    String summary() {
        if (tail != null) {
            return tail.describe();
        }
        if (disk != null) {
            return "fetching " + holesOpen() + " runs of damaged log records from the peers";
        }
        return summary;
    }

    /**
     * A repairing replica takes only the answers to its requests, and answers what peers resolving their own last
     * write or repairing their holes ask (from its disk once its holes are filled), so that replicas all restarting
     * so resolve together.
     */
    void onMessageWhileRepairing(Message message) {
        if (message instanceof Message.TailResponse m
                && Membership.epochOf(m.currentView()) > r.configuration.epoch()) {
            onLaterEpoch();
            return;
        }
        switch (message) {
            case Message.RepairResponse m when disk != null -> onResponse(m);
            case Message.TailResponse m when tail != null -> onTailResponse(m);
            case Message.TailRequest m -> r.send(m.from(), tail != null ? tail.answerFromDisk(m)
                    : TailRepair.unavailable(m, r.replicaIndex()));
            // a peer may need a record only this replica's disk holds: answered from it while resolving the tail
            case Message.RepairRequest m when tail != null -> answerRepair(m, tail.held(), true);
            default -> r.ignored.ignore(Ignored.REPAIRING);
        }
    }

    /** The holes still unfilled, for status reports. */
    int holesOpen() {
        int open = 0;
        if (filled != null) {
            for (List<LogEntry> entries : filled) {
                open += entries == null ? 1 : 0;
            }
        }
        return open;
    }

    /**
     * Starts the repair of {@code damaged}'s holes. The chain before each hole follows from the checkpoint's chain and
     * the entries in between, and from the chain the disk names at the end of the hole before it.
     */
    @SuppressWarnings("unchecked")
    void begin(DurableState damaged) {
        Replica.check(disk == null && tail == null, "repair begun twice");
        if (damaged.holes().isEmpty()) {
            beginTail(damaged);
            return;
        }
        List<LogHole> holes = damaged.holes();
        parentChains = new long[holes.size()];
        filled = new List[holes.size()];
        refusedBy = new boolean[holes.size()][ReplicaConfiguration.SLOTS];
        long chain = damaged.checkpoint() == null ? 0 : damaged.checkpoint().chain();
        long op = damaged.checkpoint() == null ? 0 : damaged.checkpoint().op();
        int next = 0;
        for (LogEntry entry : damaged.entries()) {
            while (next < holes.size() && holes.get(next).firstOp() < entry.op()) {
                parentChains[next] = chain;
                chain = holes.get(next).chainAtLast();
                op = holes.get(next).lastOp();
                next++;
            }
            if (entry.op() <= op) {
                continue; // at or below the checkpoint
            }
            chain = entry.chainAfter(chain);
            op = entry.op();
        }
        while (next < holes.size()) {
            parentChains[next] = chain;
            chain = holes.get(next).chainAtLast();
            next++;
        }
        r.transitionTo(Replica.Status.REPAIRING, 0);
        disk = damaged;
        sendRequests();
    }

    /** Time passes: requests go again every resend interval; a repair peers refuse long enough gives up. */
    void onTick() {
        if (tail != null) {
            tail.onTick();
            return;
        }
        ticks++;
        int f = (r.configuration.replicaCount() - 1) / 2;
        long timeouts = ticks / r.options.viewChangeTimeoutTicks();
        if (timeouts >= GIVE_UP_TIMEOUTS && mostRefusals() >= f) {
            giveUp("at least " + f + " peers refused it for " + ticks + " ticks");
            return;
        }
        if (timeouts >= 3L * GIVE_UP_TIMEOUTS) {
            giveUp("no peer sent the entries in " + ticks + " ticks");
            return;
        }
        if (ticks - lastSendTick >= r.options.resendTicks()) {
            sendRequests();
        }
    }

    private void sendRequests() {
        lastSendTick = ticks;
        for (int i = 0; i < filled.length; i++) {
            if (filled[i] == null) {
                LogHole hole = disk.holes().get(i);
                r.broadcast(new Message.RepairRequest(hole.firstOp(), hole.lastOp(), hole.chainAtLast(),
                        r.replicaIndex()));
            }
        }
    }

    /** A peer's answer: the entries if they check out, or its refusal. */
    void onResponse(Message.RepairResponse message) {
        int index = holeIndex(message.firstOp(), message.lastOp());
        if (index < 0 || filled[index] != null) {
            r.ignored.ignore(Ignored.UNWANTED);
            return;
        }
        if (message.refusal() != null) {
            refusedBy[index][message.from()] = true;
            // the voters answer a repair (learners do not): all of them but this replica
            int answering = r.configuration.replicaCount() - (r.configuration.learner() ? 0 : 1);
            if (refusals(index) == answering) {
                giveUp("every peer refused ops " + message.firstOp() + ".." + message.lastOp());
            }
            return;
        }
        if (!leadsToChain(index, message.entries())) {
            r.ignored.ignore(Ignored.BAD_REPAIR);
            return;
        }
        filled[index] = message.entries();
        if (holesOpen() == 0) {
            complete();
        }
    }

    /** Whether {@code entries} are the hole's ops, each intact, leading from the chain before it to its chain. */
    private boolean leadsToChain(int index, List<LogEntry> entries) {
        LogHole hole = disk.holes().get(index);
        if (entries.size() != hole.size()) {
            return false;
        }
        long chain = parentChains[index];
        long op = hole.firstOp();
        for (LogEntry entry : entries) {
            if (entry.op() != op || !entry.checksumValid()) {
                return false;
            }
            chain = entry.chainAfter(chain);
            op++;
        }
        return chain == hole.chainAtLast();
    }

    /** Every hole is filled: the repaired entries go to disk, and the replica starts as on an intact disk. */
    private void complete() {
        List<LogEntry> repaired = new ArrayList<>();
        long[] chains = new long[holeOps()];
        for (int i = 0; i < filled.length; i++) {
            long chain = parentChains[i];
            for (LogEntry entry : filled[i]) {
                chain = entry.chainAfter(chain);
                chains[repaired.size()] = chain;
                repaired.add(entry);
            }
        }
        List<LogEntry> whole = new ArrayList<>(disk.entries().size() + repaired.size());
        whole.addAll(disk.entries());
        whole.addAll(repaired);
        whole.sort((a, b) -> Long.compare(a.op(), b.op()));
        DurableState repairedDisk = new DurableState(disk.view(), disk.lastNormalView(), disk.checkpoint(), whole,
                disk.knownCommit(), List.of(), disk.uncertainTailOps());
        r.outbox.repairLog(List.copyOf(repaired), chains);
        summary = "repaired " + repaired.size() + " entries in " + filled.length + " damaged runs from peers";
        end();
        if (repairedDisk.uncertainTailOps() > 0 && !cutsTailAlone()) {
            beginTail(repairedDisk);
            return;
        }
        start(repairedDisk);
    }

    private void start(DurableState intact) {
        r.transitionTo(Replica.Status.NORMAL, 0);
        if (!r.recoveryProtocol.loadDisk(intact)) {
            r.recoveryProtocol.transitionToRecovering(false, false);
        }
    }

    /**
     * A learner or a lone replica cuts an unreadable last write instead of asking: a learner's acknowledgements
     * commit nothing, and a lone replica has no peer. True when this one does so (the cut is then recorded).
     */
    boolean cutsTailAlone() {
        if (!r.configuration.learner() && r.configuration.replicaCount() > 1) {
            return false;
        }
        r.outbox.resolveTail(List.of(), new long[0]);
        return true;
    }

    private void beginTail(DurableState uncertain) {
        if (r.status() != Replica.Status.REPAIRING) {
            r.transitionTo(Replica.Status.REPAIRING, 0);
        }
        tail = new TailRepair(r, uncertain);
        tail.start();
    }

    private void onTailResponse(Message.TailResponse message) {
        switch (tail.onResponse(message)) {
            case WAIT -> {
            }
            case GIVE_UP -> giveUp(tail.why());
            case RESOLVED -> {
                List<LogEntry> adopted = tail.adopted();
                r.outbox.resolveTail(adopted, tail.adoptedChains());
                String resolved = "resolved the unreadable last write with peers: " + (adopted.isEmpty()
                        ? "no op after it was held" : "kept ops " + adopted.get(0).op() + ".."
                        + adopted.get(adopted.size() - 1).op() + " from a peer");
                summary = summary == null ? resolved : summary + "; " + resolved;
                DurableState resolvedDisk = tail.resolvedDisk();
                long newestView = tail.newestView();
                tail = null;
                start(resolvedDisk);
                if (newestView > r.view() && r.status() != Replica.Status.RECOVERING) {
                    // a peer is in a newer view (the one its disk names may be over): it joins that one
                    r.viewChangeProtocol.transitionToViewChange(newestView);
                }
            }
        }
    }

    /**
     * A message of a later epoch than the one this replica restarted in: the group changed its members since, so
     * whatever this replica acknowledged in its epoch is decided by the later epoch's committed log, and the voters
     * it would ask may be gone. It recovers from the later epoch's members instead.
     */
    void onLaterEpoch() {
        if (active()) {
            giveUp("the group moved to a later epoch");
        }
    }

    /** The entries cannot be had: the replica recovers its whole state from its peers instead (§4.3). */
    private void giveUp(String why) {
        summary = "gave up (" + why + "); recovering the whole state from peers";
        end();
        gaveUp = tail;
        tail = null;
        r.transitionTo(Replica.Status.NORMAL, 0);
        r.recoveryProtocol.transitionToRecovering(false, false);
    }

    private void end() {
        disk = null;
        filled = null;
        parentChains = null;
        refusedBy = null;
    }

    private int holeOps() {
        int ops = 0;
        for (LogHole hole : disk.holes()) {
            ops += hole.size();
        }
        return ops;
    }

    private int holeIndex(long firstOp, long lastOp) {
        List<LogHole> holes = disk.holes();
        for (int i = 0; i < holes.size(); i++) {
            if (holes.get(i).firstOp() == firstOp && holes.get(i).lastOp() == lastOp) {
                return i;
            }
        }
        return -1;
    }

    private int refusals(int index) {
        int count = 0;
        for (boolean refused : refusedBy[index]) {
            count += refused ? 1 : 0;
        }
        return count;
    }

    private int mostRefusals() {
        int most = 0;
        for (int i = 0; i < filled.length; i++) {
            if (filled[i] == null) {
                most = Math.max(most, refusals(i));
            }
        }
        return most;
    }

    /**
     * A peer asks for entries damaged on its disk: sent when this replica's log holds them with the chain asked for.
     * Any status will do: the chain proves the entries are the ones the peer held.
     */
    void onRequest(Message.RepairRequest message) {
        boolean available = r.status() != Replica.Status.RECOVERING && r.status() != Replica.Status.REPAIRING;
        answerRepair(message, r.log, available);
    }

    /** Answers a peer's repair from {@code log}: the live log, or the disk's while this replica resolves its tail. */
    private void answerRepair(Message.RepairRequest message, ReplicaLog log, boolean available) {
        Message.RepairRefusal refusal = null;
        if (!available) {
            refusal = Message.RepairRefusal.UNAVAILABLE;
        } else if (message.firstOp() <= log.startOp()) {
            refusal = Message.RepairRefusal.RELEASED;
        } else if (message.lastOp() > log.lastOp() || message.lastOp() < message.firstOp()
                || message.lastOp() - message.firstOp() >= LogHole.OPS_MAX) {
            refusal = Message.RepairRefusal.NOT_HELD;
        } else if (log.chain(message.lastOp()) != message.chainAtLast()) {
            refusal = Message.RepairRefusal.CHAIN_DIFFERS;
        }
        List<LogEntry> entries = refusal != null ? List.of()
                : log.suffix(message.firstOp(), (int) (message.lastOp() - message.firstOp() + 1));
        r.send(message.from(), new Message.RepairResponse(message.firstOp(), message.lastOp(), entries, refusal,
                r.replicaIndex()));
    }

    /**
     * A restarting peer asks what this replica holds after its unreadable last write ({@link TailRepair}). A
     * recovering replica tells only what it held before a tail repair of its own gave up ({@link #gaveUp}).
     */
    void onTailRequest(Message.TailRequest message) {
        Message.TailResponse answer;
        if (r.status() == Replica.Status.RECOVERING) {
            answer = gaveUp == null ? TailRepair.unavailable(message, r.replicaIndex())
                    : gaveUp.answerWhileRecovering(message);
        } else {
            gaveUp = null;
            answer = TailRepair.answer(message, r.log, r.view(), r.status() == Replica.Status.NORMAL ? r.view()
                    : r.lastNormalView(), r.status() == Replica.Status.NORMAL && r.isPrimary(), r.replicaIndex());
        }
        r.send(message.from(), answer);
    }
}
