package io.viewkeeper.consensus;

import java.util.Arrays;

/**
 * The replica group this replica belongs to, and its own slot in it. Every member has a slot, a number in
 * {@code 0..SLOTS-1} that names it in every message ({@link Message#from()}) and that no other member ever takes
 * (the server gives replica {@code server.N} slot N-1). Voters and learners (ZooKeeper's observers) are two disjoint
 * sets of slots. The primary of view v is the voter at position {@code v mod n} of the voters in slot order (VR
 * Revisited §4: the configuration sorted, the primary chosen round-robin). A learner receives the log from the
 * primary, persists and applies it, and is in no quorum: it never votes in a view change or a recovery, its
 * acknowledgements commit nothing, and it never becomes primary.
 */
public final class ReplicaConfiguration {

    /** Slots are {@code 0..SLOTS-1}: ZooKeeper's server ids are 1..255 (a session id holds the id in its top byte). */
    public static final int SLOTS = 255;
    /** At most this many learners: each costs the primary a copy of every Prepare. */
    public static final int LEARNERS_MAX = 16;
    /** At most this many voters. */
    public static final int VOTERS_MAX = 7;

    private final int[] voters;
    private final int[] learners;
    private final int replicaIndex;
    private final int batchOpMax;
    private final long epoch;
    private final boolean[] voter = new boolean[SLOTS];
    private final boolean[] learner = new boolean[SLOTS];

