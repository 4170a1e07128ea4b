package io.viewkeeper.consensus;

import java.util.List;
import java.util.Random;

/**
 * The simulated network between replicas: which directed links are cut (symmetric and asymmetric partitions), and
 * the helpers that damage and fingerprint messages. Delivery itself is scheduled by the {@link Simulation}'s single
 * event queue, so delay, reordering and duplication come from the same seeded PRNG. Invariant: a replica's link to
 * itself is never cut.
 */
final class SimNetwork {

    private final boolean[][] cut;
    private long healAtTick = -1;
    private String partitionDescription = "none";

    SimNetwork(int replicaCount) {
        this.cut = new boolean[replicaCount][replicaCount];
    }

    boolean delivers(int from, int to) {
        return !cut[from][to];
    }

    void cut(int from, int to) {
        if (from != to) {
            cut[from][to] = true;
        }
    }

    void isolate(int replica) {
        for (int other = 0; other < cut.length; other++) {
            cut(replica, other);
            cut(other, replica);
        }
        partitionDescription = "isolate r" + replica;
    }

    void heal() {
        for (boolean[] row : cut) {
            java.util.Arrays.fill(row, false);
        }
        healAtTick = -1;
        partitionDescription = "none";
    }

    boolean partitioned() {
        return healAtTick >= 0;
    }

    String describe() {
        return partitionDescription;
    }

    /** Maybe heals an expired partition; returns true when it did. */
    boolean healIfDue(long now) {
        if (healAtTick >= 0 && now >= healAtTick) {
            heal();
            return true;
        }
        return false;
    }

