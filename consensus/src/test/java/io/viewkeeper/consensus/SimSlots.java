package io.viewkeeper.consensus;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * The slots the simulated nodes hold in the group's configuration: node i holds slot i, or, drawn from the seed for
 * half the seeds, distinct random slots not in node order, so that the primary's rotation and every message's
 * sender follow slots, not node numbers. Nodes 0..voters-1 are the voters, the rest learners.
 */
final class SimSlots {
    private final int voters;
    private final int[] slotOf;
    private final int[] nodeOfSlot = new int[ReplicaConfiguration.SLOTS];

    private final int learners;

    /** Nodes after the voters and learners are spares: slots of members a reconfiguration may add. */
    SimSlots(long seed, int voters, int learners, int spares, boolean draw) {
        this.voters = voters;
        this.learners = learners;
        this.slotOf = new int[voters + learners + spares];
        Arrays.setAll(slotOf, i -> i);
        Random random = new Random(SimNetwork.mix(seed, 0x9E3779B97F4A7C15L, 13));
        if (draw && !random.nextBoolean()) {
            Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < slotOf.length; i++) {
                int slot;
                do {
                    slot = random.nextInt(ReplicaConfiguration.SLOTS);
                } while (!taken.add(slot));
                slotOf[i] = slot;
            }
        }
        Arrays.fill(nodeOfSlot, -1);
        for (int i = 0; i < slotOf.length; i++) {
            nodeOfSlot[slotOf[i]] = i;
        }
    }

    /** The node that holds {@code slot}; a send to a slot no node holds is a bug of the replica. */
    int nodeOf(int slot) {
        if (slot < 0 || slot >= nodeOfSlot.length || nodeOfSlot[slot] < 0) {
            throw new IllegalStateException("a replica sent to slot " + slot + ", which no member holds");
        }
        return nodeOfSlot[slot];
    }

    /** Node {@code index}'s view of the group. */
    ReplicaConfiguration configuration(int index) {
        return ReplicaConfiguration.of(Arrays.copyOfRange(slotOf, 0, voters),
                Arrays.copyOfRange(slotOf, voters, voters + learners), slotOf[index], 8);
    }

    int slotOf(int node) {
        return slotOf[node];
    }

    /** The group the run starts with (epoch 0). */
    Membership initial() {
        return new Membership(0, Arrays.copyOfRange(slotOf, 0, voters),
                Arrays.copyOfRange(slotOf, voters, voters + learners));
    }
}
