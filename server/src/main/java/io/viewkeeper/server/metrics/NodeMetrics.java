package io.viewkeeper.server.metrics;

import io.viewkeeper.frontend.RequestListener;

/**
 * Everything a node measures goes through this interface; the node gets one instance at start (one per node, so
 * nodes sharing a JVM keep their figures apart) and nothing reaches a static registry. {@link PrometheusNodeMetrics}
 * keeps them in Micrometer and renders Prometheus text. Calls come from the replica thread ({@link #onAnswered},
 * {@link #recordSample}), from I/O threads ({@link #recordPrepareBatch}) and from the write-ahead log's thread
 * ({@link #recordFsync}); implementations are thread-safe and never throw.
 */
public interface NodeMetrics extends RequestListener, AutoCloseable {

    /**
     * One group commit of the write-ahead log: {@code entries} entries made durable by one fsync that took
     * {@code nanos}. The WAL calls it once per fsync; until it exists nothing does, and the fsync series stay empty.
     */
    void recordFsync(long nanos, int entries);

    /** A Prepare of {@code entries} entries was sent to a backup (the primary's batch sizes). */
    void recordPrepareBatch(int entries);

    /** The latest state figures (gauges), sampled on the replica thread. */
    void recordSample(ReplicaSample sample);

    /** The replica thread did not answer an admin or sampling task in time. */
    void recordReplicaTimeout();

    /**
     * The replica thread's inputs, read when scraped: consumed since start by kind ({@code client_request}, ...),
     * the most queued at once, offers refused for a full queue and peer inputs dropped for it.
     */
    void bindInputs(java.util.Map<String, java.util.function.LongSupplier> consumedByKind,
            java.util.function.LongSupplier highWater, java.util.function.LongSupplier refused,
            java.util.function.LongSupplier dropped);

    /** Every metric in the Prometheus text exposition format (version 0.0.4). */
    String scrape();

    @Override
    void close();
}
