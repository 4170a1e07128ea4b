package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The operator of a simulated run that changes its group (VR Revisited §7): during the safety phase it asks the
 * primary now and then for a reconfiguration drawn from what the latest committed members allow (add a learner, a
 * spare node; replace a voter by a learner; grow 3 voters to 5 with two learners; shrink 5 to 3; remove a learner),
 * starts a spare as a joining learner once a committed reconfiguration names it, and stops a replica for good once it
 * says it was removed. It checks that every epoch has one set of members, wherever its reconfiguration is applied,
 * and that only a voter of an epoch is ever primary of a view of it.
 */
final class SimReconfigurer {

    private final Simulation sim;
    private final boolean active;
    private final TreeMap<Long, Membership> byEpoch = new TreeMap<>();
    private long requestNumber;
    private long outstandingSince = -1;
    private Reconfiguration.Decision lastDecision;
    int proposed;
    int accepted;
    int refused;

    SimReconfigurer(Simulation sim, boolean active) {
        this.sim = sim;
        this.active = active;
        byEpoch.put(0L, sim.slots.initial());
    }

    boolean active() {
        return active;
    }

    Membership latest() {
        return byEpoch.lastEntry().getValue();
    }

    /** Whether the node is a voter of the latest epoch or the one before (fault bounds count it as a voter). */
    boolean countsAsVoter(SimNode node) {
        int slot = sim.slots.slotOf(node.index);
        Membership before = byEpoch.lowerEntry(byEpoch.lastKey()) == null ? null
                : byEpoch.lowerEntry(byEpoch.lastKey()).getValue();
        return latest().isVoter(slot) || before != null && before.isVoter(slot);
    }

    /** The voters of the latest epoch and the one before: fault bounds keep a majority of each up. */
    List<Membership> recent() {
        List<Membership> recent = new ArrayList<>();
        recent.add(latest());
        var before = byEpoch.lowerEntry(byEpoch.lastKey());
        if (before != null) {
            recent.add(before.getValue());
        }
        return recent;
    }

    void onApply(SimNode node, LogEntry entry) {
        Reconfiguration reconfiguration = Reconfiguration.of(entry);
        if (reconfiguration == null || !reconfiguration.accepted()) {
            return;
        }
        Membership members = reconfiguration.membership();
        Membership known = byEpoch.putIfAbsent(members.epoch(), members);
        if (known != null && !known.equals(members)) {
            throw new Simulation.Violation("two-memberships", "r" + node.index + " applied " + members + " where "
                    + known + " was applied");
        }
        if (known == null) {
            sim.record("epoch " + members.epoch() + " committed: " + members);
            sim.faults().record(SimFaults.Kind.EPOCH_STARTED);
        }
    }

    void onReply(long request, long op) {
        if (request == requestNumber) {
            outstandingSince = -1;
            LogEntry entry = sim.committedEntry(op);
            lastDecision = entry == null ? null : Reconfiguration.parse(entry.body()).decision();
        }
    }

    /** What the primary decided on the last request, once applied; null before. */
    Reconfiguration.Decision lastDecision() {
        return lastDecision;
    }

    /** Scenario use: asks node {@code at} for a reconfiguration to {@code next}'s members (its epoch is ignored). */
    long propose(int at, Membership next) {
        return propose(at, sim.nodes[at].replica.configuration().epoch() + 1, next);
    }

    /** Scenario use: as {@link #propose(int, Membership)}, proposed as the change to {@code epoch}. */
    long propose(int at, long epoch, Membership next) {
        requestNumber++;
        lastDecision = null;
        sim.record("reconfiguration " + requestNumber + " to " + next + " at r" + at);
        return sim.nodes[at].replica.onRequest(Reconfiguration.CLIENT, requestNumber,
                Reconfiguration.request(epoch, next.voters(), next.learners(), new byte[0]));
    }

