package io.viewkeeper.consensus;

/**
 * The recovery phase (VR Revisited §4.3) of a replica that lost its state: exists only while status is
 * recovering. It collects answers carrying its nonce, and completes once a quorum answered and the primary of the
 * highest view among them sent its log. Invariant: every response held carries {@link #nonce}.
 */
final class Recovery {

    final long nonce;
    long lastSendTick;
    /** The primary's state, installed and being made durable; recovery completes when it is. */
    Message.RecoveryResponse installed;
    private final Message.RecoveryResponse[] responses;

    Recovery(long nonce, int replicaCount, long startTick) {
        this.nonce = nonce;
        this.lastSendTick = startTick;
        this.responses = new Message.RecoveryResponse[replicaCount];
    }

    void record(Message.RecoveryResponse response) {
        if (response.nonce() != nonce) {
            throw new IllegalStateException("recovery response with nonce " + response.nonce() + " != " + nonce);
        }
        Message.RecoveryResponse previous = responses[response.from()];
        if (previous == null || previous.view() <= response.view()) {
            responses[response.from()] = response;
        }
    }

    /**
     * The primary's response that completes recovery, or null: §4.3 step 3 waits for f + 1 responses from other
     * replicas, including one from the primary of the highest view among them.
     */
    Message.RecoveryResponse completion(int quorum, int replicaCount) {
        int count = 0;
        long highestView = -1;
        for (Message.RecoveryResponse response : responses) {
            if (response != null) {
                count++;
                highestView = Math.max(highestView, response.view());
            }
        }
        if (count < quorum) {
            return null;
        }
        int primary = (int) (highestView % replicaCount);
        Message.RecoveryResponse fromPrimary = responses[primary];
        if (fromPrimary != null && fromPrimary.fromPrimary() && fromPrimary.view() == highestView) {
            return fromPrimary;
        }
        return null;
    }
}
