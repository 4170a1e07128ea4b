package io.viewkeeper.consensus;

import java.util.Arrays;

/**
 * When a replica last knew itself part of a working normal view: a backup hearing its primary (a Prepare, a
 * Commit, a read index), a primary hearing a quorum of backups (their latest answers; backups answer an idle
 * primary's heartbeat once per heartbeat interval), any replica entering normal status. Frozen outside normal
 * status. Only what the frontend tells clients depends on it (keep them, vouch for sessions, serve read-only)
 * and which reads the barrier serves; no safety property of the protocol does. Invariant: the contact tick is
 * never in the future of the replica's tick.
 */
final class QuorumContact {
    private final Replica r;
    /** At a primary, per replica: the tick it last heard from it in the current view. */
    private final long[] heardTick;
    private long contactTick;
    /** At a backup: the tick it last sent its primary an acknowledgement (PrepareOk or CommitOk). */
    private long lastAckTick;

    QuorumContact(Replica replica) {
        this.r = replica;
        this.heardTick = new long[ReplicaConfiguration.SLOTS];
    }

    /**
     * A primary heard from a member of its view: once f backups have been heard since a tick, it had a quorum.
     * Learners count toward no quorum.
     */
    void onHeardFrom(int backup) {
        Replica.check(r.status() == Replica.Status.NORMAL && r.isPrimary(),
                "heard from a backup while not the normal primary");
        if (r.configuration.isLearner(backup)) {
            return;
        }
        heardTick[backup] = r.ticks();
        int backupsNeeded = r.quorum() - 1;
        if (backupsNeeded == 0) {
            return;
        }
        long[] others = new long[r.configuration.replicaCount() - 1];
        int next = 0;
        for (int voter : r.configuration.voters()) {
            if (voter != r.replicaIndex()) {
                others[next++] = heardTick[voter];
            }
        }
        Arrays.sort(others);
        contactTick = Math.max(contactTick, others[others.length - backupsNeeded]);
        Replica.check(contactTick <= r.ticks(), "quorum contact in the future");
    }

    /** A replica entered normal status: the view it entered was formed or confirmed by a quorum just now. */
    void onNormalEntered() {
        contactTick = r.ticks();
        Arrays.fill(heardTick, r.ticks());
        lastAckTick = r.ticks();
    }

    /** A backup in normal status heard from its primary. */
    void onPrimaryHeard() {
        Replica.check(r.status() == Replica.Status.NORMAL && !r.isPrimary(),
                "heard from a primary while not a normal backup");
        contactTick = r.ticks();
    }

    /** A backup sent its primary an acknowledgement. */
    void onAcknowledged() {
        lastAckTick = r.ticks();
    }

    /** Whether a backup should answer a plain heartbeat: it sent its primary nothing for a heartbeat interval. */
    boolean heartbeatAnswerDue() {
        return r.ticks() - lastAckTick >= r.options.heartbeatTicks();
    }

    long ticksSince() {
        return r.ticks() - contactTick;
    }
}