    /** Starts a random partition: a symmetric split, one-way cuts, or the given primary isolated. */
    void partitionRandomly(Random random, long now, int durationTicks, int primary) {
        int n = cut.length;
        switch (random.nextInt(4)) {
            case 0 -> {
                int mask = 1 + random.nextInt((1 << n) - 2);
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        if (((mask >> a) & 1) != ((mask >> b) & 1)) {
                            cut(a, b);
                        }
                    }
                }
                partitionDescription = "split mask " + Integer.toBinaryString(mask);
            }
            case 1 -> {
                int links = 1 + random.nextInt(n);
                StringBuilder description = new StringBuilder("one-way");
                for (int i = 0; i < links; i++) {
                    int a = random.nextInt(n);
                    int b = random.nextInt(n);
                    cut(a, b);
                    description.append(' ').append(a).append("->").append(b);
                }
                partitionDescription = description.toString();
            }
            default -> isolate(primary);
        }
        healAtTick = now + durationTicks;
    }

    static LogEntry corrupt(LogEntry entry, Random random) {
        byte[] body = entry.body().clone();
        if (body.length == 0) {
            return new LogEntry(entry.op(), entry.view(), entry.clientId(), entry.requestNumber(), body,
                    entry.checksum() ^ 1);
        }
        body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
        return new LogEntry(entry.op(), entry.view(), entry.clientId(), entry.requestNumber(), body, entry.checksum());
    }

    /**
     * A copy of the message with one entry or one checkpoint byte damaged in transit, or the message itself if it
     * carries neither.
     */
    static Message corrupt(Message message, Random random) {
        return switch (message) {
            case Message.Prepare m -> new Message.Prepare(m.view(), m.commitNumber(), m.parentChain(),
                    corruptOne(m.entries(), random), m.releasableOp(), m.from());
            case Message.StartView m -> new Message.StartView(m.view(), m.opNumber(), m.commitNumber(), m.firstOp(),
                    m.parentChain(), corruptOne(m.entries(), random), m.from());
            case Message.NewState m -> new Message.NewState(m.view(), m.opNumber(), m.commitNumber(), m.checkpoint(),
                    m.parentChain(), corruptOne(m.entries(), random), m.from());
            case Message.RepairResponse m when !m.entries().isEmpty() -> new Message.RepairResponse(m.firstOp(),
                    m.lastOp(), corruptOne(m.entries(), random), null, m.from());
            case Message.TailResponse m when !m.entries().isEmpty() -> new Message.TailResponse(m.afterOp(),
                    m.round(), m.currentView(), m.lastNormalView(), m.normalPrimary(), m.lastOp(), m.answer(),
                    corruptOne(m.entries(), random), m.from());
            case Message.CheckpointChunk m when m.data().length > 0 -> {
                byte[] data = m.data().clone();
                data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
                yield new Message.CheckpointChunk(m.checkpoint(), m.offset(), data, m.clients(), m.from());
            }
            default -> message;
        };
    }

    private static List<LogEntry> corruptOne(List<LogEntry> entries, Random random) {
        if (entries.isEmpty()) {
            return entries;
        }
        LogEntry[] copy = entries.toArray(new LogEntry[0]);
        int index = random.nextInt(copy.length);
        copy[index] = corrupt(copy[index], random);
        return List.of(copy);
    }

    /** A fingerprint of a message that depends only on its contents (never on identity hash codes). */
    static long digest(Message message) {
        long h = switch (message) {
            case Message.Request m -> mix(1, m.clientId(), m.requestNumber());
            case Message.Prepare m -> mix(2, m.commitNumber(), entries(m.entries()));
            case Message.PrepareOk m -> mix(3, m.op(), 0);
            case Message.Commit m -> mix(4, m.commitNumber(), m.readRound());
            case Message.CommitOk m -> mix(5, m.readRound(), 0);
            case Message.StartViewChange m -> mix(6, m.commitNumber(), 0);
            case Message.DoViewChange m -> mix(7, m.lastNormalView() * 131 + m.opNumber(), entries(m.entries()));
            case Message.StartView m -> mix(8, m.opNumber() * 131 + m.commitNumber(), entries(m.entries()));
            case Message.Recovery m -> mix(9, m.nonce(), m.pristine() ? 1 : 0);
            case Message.RecoveryResponse m -> mix(10, m.nonce() + m.opNumber() * 2 + (m.pristine() ? 1 : 0),
                    entries(m.entries()));
            case Message.GetState m -> mix(11, m.opNumber() * 131 + m.heldOp(), m.heldChain());
            case Message.NewState m -> mix(12, m.opNumber(), entries(m.entries()));
            case Message.ReadIndexRequest m -> mix(13, m.batchId(), 0);
            case Message.ReadIndexResponse m -> mix(14, m.batchId(), m.readIndex());
            case Message.CheckpointRequest m -> mix(15, m.op() * 131 + m.offset(), m.checksum());
            case Message.CheckpointChunk m -> mix(16, m.checkpoint().op() * 131 + m.offset(),
                    java.util.Arrays.hashCode(m.data()) * 31L + m.clients().size());
            case Message.RepairRequest m -> mix(17, m.firstOp() * 131 + m.lastOp(), m.chainAtLast());
            case Message.RepairResponse m -> mix(18, m.firstOp() * 131 + (m.refusal() == null ? 0
                    : m.refusal().ordinal() + 1), entries(m.entries()));
            case Message.TailRequest m -> mix(19, m.afterOp() * 131 + m.throughOp() * 7 + m.round(), m.chainAtAfter());
            case Message.TailResponse m -> mix(20, m.afterOp() * 131 + m.lastNormalView() * 7 + m.answer().ordinal()
                    + (m.normalPrimary() ? 3 : 0) + m.round() * 17, mix(m.lastOp(), entries(m.entries()),
                    m.currentView()));
            case Message.EpochRequest m -> mix(21, m.commitNumber(), m.leaving() ? 1 : 0);
            case Message.EpochState m -> mix(22, m.commitNumber() * 2 + (m.started() ? 1 : 0), entries(m.entries()));
            case Message.EpochNotice m -> mix(23, m.membership().epoch(), 0);
        };
        return mix(h, message.view(), message.from());
    }

    private static long entries(List<LogEntry> entries) {
        long h = entries.size();
        for (LogEntry entry : entries) {
            h = mix(h, entry.op(), entry.checksum());
        }
        return h;
    }

    static long mix(long a, long b, long c) {
        long h = a * 0x9E3779B97F4A7C15L + b;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + c;
        return h ^ (h >>> 32);
    }
}
