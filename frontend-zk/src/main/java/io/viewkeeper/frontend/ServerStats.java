package io.viewkeeper.frontend;

/** Counters the four-letter words report; owned by the replica thread. */
final class ServerStats {
    long startMs;
    long packetsReceived;
    long packetsSent;
    long authFailed;
    /** Handshakes refused because this replica had no contact with a quorum (not reset by srst). */
    long handshakesRefusedNoQuorum;
    /** Client connections closed when this replica lost contact with a quorum. */
    long connectionsClosedNoQuorum;
    /** Handshakes closed unanswered after their hold time. */
    long handshakesTimedOut;
    /** Read-only sessions accepted while cut off. */
    long readOnlySessions;
    long minLatencyMs = Long.MAX_VALUE;
    long maxLatencyMs;
    long totalLatencyMs;
    long completed;

    void recordLatency(long latencyMs) {
        minLatencyMs = Math.min(minLatencyMs, latencyMs);
        maxLatencyMs = Math.max(maxLatencyMs, latencyMs);
        totalLatencyMs += latencyMs;
        completed++;
    }

    long minLatency() {
        return completed == 0 ? 0 : minLatencyMs;
    }

    double avgLatency() {
        return completed == 0 ? 0 : (double) totalLatencyMs / completed;
    }

    void reset() {
        packetsReceived = 0;
        packetsSent = 0;
        minLatencyMs = Long.MAX_VALUE;
        maxLatencyMs = 0;
        totalLatencyMs = 0;
        completed = 0;
    }
}
