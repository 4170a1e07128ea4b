package io.viewkeeper.bench.jmh;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.consensus.ReplicaOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One batch of client requests through a 3-replica group of {@link Replica}s in one thread, messages delivered in
 * memory and every persist reported durable at once (the disk is left out; WalBenchmark measures it): the
 * primary accepts the batch and sends one Prepare, each backup handles the Prepare and answers PrepareOk, the
 * primary commits. Reported per op. The group starts afresh every {@value #BATCHES_PER_GROUP} batches so the log
 * stays small; that rebuild is included, amortised.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PrepareBatchBenchmark {
    static final int REPLICAS = 3;
    static final int BATCHES_PER_GROUP = 500;
    static final int BATCH = 64;

    private Replica[] replicas;
    private ArrayDeque<Delivery> network;
    private long requestNumber;
    private int batchesInGroup;
    private long committed;
    private byte[] body;

    private record Delivery(int to, Message message, long persistedOp) {
    }

    @Setup
    public void setUp() {
        body = new byte[120];
        buildGroup();
    }

    private void buildGroup() {
        network = new ArrayDeque<>();
        replicas = new Replica[REPLICAS];
        for (int i = 0; i < REPLICAS; i++) {
            replicas[i] = new Replica(new ReplicaConfiguration(REPLICAS, i, 1024), ReplicaOptions.defaults(),
                    new InMemoryOutbox(i), new SplittableRandom(i));
        }
        requestNumber = 0;
        batchesInGroup = 0;
    }

    /** Queues sends and durable reports; commits are counted. */
    private final class InMemoryOutbox implements Outbox {
        private final int index;

        InMemoryOutbox(int index) {
            this.index = index;
        }

        @Override
        public void persist(List<LogEntry> entries) {
            network.add(new Delivery(index, null, entries.getLast().op()));
        }

        @Override
        public void commit(LogEntry entry) {
            committed++;
        }

        @Override
        public void send(int replicaIndex, Message message) {
            network.add(new Delivery(replicaIndex, message, 0));
        }

        @Override
        public void truncate(long lastOpKept) {
            throw new IllegalStateException("the benchmark's group changes no view, so it truncates nothing");
        }

        @Override
        public void persistMembership(io.viewkeeper.consensus.Membership membership, long op) {
            throw new UnsupportedOperationException("the benchmark never reconfigures");
        }

        @Override
        public void persistViewState(long view, long lastNormalView) {
            // in memory: nothing to make durable
        }

        @Override
        public void repairLog(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("replicas in memory never restart on a damaged log");
        }

        @Override
        public void resolveTail(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("replicas in memory never restart on a damaged log");
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long prepareBatch() {
        if (++batchesInGroup > BATCHES_PER_GROUP) {
            buildGroup();
            batchesInGroup = 1;
        }
        Replica primary = replicas[0];
        for (int i = 0; i < BATCH; i++) {
            primary.onRequest(1, ++requestNumber, body);
        }
        primary.flush();
        List<Integer> flushed = new ArrayList<>(REPLICAS);
        while (!network.isEmpty()) {
            Delivery delivery = network.poll();
            Replica target = replicas[delivery.to()];
            if (delivery.message() == null) {
                target.onPersisted(delivery.persistedOp());
            } else {
                target.onMessage(delivery.message());
                flushed.add(delivery.to());
            }
            if (network.isEmpty()) {
                for (int index : flushed) {
                    replicas[index].flush();
                }
                flushed.clear();
            }
        }
        if (primary.commitNumber() != primary.opNumber()) {
            throw new IllegalStateException("batch not committed: commit " + primary.commitNumber() + " of "
                    + primary.opNumber());
        }
        return committed;
    }
}
