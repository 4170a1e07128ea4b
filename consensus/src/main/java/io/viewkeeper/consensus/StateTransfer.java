package io.viewkeeper.consensus;

/**
 * The state-transfer phase (VR Revisited §5.2) of a lagging replica in normal status: exists only while a
 * GetState is outstanding. Retries go to the next replica in turn, so one slow or dead peer cannot stall it.
 * Invariant: {@link #target} is never the replica itself.
 */
final class StateTransfer {

    private int target;
    private long lastSendTick;

    StateTransfer(int target, long lastSendTick) {
        this.target = target;
        this.lastSendTick = lastSendTick;
    }

    int target() {
        return target;
    }

    long lastSendTick() {
        return lastSendTick;
    }

    void sentAt(long tick) {
        lastSendTick = tick;
    }

    void advanceTarget(ReplicaConfiguration configuration) {
        target = configuration.nextVoterAfter(target);
    }
}
