package io.viewkeeper.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.frontend.OpCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * {@link NodeMetrics} in a Micrometer {@link PrometheusMeterRegistry} owned by this node (never the global one).
 * Request latency and batch sizes are histograms with bounded buckets; state figures are gauges over the latest
 * {@link ReplicaSample}; view changes are counted from the view numbers the samples see advance. Every series
 * carries the tag {@code server_id}.
 */
public final class PrometheusNodeMetrics implements NodeMetrics {
    private static final Duration LATENCY_MIN = Duration.ofNanos(50_000);
    private static final Duration LATENCY_MAX = Duration.ofSeconds(10);
    private static final List<String> STATUSES = java.util.Arrays.stream(Replica.Status.values())
            .map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toList();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Long, Timer> requestTimers = new ConcurrentHashMap<>();
    private final AtomicReference<ReplicaSample> latest = new AtomicReference<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Timer fsync;
    private final DistributionSummary fsyncEntries;
    private final DistributionSummary prepareEntries;
    private final Counter viewChanges;
    private final Counter replicaTimeouts;
    private long lastView = -1;
    private final List<LongSupplier> boundInputs = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @param memberIds the server ids of the group in replica-index order (one id for a single node) */
    public PrometheusNodeMetrics(int serverId, List<Integer> memberIds) {
        registry.config().commonTags("server_id", Integer.toString(serverId));
        fsync = Timer.builder("viewkeeper.fsync").description("Write-ahead log fsync latency per group commit")
                .publishPercentileHistogram().minimumExpectedValue(LATENCY_MIN).maximumExpectedValue(LATENCY_MAX)
                .register(registry);
        fsyncEntries = batch("viewkeeper.fsync.entries", "Entries made durable per write-ahead log fsync");
        prepareEntries = batch("viewkeeper.prepare.entries", "Entries per Prepare the primary sends (batch size)");
        viewChanges = Counter.builder("viewkeeper.view.changes")
                .description("Views this replica moved through since it started").register(registry);
        replicaTimeouts = Counter.builder("viewkeeper.replica.timeouts")
                .description("Admin or sampling tasks the replica thread did not answer in time").register(registry);
        registerStateGauges();
        for (int i = 0; i < memberIds.size(); i++) {
            int index = i;
            gauge("viewkeeper.peer.lag.ops", "Ops the primary holds that this peer has not acknowledged "
                    + "(primary only)", Tags.of("peer", Integer.toString(memberIds.get(i))), s -> lagOf(s, index));
        }
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private DistributionSummary batch(String name, String description) {
        return DistributionSummary.builder(name).description(description).baseUnit("entries")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024).register(registry);
    }

    private void registerStateGauges() {
        gauge("viewkeeper.view", "Current view number", Tags.empty(), ReplicaSample::view);
        gauge("viewkeeper.op.number", "Op-number: the last op in the log", Tags.empty(), ReplicaSample::opNumber);
        gauge("viewkeeper.commit.number", "Commit number: the last op applied", Tags.empty(),
                ReplicaSample::commitNumber);
        gauge("viewkeeper.primary", "1 when this replica is the primary in normal status", Tags.empty(),
                s -> s.primary() ? 1 : 0);
        for (String status : STATUSES) {
            gauge("viewkeeper.replica.status", "1 for the replica's current status", Tags.of("status", status),
                    s -> s.status().equals(status) ? 1 : 0);
        }
        gauge("viewkeeper.checkpoint.op", "Op of the latest checkpoint, -1 before the first", Tags.empty(),
                ReplicaSample::checkpointOp);
        gauge("viewkeeper.sessions", "Sessions of the group", Tags.empty(), s -> s.sizes().sessions());
        gauge("viewkeeper.watches", "Watches set on this replica", Tags.empty(), s -> s.sizes().watches());
        gauge("viewkeeper.znodes", "Znodes (ZooKeeper's node count)", Tags.empty(), s -> s.sizes().znodes());
        gauge("viewkeeper.data.bytes", "Approximate bytes of znode paths and data", Tags.empty(),
                s -> s.sizes().dataBytes());
        gauge("viewkeeper.connections", "Client connections to this replica", Tags.empty(),
                s -> s.sizes().connections());
        gauge("viewkeeper.requests.inflight", "Client requests received and not yet answered", Tags.empty(),
                s -> s.sizes().outstandingRequests());
        for (String standing : new String[] {"serving", "waiting", "cut_off"}) {
            gauge("viewkeeper.quorum.standing", "1 for where the replica stands with its group: serving clients, "
                    + "waiting for a view, or cut off (clients sent away)", Tags.of("standing", standing),
                    s -> s.sizes().clients().standing().equals(standing) ? 1 : 0);
        }
        for (io.viewkeeper.consensus.Ignored reason : io.viewkeeper.consensus.Ignored.values()) {
            String name = reason.name().toLowerCase(java.util.Locale.ROOT);
            gauge("viewkeeper.vr.ignored", "Peer messages the replica ignored since it started, by reason (a damaged "
                    + "entry, a stale view, a message for another primary...)", Tags.of("reason", name),
                    s -> s.ignoredMessages().getOrDefault(name, 0L));
        }
        gauge("viewkeeper.read.only", "1 while the replica serves read-only sessions (cut off, read-only mode on)",
                Tags.empty(), s -> s.sizes().clients().readOnlyMode() ? 1 : 0);
        gauge("viewkeeper.connections.read.only", "Read-only client connections", Tags.empty(),
                s -> s.sizes().clients().readOnlyConnections());
        gauge("viewkeeper.handshakes.refused.no.quorum", "Handshakes refused since start for lack of a quorum",
                Tags.empty(), s -> s.sizes().clients().refusedNoQuorum());
        gauge("viewkeeper.connections.closed.no.quorum", "Client connections closed since start on losing contact "
                + "with a quorum", Tags.empty(), s -> s.sizes().clients().closedNoQuorum());
        gauge("viewkeeper.sessions.read.only", "Read-only sessions accepted since start", Tags.empty(),
                s -> s.sizes().clients().readOnlySessions());
    }

