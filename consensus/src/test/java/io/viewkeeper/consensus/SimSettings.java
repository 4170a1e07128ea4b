package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The knobs of one simulated run, drawn from the seed so that every seed explores a different mix of faults.
 * Shrinking produces smaller settings ({@link #shrinkCandidates()}) that still reproduce a failure.
 */
public record SimSettings(
        int replicaCount,
        int clientCount,
        int keyCount,
        int opsPerClient,
        int safetyTicks,
        int livenessTicksMax,
        double readFraction,
        double dropProbability,
        double duplicateProbability,
        double corruptMessageProbability,
        int deliveryDelayTicksMax,
        int diskDelayTicksMax,
        double partitionProbability,
        double crashProbability,
        double crashPointProbability,
        double wipeProbability,
        double diskCorruptProbability,
        double slowClockProbability,
        int checkpointIntervalOps,
        int logRetainedOpsMax,
        boolean pristineStart,
        int learnerCount) {

    /** The highest probability that a durable disk step is a crash point (see {@link Simulation#afterDiskStep}). */
    static final double CRASH_POINT_PROBABILITY_MAX = 0.1;

    public static SimSettings random(long seed) {
        Random random = new Random(SimNetwork.mix(seed, 0x5DEECE66DL, 11));
        boolean calm = random.nextInt(8) == 0;
        // Drawn from a stream of its own, so that the other settings of a seed are those drawn before it existed.
        double crashPointProbability = calm ? 0
                : CRASH_POINT_PROBABILITY_MAX * new Random(SimNetwork.mix(seed, 0x5DEECE66DL, 12)).nextDouble();
        // Learners too: a third of the runs have one or two.
        Random learners = new Random(SimNetwork.mix(seed, 0x5DEECE66DL, 13));
        int learnerCount = learners.nextInt(3) == 0 ? 1 + learners.nextInt(2) : 0;
        return new SimSettings(
                random.nextInt(4) == 0 ? 5 : 3,
                2 + random.nextInt(7),
                1 + random.nextInt(4),
                8 + random.nextInt(25),
                300 + random.nextInt(1200),
                3000,
                random.nextDouble() * 0.5,
                calm ? 0 : random.nextDouble() * 0.15,
                calm ? 0 : random.nextDouble() * 0.05,
                calm ? 0 : random.nextDouble() * 0.01,
                1 + random.nextInt(8),
                1 + random.nextInt(random.nextBoolean() ? 3 : 20),
                calm ? 0 : random.nextDouble() * 0.015,
                calm ? 0 : random.nextDouble() * 0.02,
                crashPointProbability,
                random.nextDouble() * 0.3,
                random.nextDouble() * 0.2,
                random.nextDouble() * 0.3,
                new int[] {0, 4, 16, 64}[random.nextInt(4)],
                new int[] {8, 32, 1 << 20}[random.nextInt(3)],
                random.nextInt(4) == 0,
                learnerCount);
    }

    /** Three times the faults and the safety phase: for long runs looking for rarer interleavings. */
    public SimSettings harsher() {
        return new SimSettings(replicaCount, clientCount, keyCount, opsPerClient * 3, safetyTicks * 3, livenessTicksMax,
                readFraction, Math.min(0.4, dropProbability * 2), Math.min(0.2, duplicateProbability * 2),
                corruptMessageProbability, deliveryDelayTicksMax, diskDelayTicksMax,
                Math.min(0.05, partitionProbability * 3), Math.min(0.05, crashProbability * 3),
                Math.min(0.3, crashPointProbability * 3), Math.min(0.9, wipeProbability * 2),
                Math.min(0.9, diskCorruptProbability * 3), slowClockProbability, checkpointIntervalOps,
                logRetainedOpsMax, pristineStart, learnerCount);
    }

    /** A fault-free cluster for scenario tests: nothing happens unless the test makes it happen. */
    public static SimSettings quiet(int replicaCount) {
        return new SimSettings(replicaCount, 0, 4, 0, 0, 3000, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1 << 20,
                false, 0);
    }

    /** The same run with {@code learners} learners beside the voters. */
    public SimSettings withLearners(int learners) {
        return new SimSettings(replicaCount, clientCount, keyCount, opsPerClient, safetyTicks, livenessTicksMax,
                readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                checkpointIntervalOps, logRetainedOpsMax, pristineStart, learners);
    }

    public SimSettings withCheckpoints(int intervalOps, int retainedOpsMax) {
        return new SimSettings(replicaCount, clientCount, keyCount, opsPerClient, safetyTicks, livenessTicksMax,
                readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                intervalOps, retainedOpsMax, pristineStart, learnerCount);
    }

    /** The same run with every replica starting pristine: no replica has a disk, the group must start itself. */
    public SimSettings withPristineStart() {
        return new SimSettings(replicaCount, clientCount, keyCount, opsPerClient, safetyTicks, livenessTicksMax,
                readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                checkpointIntervalOps, logRetainedOpsMax, true, learnerCount);
    }

    /** Each candidate is one step smaller in one dimension: fewer clients, ops or ticks, or one fault turned off. */
    public List<SimSettings> shrinkCandidates() {
        List<SimSettings> candidates = new ArrayList<>();
        SimSettings s = this;
        if (clientCount > 1) {
            candidates.add(new SimSettings(replicaCount, clientCount - 1, keyCount, opsPerClient, safetyTicks,
                    livenessTicksMax, readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                    deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                    crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                    checkpointIntervalOps, logRetainedOpsMax, pristineStart, learnerCount));
        }
        if (opsPerClient > 2) {
            candidates.add(new SimSettings(replicaCount, clientCount, keyCount, opsPerClient * 2 / 3, safetyTicks,
                    livenessTicksMax, readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                    deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                    crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                    checkpointIntervalOps, logRetainedOpsMax, pristineStart, learnerCount));
        }
        if (safetyTicks > 50) {
            candidates.add(new SimSettings(replicaCount, clientCount, keyCount, opsPerClient, safetyTicks * 2 / 3,
                    livenessTicksMax, readFraction, dropProbability, duplicateProbability, corruptMessageProbability,
                    deliveryDelayTicksMax, diskDelayTicksMax, partitionProbability, crashProbability,
                    crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability,
                    checkpointIntervalOps, logRetainedOpsMax, pristineStart, learnerCount));
        }
        if (learnerCount > 0) {
            candidates.add(withLearners(learnerCount - 1));
        }
        double[] faults = {dropProbability, duplicateProbability, corruptMessageProbability, partitionProbability,
            crashProbability, crashPointProbability, wipeProbability, diskCorruptProbability, slowClockProbability};
        for (int i = 0; i < faults.length; i++) {
            if (faults[i] > 0) {
                double[] reduced = faults.clone();
                reduced[i] = 0;
                candidates.add(s.withFaults(reduced));
            }
        }
        return candidates;
    }

    private SimSettings withFaults(double[] f) {
        return new SimSettings(replicaCount, clientCount, keyCount, opsPerClient, safetyTicks, livenessTicksMax,
                readFraction, f[0], f[1], f[2], deliveryDelayTicksMax, diskDelayTicksMax, f[3], f[4], f[5], f[6], f[7],
                f[8], checkpointIntervalOps, logRetainedOpsMax, pristineStart, learnerCount);
    }

    /** A measure of size: smaller is simpler to read in a trace. */
    public double weight() {
        return clientCount * opsPerClient + safetyTicks / 10.0 + 100 * (dropProbability + duplicateProbability
                + corruptMessageProbability + partitionProbability + crashProbability + crashPointProbability
                + wipeProbability + diskCorruptProbability + slowClockProbability);
    }
}
