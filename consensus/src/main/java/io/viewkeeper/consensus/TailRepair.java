package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolving an unreadable last write with the peers (protocol-aware recovery, Alagappan et al., FAST '18, §4.4): a
 * replica restarting on a disk whose last write could not be read ({@link DurableState#uncertainTailOps}) cannot
 * tell a write cut short by a crash (never synced, never acknowledged) from a synced write damaged since, whose ops
 * it may have acknowledged and a primary may have committed with its help. Cutting them on that evidence alone
 * could lose a committed op once one more replica fails. So before it takes part in anything the replica asks the
 * voters what they hold after its last readable op {@code L}, and keeps what they hold; it cuts only when the
 * answers prove no committed op is missing.
 *
 * <p>Let {@code N} be the replica's last normal view on disk. It acknowledged ops only in views up to {@code N}, and
 * every log held by a replica whose last normal view is {@code N} or later, and that holds anything after
 * {@code L} with the same hash chain at {@code L}, is a prefix of the log of view {@code N} or of a later view's
 * starting log (which holds every op committed before it). Taking such a log's entries after {@code L} leaves this
 * replica in a state it could have reached alone (a replica that wrote a later view's starting log and crashed
 * before recording that view). The doubt ends when:
 * <ul>
 *   <li>a normal primary of view {@code N} or later answers ({@code from} being that view's primary): its log holds
 *       every committed op, and in view {@code N} every op it ever sent this replica; the replica takes its entries
 *       through the doubtful range;</li>
 *   <li>f + 1 other voters answer that can no longer acknowledge anything in view {@code N}, each with a log that
 *       holds nothing after {@code L}, a log that took another branch at or before {@code L}, or a log as above; the
 *       replica takes the entries of the answer from the latest view (the longest within it).</li>
 * </ul>
 * The second case needs care: the primary of {@code N} still counts this replica's acknowledgements from before its
 * restart. While view {@code N} can still commit, an op this replica acknowledged and lost could become committed
 * with those acknowledgements and one more that a peer sends after it answered "nothing after {@code L}". So an
 * answer counts only when its sender's view is past {@code N} (it acknowledges nothing in {@code N} any more, and
 * holds whatever it acknowledged there), or when it answers a round begun after the primary of {@code N} said it has
 * left {@code N} (no op commits in {@code N} after that). An op committed in {@code N} then has f others holding it
 * among the 2f others, so one of any f + 1 counted answers holds it. This counts on one damaged disk per op (the
 * fault model): a peer's own unreadable last write was then cut short by a crash.
 *
 * <p>Answers come from peers in any status but recovering, a repairing peer answering from its own disk, so a group
 * whose replicas all restart on torn last writes resolves them together. Entries come in pages of at most
 * {@link #OPS_PER_ANSWER}; each page starts a new round. When the primary's log took another branch the doubtful
 * ops were never committed and the replica keeps its log as it is; when the primary released them into a
 * checkpoint, it recovers its whole state from that primary instead (§4.3), which is safe whatever its disk held.
 * It never gives up on time. On starting, the replica joins the newest view an answer named when that is past its
 * own, rather than going back to {@code N}.
 */
final class TailRepair {

    /** The most entries one answer carries. */
    static final int OPS_PER_ANSWER = LogHole.OPS_MAX;

    private final Replica r;
    private final DurableState disk;
    /** The disk's log, and the entries taken from peers after it. */
    private final ReplicaLog held;
    private final long throughOp;
    private final List<LogEntry> adopted = new ArrayList<>();
    /** This round's answers by replica index: about ops after {@link #held}'s last op. */
    private Message.TailResponse[] answers;
    private long round;
    /** The primary of the disk's last normal view said it left that view: no op commits there any more. */
    private boolean normalViewOver;
    /** The newest view any answer named. */
    private long newestView;
    /** Why the repair gave up, once it did. */
    private String why;
    private long ticks;
    private long lastSendTick;
    /** How many answers of this round counted toward the f + 1, when one last arrived. */
    private int counted;

    TailRepair(Replica replica, DurableState disk) {
        Replica.check(disk.uncertainTailOps() > 0 && disk.holes().isEmpty(), "tail repair of a certain tail");
        this.r = replica;
        this.disk = disk;
        this.held = ReplicaLog.heldBy(disk);
        Replica.check(held.lastOp() == disk.lastOp(), "tail repair of a disk whose log does not hold together");
        this.throughOp = held.lastOp() + disk.uncertainTailOps();
        this.newestView = disk.view();
        // Rounds of this repair are numbered from a random start, so an answer to an earlier repair's round (before
        // a restart) is never taken for one of this repair's.
        this.round = replica.random.nextLong() >>> 1;
        // A restarted primary of that view never acts in it again (it starts the next view): nothing commits there.
        this.normalViewOver = replica.primaryOf(disk.lastNormalView()) == replica.replicaIndex();
    }

    /** The disk as it will be once the doubt is resolved: its entries and those taken from peers. */
    DurableState resolvedDisk() {
        List<LogEntry> entries = new ArrayList<>(disk.entries());
        entries.addAll(adopted);
        return new DurableState(disk.view(), disk.lastNormalView(), disk.checkpoint(), entries, disk.knownCommit());
    }

    List<LogEntry> adopted() {
        return List.copyOf(adopted);
    }

    /** The chain at each adopted entry, in order. */
    long[] adoptedChains() {
        long[] chains = new long[adopted.size()];
        for (int i = 0; i < chains.length; i++) {
            chains[i] = held.chain(adopted.get(i).op());
        }
        return chains;
    }

    /** The newest view the disk or an answer named: the replica joins it on starting when it is past its own. */
    long newestView() {
        return newestView;
    }

    void start() {
        newRound();
    }

    /**
     * Time passes: the question goes again every resend interval. It never gives up on time: waiting is safe, and
     * recovering instead would need a normal primary all the same (an isolated replica that recovered would then
     * hold up a peer resolving its own last write).
     */
    void onTick() {
        ticks++;
        if (ticks - lastSendTick >= r.options.resendTicks()) {
            send();
        }
    }

    private void newRound() {
        round++;
        answers = new Message.TailResponse[ReplicaConfiguration.SLOTS];
        send();
    }

    private void send() {
        lastSendTick = ticks;
        long after = held.lastOp();
        r.broadcast(new Message.TailRequest(after, held.chain(after), throughOp, round, r.replicaIndex()));
    }

    /** The outcome of one answer. */
    enum Step { WAIT, RESOLVED, GIVE_UP }

    String why() {
        return why;
    }

    /** A peer's answer; the step it leads to, with {@link #why} saying why it gave up. */
    Step onResponse(Message.TailResponse message) {
        long after = held.lastOp();
        if (message.afterOp() != after || message.round() != round || r.configuration.isLearner(message.from())) {
            r.ignored.ignore(Ignored.UNWANTED);
            return Step.WAIT;
        }
        if (message.answer() == Message.TailAnswer.HOLDS && !entriesFit(message.entries(), after)) {
            r.ignored.ignore(Ignored.BAD_REPAIR);
            return Step.WAIT;
        }
        newestView = Math.max(newestView, message.currentView());
        long lastNormalView = disk.lastNormalView();
        if (!normalViewOver && message.from() == r.primaryOf(lastNormalView)
                && message.currentView() > lastNormalView) {
            // From now on no op commits in that view: answers to a round begun now count whatever their view.
            normalViewOver = true;
            newRound();
        }
        // a later answer replaces the sender's earlier one in this round: its state moved on
        answers[message.from()] = message;
        return decide(after);
    }

    private boolean entriesFit(List<LogEntry> entries, long after) {
        long op = after + 1;
        for (LogEntry entry : entries) {
            if (entry.op() != op || !entry.checksumValid() || op > throughOp) {
                return false;
            }
            op++;
        }
        return true;
    }

    private Step decide(long after) {
        long lastNormalView = disk.lastNormalView();
        Message.TailResponse best = null;
        counted = 0;
        for (Message.TailResponse answer : answers) {
            if (answer == null) {
                continue;
            }
            if (answer.normalPrimary() && answer.lastNormalView() >= lastNormalView
                    && answer.currentView() == answer.lastNormalView()
                    && r.primaryOf(answer.currentView()) == answer.from()) {
                if (answer.currentView() > lastNormalView) {
                    normalViewOver = true;
                }
                return fromPrimary(answer, after);
            }
            if (!normalViewOver && answer.currentView() <= lastNormalView) {
                continue; // it may still acknowledge in that view
            }
            switch (answer.answer()) {
                case NOTHING_AFTER, CHAIN_DIFFERS -> counted++;
                case HOLDS -> {
                    if (answer.lastNormalView() >= lastNormalView) {
                        counted++;
                        best = better(best, answer);
                    }
                }
                case RELEASED, UNAVAILABLE -> {
                }
            }
        }
        if (counted < r.quorum()) {
            return Step.WAIT;
        }
        return best == null ? Step.RESOLVED : take(best);
    }

    /** The answer from the latest view, the longest log within it. */
    private static Message.TailResponse better(Message.TailResponse a, Message.TailResponse b) {
        if (a == null) {
            return b;
        }
        if (a.lastNormalView() != b.lastNormalView()) {
            return a.lastNormalView() > b.lastNormalView() ? a : b;
        }
        return a.lastOp() >= b.lastOp() ? a : b;
    }

    private Step fromPrimary(Message.TailResponse primary, long after) {
        return switch (primary.answer()) {
            case HOLDS -> take(primary);
            // nothing after: nothing more was committed; another branch: the doubtful ops were never committed
            case NOTHING_AFTER, CHAIN_DIFFERS -> Step.RESOLVED;
            case RELEASED, UNAVAILABLE -> {
                why = "the primary released op " + after + " into a checkpoint";
                yield Step.GIVE_UP;
            }
        };
    }

    /** Takes the answer's entries; resolved once through the doubtful range or the holder's log, else a new round. */
    private Step take(Message.TailResponse holder) {
        for (LogEntry entry : holder.entries()) {
            held.append(entry);
            adopted.add(entry);
        }
        if (held.lastOp() >= throughOp || held.lastOp() >= holder.lastOp()) {
            return Step.RESOLVED;
        }
        newRound();
        return Step.WAIT;
    }

    /**
     * What this replica holds after the op a restarting peer asks about, from {@code log}: its live log, or its disk's
     * while it is itself resolving its tail. {@code view}, {@code lastNormalView} and {@code normalPrimary} describe
     * it.
     */
    static Message.TailResponse answer(Message.TailRequest request, ReplicaLog log, long view, long lastNormalView,
                                       boolean normalPrimary, int self) {
        long after = request.afterOp();
        Message.TailAnswer answer;
        if (log.lastOp() <= after) {
            answer = Message.TailAnswer.NOTHING_AFTER;
        } else if (after < log.startOp()) {
            answer = Message.TailAnswer.RELEASED;
        } else if (log.chain(after) != request.chainAtAfter()) {
            answer = Message.TailAnswer.CHAIN_DIFFERS;
        } else {
            answer = Message.TailAnswer.HOLDS;
        }
        List<LogEntry> entries = answer != Message.TailAnswer.HOLDS ? List.of()
                : log.suffix(after + 1, (int) Math.min(OPS_PER_ANSWER, request.throughOp() - after));
        return new Message.TailResponse(after, request.round(), view, lastNormalView, normalPrimary, log.lastOp(),
                answer, entries, self);
    }

    /** The answer of a replica without a readable log. */
    static Message.TailResponse unavailable(Message.TailRequest request, int self) {
        return new Message.TailResponse(request.afterOp(), request.round(), -1, -1, false, 0,
                Message.TailAnswer.UNAVAILABLE, List.of(), self);
    }

    /**
     * This replica's own answer while it resolves its tail: from its disk's log. A restarted primary of its disk's
     * view says the next view: it never acts in that view again ({@link RecoveryProtocol#loadDisk}).
     */
    Message.TailResponse answerFromDisk(Message.TailRequest request) {
        long view = r.primaryOf(disk.view()) == r.replicaIndex() ? disk.view() + 1 : disk.view();
        return answer(request, held, view, disk.lastNormalView(), false, r.replicaIndex());
    }

    /**
     * The answer of this replica once this repair gave up and it recovers its whole state: from the log it held,
     * with no view, since recovery may take it back into the view its disk names (such an answer counts only once
     * the primary of the asker's view has left it).
     */
    Message.TailResponse answerWhileRecovering(Message.TailRequest request) {
        return answer(request, held, -1, disk.lastNormalView(), false, r.replicaIndex());
    }

    /** The disk's log with what was taken so far, for answering a peer's repair while this one resolves its tail. */
    ReplicaLog held() {
        return held;
    }

    /** Where the resolution stands, for operators (the admin endpoint's replica figures). */
    String describe() {
        return "resolving its unreadable last write with the peers: asking what they hold after op " + held.lastOp()
                + "; " + counted + " of the " + r.quorum() + " answers needed count so far (they count once their"
                + " senders are past view " + disk.lastNormalView() + (normalViewOver ? ", which is over" : "")
                + "), or the normal primary of that view or a later one settles it";
    }
}