    @Override
    public void bindInputs(Map<String, java.util.function.LongSupplier> consumedByKind,
            java.util.function.LongSupplier highWater, java.util.function.LongSupplier refused,
            java.util.function.LongSupplier dropped) {
        // Micrometer holds what a function counter reads only weakly: these must live as long as this registry
        boundInputs.addAll(consumedByKind.values());
        boundInputs.addAll(List.of(highWater, refused, dropped));
        consumedByKind.forEach((kind, count) -> FunctionCounter.builder("viewkeeper.replica.inputs", count,
                        LongSupplier::getAsLong)
                .description("Inputs the replica thread consumed since start, by kind").tags("kind", kind)
                .register(registry));
        Gauge.builder("viewkeeper.replica.input.queue.high.water", highWater, LongSupplier::getAsLong)
                .description("The most inputs the replica thread's queue held at once").register(registry);
        FunctionCounter.builder("viewkeeper.replica.inputs.refused", refused, LongSupplier::getAsLong)
                .description("Client and admin inputs refused for a full queue (their connections stopped reading)")
                .register(registry);
        FunctionCounter.builder("viewkeeper.replica.inputs.dropped", dropped, LongSupplier::getAsLong)
                .description("Peer inputs dropped for a full queue").register(registry);
    }

    private void gauge(String name, String description, Tags tags, ToDoubleFunction<ReplicaSample> value) {
        Gauge.builder(name, latest, ref -> {
            ReplicaSample sample = ref.get();
            return sample == null ? Double.NaN : value.applyAsDouble(sample);
        }).description(description).tags(tags).register(registry);
    }

    private static double lagOf(ReplicaSample sample, int index) {
        if (index >= sample.peerLagOps().size() || sample.peerLagOps().get(index) < 0) {
            return Double.NaN;
        }
        return sample.peerLagOps().get(index);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Called on the replica thread for every request: a plain lookup, the timer built only on an op's first answer. */
    @Override
    public void onAnswered(int opCode, long latencyNanos, int errorCode) {
        boolean ok = errorCode == 0;
        long key = ((long) opCode << 1) | (ok ? 1 : 0);
        Timer timer = requestTimers.get(key);
        if (timer == null) {
            timer = requestTimers.computeIfAbsent(key, k -> requestTimer(opCode, ok));
        }
        timer.record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
    }

    private Timer requestTimer(int opCode, boolean ok) {
        return Timer.builder("viewkeeper.requests")
                .description("Client requests answered, by ZooKeeper op and outcome")
                .tags("op", OpCode.name(opCode), "outcome", ok ? "ok" : "error")
                .publishPercentileHistogram().minimumExpectedValue(LATENCY_MIN).maximumExpectedValue(LATENCY_MAX)
                .register(registry);
    }

    @Override
    public void recordFsync(long nanos, int entries) {
        fsync.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        fsyncEntries.record(entries);
    }

    @Override
    public void recordPrepareBatch(int entries) {
        prepareEntries.record(entries);
    }

    /** Views only grow, so the count of view changes is the sum of the steps the samples see. */
    @Override
    public synchronized void recordSample(ReplicaSample sample) {
        if (lastView >= 0 && sample.view() > lastView) {
            viewChanges.increment(sample.view() - lastView);
        }
        lastView = Math.max(lastView, sample.view());
        latest.set(sample);
    }

    @Override
    public void recordReplicaTimeout() {
        replicaTimeouts.increment();
    }

    @Override
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
