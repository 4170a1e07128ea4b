package io.viewkeeper.consensus;

/**
 * The recovery phase (VR Revisited §4.3) of a replica that lost its state: exists only while status is
 * recovering. It collects answers carrying its nonce, and completes once a quorum answered and the primary of the
 * highest view among them sent its log; a pristine replica may instead start the group when every other replica
 * answered that it holds no op ({@link #othersHoldNothing}). Invariant: every response held carries {@link #nonce};
 * {@link #pristine} only goes from true to false, and then {@link #recordedWhilePristine} is true.
 */
final class Recovery {

    final long nonce;
    private long lastSendTick;
    /** The replica has persisted no view state yet (started by {@link Replica#pristine}); it says so to peers. */
    private boolean pristine;
    /**
     * The replica recorded recovery while pristine ({@link Replica#PRISTINE_RECOVERING_VIEW} on disk) and has not
     * been normal since: it has voted in nothing and acknowledged nothing.
     */
    private boolean recordedWhilePristine;
    /** The primary's state, installed and being made durable; recovery completes when it is. */
    private Message.RecoveryResponse installed;
    private final Message.RecoveryResponse[] responses;

    Recovery(long nonce, long startTick, boolean pristine, boolean recordedWhilePristine) {
        if (pristine && recordedWhilePristine) {
            throw new IllegalStateException("a pristine replica has recorded nothing");
        }
        this.nonce = nonce;
        this.lastSendTick = startTick;
        this.pristine = pristine;
        this.recordedWhilePristine = recordedWhilePristine;
        this.responses = new Message.RecoveryResponse[ReplicaConfiguration.SLOTS];
    }

    boolean pristine() {
        return pristine;
    }

    /** A pristine replica recorded recovery before taking state: it is pristine no more, and says so on restart. */
    void recordedRecovery() {
        if (!pristine) {
            throw new IllegalStateException("recovery recorded twice");
        }
        pristine = false;
        recordedWhilePristine = true;
    }

    Message.RecoveryResponse installed() {
        return installed;
    }

    /** The primary's state is installed and being made durable. */
    void install(Message.RecoveryResponse primary) {
        if (installed != null || primary.nonce() != nonce) {
            throw new IllegalStateException("recovered state installed twice or for another nonce: " + primary);
        }
        installed = primary;
    }

    long lastSendTick() {
        return lastSendTick;
    }

    void sentAt(long tick) {
        lastSendTick = tick;
    }

    /** Whether this replica answers a pristine one's Recovery as pristine (see {@link RecoveryProtocol#onRecovery}). */
    boolean answersAsPristine() {
        return pristine || recordedWhilePristine;
    }

    void record(Message.RecoveryResponse response) {
        if (response.nonce() != nonce) {
            throw new IllegalStateException("recovery response with nonce " + response.nonce() + " != " + nonce);
        }
        if (response.pristine() && (response.view() != 0 || response.opNumber() != 0)) {
            throw new IllegalStateException("pristine recovery response with a view or an op: " + response);
        }
        Message.RecoveryResponse previous = responses[response.from()];
        if (previous == null || previous.view() <= response.view()) {
            responses[response.from()] = response;
        }
    }

    /**
     * The primary's response that completes recovery, or null: §4.3 step 3 waits for f + 1 responses from other
     * replicas, including one from the primary of the highest view among them. Pristine answers count toward the
     * f + 1 (they come only to a pristine replica) but name no view: a replica that never persisted view state
     * never voted in a view change, so it cannot be the one that knows the latest view.
     */
    Message.RecoveryResponse completion(ReplicaConfiguration configuration) {
        int count = 0;
        long highestView = -1;
        for (Message.RecoveryResponse response : responses) {
            if (response != null) {
                count++;
                if (!response.pristine()) {
                    highestView = Math.max(highestView, response.view());
                }
            }
        }
        if (count < configuration.quorum() || highestView < 0) {
            return null;
        }
        int primary = configuration.primaryOf(highestView);
        Message.RecoveryResponse fromPrimary = responses[primary];
        if (fromPrimary != null && fromPrimary.fromPrimary() && fromPrimary.view() == highestView) {
            return fromPrimary;
        }
        return null;
    }

    /** Whether every replica but {@code self} answered this nonce that it is pristine or holds no op. */
    boolean othersHoldNothing(ReplicaConfiguration configuration) {
        for (int i : configuration.voters()) {
            if (i != configuration.replicaIndex()
                    && (responses[i] == null || (!responses[i].pristine() && responses[i].opNumber() != 0))) {
                return false;
            }
        }
        return true;
    }
}
