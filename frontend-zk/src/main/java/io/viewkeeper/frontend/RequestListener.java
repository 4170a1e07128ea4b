package io.viewkeeper.frontend;

/**
 * Told of every client request the frontend answers, on the replica thread: the node's metrics implement it, so the
 * frontend measures without knowing how figures are kept. {@link #nanoTime()} stamps a request when it starts;
 * only differences of its values mean anything. Implementations must be cheap and must not throw.
 */
public interface RequestListener {

    /** Measures nothing. */
    RequestListener NONE = new RequestListener() {
        @Override
        public long nanoTime() {
            return 0;
        }

        @Override
        public void onAnswered(int opCode, long latencyNanos, int errorCode) {
        }
    };

    long nanoTime();

    /** A request of ZooKeeper opcode {@code opCode} was answered {@code latencyNanos} after it started. */
    void onAnswered(int opCode, long latencyNanos, int errorCode);
}