    void onTick() {
        for (SimNode node : sim.nodes) {
            if (node.up && node.replica.isRemoved()) {
                sim.record("r" + node.index + " was removed: stopped for good");
                node.retired = true;
                node.up = false;
                sim.faults().record(SimFaults.Kind.MEMBER_REMOVED);
            }
            if (node.spare && latest().isMember(sim.slots.slotOf(node.index))) {
                node.spare = false;
                node.knownMembership = latest();
                sim.faults().record(SimFaults.Kind.MEMBER_JOINED);
                sim.record("r" + node.index + " joins as a learner of " + latest());
                node.start(null);
            }
        }
        if (!active || !sim.faultsOn || outstandingSince >= 0 && sim.now - outstandingSince < 300
                || sim.random.nextInt(120) != 0) {
            return;
        }
        int primary = sim.primary();
        if (primary < 0 || sim.nodes[primary].replica.configuration().epoch() != latest().epoch()) {
            return;
        }
        Membership next = draw(latest());
        if (next == null) {
            return;
        }
        proposed++;
        outstandingSince = sim.now;
        requestNumber++;
        sim.record("reconfiguration " + requestNumber + " to " + next + " at r" + primary);
        sim.nodes[primary].replica.onRequest(Reconfiguration.CLIENT, requestNumber,
                Reconfiguration.request(latest().epoch() + 1, next.voters(), next.learners(),
                        new byte[] {(byte) requestNumber}));
    }

    /** A next group drawn from the changes {@code now} allows, or null. */
    private Membership draw(Membership now) {
        int[] voters = now.voters();
        int[] learners = now.learners();
        List<Integer> spares = new ArrayList<>();
        for (SimNode node : sim.nodes) {
            if (node.spare) {
                spares.add(sim.slots.slotOf(node.index));
            }
        }
        switch (sim.random.nextInt(5)) {
            case 0 -> {
                if (spares.isEmpty() || learners.length >= 2 || voters.length < 3) {
                    return null;
                }
                return new Membership(0, voters, plus(learners, spares.get(sim.random.nextInt(spares.size()))));
            }
            case 1 -> {
                if (learners.length == 0) {
                    return null;
                }
                int learner = learners[sim.random.nextInt(learners.length)];
                int voter = voters[sim.random.nextInt(voters.length)];
                int[] nextLearners = minus(learners, learner);
                if (sim.random.nextBoolean()) {
                    nextLearners = plus(nextLearners, voter);
                }
                return new Membership(0, plus(minus(voters, voter), learner), nextLearners);
            }
            case 2 -> {
                if (voters.length != 3 || learners.length < 2) {
                    return null;
                }
                return new Membership(0, plus(plus(voters, learners[0]), learners[1]),
                        minus(minus(learners, learners[0]), learners[1]));
            }
            case 3 -> {
                if (voters.length != 5) {
                    return null;
                }
                int a = voters[sim.random.nextInt(5)];
                int[] rest = minus(voters, a);
                int b = rest[sim.random.nextInt(4)];
                return new Membership(0, minus(rest, b), learners);
            }
            default -> {
                if (learners.length == 0) {
                    return null;
                }
                return new Membership(0, voters, minus(learners, learners[sim.random.nextInt(learners.length)]));
            }
        }
    }

    private static int[] plus(int[] slots, int slot) {
        int[] more = Arrays.copyOf(slots, slots.length + 1);
        more[slots.length] = slot;
        return more;
    }

    private static int[] minus(int[] slots, int slot) {
        return Arrays.stream(slots).filter(s -> s != slot).toArray();
    }

    /** A node primary in normal status of a view must be a voter of that view's epoch. */
    void checkPrimary(SimNode node) {
        Replica replica = node.replica;
        Membership members = byEpoch.get(Membership.epochOf(replica.view()));
        if (members != null && !members.isVoter(sim.slots.slotOf(node.index))) {
            throw new Simulation.Violation("non-member-primary", "r" + node.index + " is primary of view "
                    + replica.view() + " but not a voter of " + members);
        }
    }

    /** Every started node left out of the latest epoch has learned that it was removed. */
    boolean settled() {
        for (SimNode node : sim.nodes) {
            if (!node.spare && !node.retired && !latest().isMember(sim.slots.slotOf(node.index))) {
                return false;
            }
        }
        return true;
    }

    String describe() {
        return "reconfigurations proposed " + proposed + ", epochs " + byEpoch.keySet() + ", latest " + latest();
    }
}
