package io.viewkeeper.consensus;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The members of a replica group in one epoch (VR Revisited §7): voter slots and learner slots, without a replica's
 * own place among them. Epoch 0 is the group the server's {@code server.N} lines seed; each committed
 * reconfiguration ({@link Reconfiguration}) starts the next epoch with its members. A view number carries its
 * epoch in its high 32 bits ({@link #firstView}), so a later epoch is a later view everywhere views are compared.
 */
public record Membership(long epoch, int[] voters, int[] learners) {

    /** Encoded size bound: the epoch, two counts and every slot. */
    public static final int ENCODED_BYTES_MAX = 8 + 2 + ReplicaConfiguration.VOTERS_MAX
            + ReplicaConfiguration.LEARNERS_MAX;

    public Membership {
        if (epoch < 0 || epoch > EPOCH_MAX) {
            throw new IllegalArgumentException("epoch out of range: " + epoch);
        }
        if (voters.length == 0) {
            throw new IllegalArgumentException("a membership without voters");
        }
        voters = voters.clone();
        learners = learners.clone();
        Arrays.sort(voters);
        Arrays.sort(learners);
        // the same rules as a replica's configuration: odd voters 1..7, at most 16 learners beside 3 voters or more
        ReplicaConfiguration.of(voters, learners, voters[0], 1);
    }

    /** The highest epoch: its views still fit a long with 32 bits of view within the epoch. */
    public static final long EPOCH_MAX = Integer.MAX_VALUE;

    /** The first view of {@code epoch}: the view number with the epoch in its high 32 bits and 0 below. */
    public static long firstView(long epoch) {
        return epoch << 32;
    }

    /** The epoch of {@code view}; -1 for the markers below every view (a message that carries no view). */
    public static long epochOf(long view) {
        return view < 0 ? -1 : view >>> 32;
    }

    /** The number of {@code view} within its epoch: the primary's position among the voters, modulo their count. */
    public static long numberInEpoch(long view) {
        return view & 0xFFFF_FFFFL;
    }

    /** A view as people read it: its number in epoch 0, else {@code epoch.number}. */
    public static String viewName(long view) {
        long epoch = epochOf(view);
        return epoch <= 0 ? Long.toString(view) : epoch + "." + numberInEpoch(view);
    }

    public boolean isVoter(int slot) {
        return Arrays.binarySearch(voters, slot) >= 0;
    }

    public boolean isLearner(int slot) {
        return Arrays.binarySearch(learners, slot) >= 0;
    }

    public boolean isMember(int slot) {
        return isVoter(slot) || isLearner(slot);
    }

    /** A majority of the voters. */
    public int quorum() {
        return voters.length / 2 + 1;
    }

    @Override
    public int[] voters() {
        return voters.clone();
    }

    @Override
    public int[] learners() {
        return learners.clone();
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(8 + 2 + voters.length + learners.length);
        out.putLong(epoch).put((byte) voters.length).put((byte) learners.length);
        for (int slot : voters) {
            out.put((byte) slot);
        }
        for (int slot : learners) {
            out.put((byte) slot);
        }
        return out.array();
    }

    /**
     * Reads a membership that {@link #encode} wrote.
     *
     * @throws IllegalArgumentException on bytes that are not one
     */
    public static Membership decode(ByteBuffer in) {
        if (in.remaining() < 10) {
            throw new IllegalArgumentException("membership of " + in.remaining() + " bytes");
        }
        long epoch = in.getLong();
        int voterCount = in.get() & 0xFF;
        int learnerCount = in.get() & 0xFF;
        if (voterCount > ReplicaConfiguration.VOTERS_MAX || learnerCount > ReplicaConfiguration.LEARNERS_MAX
                || in.remaining() < voterCount + learnerCount) {
            throw new IllegalArgumentException("membership of " + voterCount + " voters and " + learnerCount
                    + " learners in " + in.remaining() + " bytes");
        }
        int[] voters = new int[voterCount];
        int[] learners = new int[learnerCount];
        for (int i = 0; i < voterCount; i++) {
            voters[i] = in.get() & 0xFF;
        }
        for (int i = 0; i < learnerCount; i++) {
            learners[i] = in.get() & 0xFF;
        }
        if (voterCount == 0) {
            throw new IllegalArgumentException("membership without voters");
        }
        // one encoding per membership: slots ascending, as encode writes them
        for (int[] slots : new int[][] {voters, learners}) {
            for (int i = 1; i < slots.length; i++) {
                if (slots[i] <= slots[i - 1]) {
                    throw new IllegalArgumentException("membership slots not ascending: " + Arrays.toString(slots));
                }
            }
        }
        return new Membership(epoch, voters, learners);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Membership m && m.epoch == epoch && Arrays.equals(m.voters, voters)
                && Arrays.equals(m.learners, learners);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(voters) * 17 + Arrays.hashCode(learners);
    }

    @Override
    public String toString() {
        return "epoch " + epoch + " voters " + Arrays.toString(voters) + " learners " + Arrays.toString(learners);
    }
}