    private ReplicaConfiguration(int[] voters, int[] learners, int replicaIndex, int batchOpMax, long epoch) {
        this.voters = voters.clone();
        this.learners = learners.clone();
        Arrays.sort(this.voters);
        Arrays.sort(this.learners);
        if (this.voters.length < 1 || this.voters.length > VOTERS_MAX || this.voters.length % 2 == 0) {
            throw new IllegalArgumentException("voters must be odd in number, 1.." + VOTERS_MAX + ": "
                    + Arrays.toString(voters));
        }
        if (this.learners.length > LEARNERS_MAX) {
            throw new IllegalArgumentException("learners must be 0.." + LEARNERS_MAX + ": "
                    + Arrays.toString(learners));
        }
        if (this.learners.length > 0 && this.voters.length < 3) {
            throw new IllegalArgumentException("learners need a group of at least 3 voters, not "
                    + this.voters.length);
        }
        for (int slot : this.voters) {
            checkSlot(slot);
            voter[slot] = true;
        }
        for (int slot : this.learners) {
            checkSlot(slot);
            learner[slot] = true;
        }
        if (replicaIndex < 0 || replicaIndex >= SLOTS || (!voter[replicaIndex] && !learner[replicaIndex])) {
            throw new IllegalArgumentException("replica slot " + replicaIndex + " is not a member of " + this);
        }
        if (batchOpMax < 1) {
            throw new IllegalArgumentException("batchOpMax must be positive: " + batchOpMax);
        }
        this.replicaIndex = replicaIndex;
        this.batchOpMax = batchOpMax;
        this.epoch = epoch;
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= SLOTS || voter[slot] || learner[slot]) {
            throw new IllegalArgumentException("slot " + slot + " out of range or named twice: voters "
                    + Arrays.toString(voters) + ", learners " + Arrays.toString(learners));
        }
    }

    /** Voters in slots {@code 0..replicaCount-1} and learners in the {@code learnerCount} slots after them. */
    public ReplicaConfiguration(int replicaCount, int replicaIndex, int batchOpMax, int learnerCount) {
        this(range(0, replicaCount), range(replicaCount, replicaCount + learnerCount), replicaIndex, batchOpMax, 0);
    }

    /** A group of voters only, in slots {@code 0..replicaCount-1}. */
    public ReplicaConfiguration(int replicaCount, int replicaIndex, int batchOpMax) {
        this(replicaCount, replicaIndex, batchOpMax, 0);
    }

    /** A group of these voters and learners (slots, in any order), this replica at slot {@code self}. */
    public static ReplicaConfiguration of(int[] voters, int[] learners, int self, int batchOpMax) {
        return new ReplicaConfiguration(voters, learners, self, batchOpMax, 0);
    }

    /** The group {@code membership}, this replica at slot {@code self} (a member of it). */
    public static ReplicaConfiguration of(Membership membership, int self, int batchOpMax) {
        return new ReplicaConfiguration(membership.voters(), membership.learners(), self, batchOpMax,
                membership.epoch());
    }

    /** This replica's place in {@code next}, a later epoch's members; null when it is not a member of it. */
    ReplicaConfiguration in(Membership next) {
        return next.isMember(replicaIndex) ? of(next, replicaIndex, batchOpMax) : null;
    }

    /** The members of this configuration's epoch. */
    public Membership membership() {
        return new Membership(epoch, voters, learners);
    }

    /** The epoch these members belong to (0: the seed configuration). */
    public long epoch() {
        return epoch;
    }

    public static ReplicaConfiguration single() {
        return new ReplicaConfiguration(1, 0, 1024);
    }

    private static int[] range(int from, int to) {
        if (to < from || from < 0) {
            throw new IllegalArgumentException("no members " + from + ".." + to);
        }
        int[] slots = new int[to - from];
        Arrays.setAll(slots, i -> from + i);
        return slots;
    }

    /** The number of voters. */
    public int replicaCount() {
        return voters.length;
    }

    public int learnerCount() {
        return learners.length;
    }

    /** This replica's slot. */
    public int replicaIndex() {
        return replicaIndex;
    }

    public int batchOpMax() {
        return batchOpMax;
    }

    /** A majority of the voters. */
    public int quorum() {
        return voters.length / 2 + 1;
    }

    /** Voters and learners. */
    public int memberCount() {
        return voters.length + learners.length;
    }

    /** The voters' slots, ascending. */
    public int[] voters() {
        return voters.clone();
    }

    /** The learners' slots, ascending. */
    public int[] learners() {
        return learners.clone();
    }

    /** The voter at {@code position} (0-based) in slot order. */
    int voterAt(int position) {
        return voters[position];
    }

    /**
     * The primary of {@code view}: the voter at position {@code v mod n} (§4), v the view's number within its epoch;
     * -1 (no slot) for a view of another epoch, whose voters this configuration does not know.
     */
    public int primaryOf(long view) {
        if (Membership.epochOf(view) != epoch) {
            return -1;
        }
        return voters[(int) (Membership.numberInEpoch(view) % voters.length)];
    }

    /** Whether this replica is a learner. */
    public boolean learner() {
        return learner[replicaIndex];
    }

    public boolean isLearner(int slot) {
        return slot >= 0 && slot < SLOTS && learner[slot];
    }

    public boolean isVoter(int slot) {
        return slot >= 0 && slot < SLOTS && voter[slot];
    }

    public boolean isMember(int slot) {
        return isVoter(slot) || isLearner(slot);
    }

    /** The slot after {@code slot} among the voters, wrapping around, skipping this replica's own. */
    int nextVoterAfter(int slot) {
        for (int i = 0; i < voters.length; i++) {
            int candidate = voters[(position(slot) + 1 + i) % voters.length];
            if (candidate != replicaIndex) {
                return candidate;
            }
        }
        return replicaIndex;
    }

    /** The position of the first voter at or after {@code slot}, minus one if {@code slot} is not a voter. */
    private int position(int slot) {
        int found = Arrays.binarySearch(voters, slot);
        return found >= 0 ? found : -found - 2;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReplicaConfiguration c && replicaIndex == c.replicaIndex && epoch == c.epoch
                && batchOpMax == c.batchOpMax && Arrays.equals(voters, c.voters) && Arrays.equals(learners, c.learners);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(voters) + Arrays.hashCode(learners)) + replicaIndex;
    }

    @Override
    public String toString() {
        return "ReplicaConfiguration[epoch=" + epoch + ", voters=" + Arrays.toString(voters) + ", learners="
                + Arrays.toString(learners)
                + ", self=" + replicaIndex + ", batchOpMax=" + batchOpMax + "]";
    }
}
