package io.viewkeeper.consensus;

/**
 * A replica's heartbeat and view-change timing (VR Revisited §4.1 step 7, §4.2): when it last broadcast a Prepare
 * or Commit and the highest commit number it announced, when it last heard its primary, and its randomized
 * view-change timeout. Only the replica's own ticks move it.
 */
final class Heartbeats {
    private final Replica r;
    private long lastBroadcastTick;
    /** The highest commit number sent to the backups in a Prepare or Commit of this replica. */
    private long announcedCommit;
    private long lastPrimaryContactTick;
    private long timeoutTicks;

    Heartbeats(Replica replica) {
        this.r = replica;
    }

    /** A new randomized view-change timeout, counted from now (§4.2: randomized against split votes). */
    void resetTimeout() {
        int base = r.options.viewChangeTimeoutTicks();
        timeoutTicks = base + r.random.nextInt(base);
        lastPrimaryContactTick = r.ticks();
    }

    long timeoutTicks() {
        return timeoutTicks;
    }

    long announcedCommit() {
        return announcedCommit;
    }

    /** A Prepare or Commit went to every member: it carries the commit number and is a heartbeat. */
    void onBroadcast(Message message) {
        switch (message) {
            case Message.Prepare p -> {
                announcedCommit = Math.max(announcedCommit, p.commitNumber());
                lastBroadcastTick = r.ticks();
            }
            case Message.Commit c -> {
                announcedCommit = Math.max(announcedCommit, c.commitNumber());
                lastBroadcastTick = r.ticks();
            }
            default -> {
            }
        }
    }

    long ticksSinceBroadcast() {
        return r.ticks() - lastBroadcastTick;
    }

    /** The primary just sent every backup something (StartViews): the next heartbeat is due an interval later. */
    void restartHeartbeatInterval() {
        lastBroadcastTick = r.ticks();
    }

    /** A backup heard from its primary: the view-change timeout starts again. */
    void notePrimaryContact() {
        lastPrimaryContactTick = r.ticks();
    }

    boolean primaryTimedOut() {
        return r.ticks() - lastPrimaryContactTick >= timeoutTicks;
    }

    /**
     * The connection to the primary dropped ({@link Replica#onPeerUnreachable}): unless it is heard within a
     * heartbeat interval and a tick, the timeout runs out then.
     */
    void suspectPrimary() {
        long suspected = r.ticks() - timeoutTicks + r.options.heartbeatTicks() + 1;
        lastPrimaryContactTick = Math.min(lastPrimaryContactTick, suspected);
    }
}
