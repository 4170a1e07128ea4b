package io.viewkeeper.consensus;

import java.util.Arrays;
import java.util.Set;

/**
 * The view-change phase (VR Revisited §4.2): exists only while the replica's status is view-change. It collects
 * StartViewChange votes and, at the new primary, DoViewChange messages; it picks the log with the highest last
 * normal view, then the highest op-number. Invariant: every vote and message held is for {@link #view}.
 */
final class ViewChange {

    final long view;
    final long startTick;
    private final boolean[] startViewChangeFrom;
    private final long[] commitOf;
    private final Message.DoViewChange[] doViewChanges;
    private boolean doViewChangeSent;
    private long lastSendTick;
    /** The view already started without this replica: it is fetching the view's log (§5.2), not electing. */
    private boolean catchingUp;
    private int catchUpTarget;

    ViewChange(long view, long startTick) {
        this.view = view;
        this.startTick = startTick;
        this.lastSendTick = startTick;
        this.startViewChangeFrom = new boolean[ReplicaConfiguration.SLOTS];
        this.commitOf = new long[ReplicaConfiguration.SLOTS];
        Arrays.fill(commitOf, -1);
        this.doViewChanges = new Message.DoViewChange[ReplicaConfiguration.SLOTS];
    }

    boolean doViewChangeSent() {
        return doViewChangeSent;
    }

    void markDoViewChangeSent() {
        doViewChangeSent = true;
    }

    long lastSendTick() {
        return lastSendTick;
    }

    void sentAt(long tick) {
        lastSendTick = tick;
    }

    boolean catchingUp() {
        return catchingUp;
    }

    int catchUpTarget() {
        return catchUpTarget;
    }

    /** The view started without this replica: it fetches the view's log from {@code target} first. */
    void startCatchingUp(int target, long tick) {
        catchingUp = true;
        catchUpTarget = target;
        lastSendTick = tick;
    }

    /** The catch-up request goes to the next voter in turn, so one slow or dead peer cannot stall it. */
    void nextCatchUpTarget(ReplicaConfiguration configuration) {
        catchUpTarget = configuration.nextVoterAfter(catchUpTarget);
    }

    void recordStartViewChange(int from, long commitNumber) {
        startViewChangeFrom[from] = true;
        noteCommit(from, commitNumber);
    }

    /** The count of StartViewChange votes from replicas other than {@code self}. */
    int startViewChangeCount(int self) {
        int count = 0;
        for (int i = 0; i < startViewChangeFrom.length; i++) {
            if (i != self && startViewChangeFrom[i]) {
                count++;
            }
        }
        return count;
    }

    void recordDoViewChange(Message.DoViewChange message) {
        if (message.view() != view) {
            throw new IllegalStateException("DoViewChange for view " + message.view() + " in view change " + view);
        }
        doViewChanges[message.from()] = message;
        noteCommit(message.from(), message.commitNumber());
    }

    boolean hasDoViewChange(int from) {
        return doViewChanges[from] != null;
    }

    int doViewChangeCount() {
        int count = 0;
        for (Message.DoViewChange message : doViewChanges) {
            if (message != null) {
                count++;
            }
        }
        return count;
    }

    /** A commit number the replica is known to have reached, or -1; its log up to there is the committed prefix. */
    long commitOf(int replica) {
        return commitOf[replica];
    }

    long highestCommit() {
        long highest = 0;
        for (Message.DoViewChange message : doViewChanges) {
            if (message != null) {
                highest = Math.max(highest, message.commitNumber());
            }
        }
        return highest;
    }

    /** §4.2 step 3: the largest last normal view, then the largest op-number; ties go to the lowest index. */
    Message.DoViewChange best(Set<PlantedBug> bugs) {
        Message.DoViewChange best = null;
        for (Message.DoViewChange candidate : doViewChanges) {
            if (candidate == null) {
                continue;
            }
            if (best == null || better(candidate, best, bugs.contains(PlantedBug.LONGEST_LOG_WINS))) {
                best = candidate;
            }
        }
        return best;
    }

    private static boolean better(Message.DoViewChange a, Message.DoViewChange b, boolean longestLogWins) {
        if (longestLogWins) {
            return a.opNumber() > b.opNumber();
        }
        if (a.lastNormalView() != b.lastNormalView()) {
            return a.lastNormalView() > b.lastNormalView();
        }
        return a.opNumber() > b.opNumber();
    }

    private void noteCommit(int from, long commitNumber) {
        commitOf[from] = Math.max(commitOf[from], commitNumber);
    }
}
