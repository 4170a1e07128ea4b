package io.viewkeeper.server;

import io.viewkeeper.consensus.Membership;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The members of the replica group as this node knows them: its {@code server.N} lines until the group changes its
 * members, then those of the latest reconfiguration it applied (VR Revisited §7). Each member's slot in the
 * consensus is its id minus one. Immutable: a node replaces the whole when the members change.
 *
 * @param epoch   the epoch these members belong to (0: the seed lines)
 * @param members every member, in id order
 */
public record GroupMembers(long epoch, List<NodeConfig.Member> members) {

    public GroupMembers {
        members = members.stream().sorted(Comparator.comparingInt(NodeConfig.Member::id)).toList();
    }

    /** The seed: the configuration file's server.N lines, epoch 0. */
    public static GroupMembers of(NodeConfig config) {
        return new GroupMembers(0, config.members());
    }

    /**
     * Members written as ZooKeeper's dynamic configuration lines ({@code server.N=host:peerPort:electionPort:role[;
     * [clientHost:]clientPort]}, one per line; blank lines and a {@code version=} line are skipped).
     *
     * @throws ConfigException naming the line that does not read
     */
    public static List<NodeConfig.Member> parse(String text) {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("version=")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (!line.startsWith("server.") || equals < 0) {
                throw new ConfigException(line, "is not a server.N=... line");
            }
            String key = line.substring(0, equals);
            int id;
            try {
                id = Integer.parseInt(key.substring("server.".length()));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "must end with a number");
            }
            if (id < 1 || id > 254) {
                throw new ConfigException(key, "id must be between 1 and 254");
            }
            if (members.stream().anyMatch(m -> m.id() == id)) {
                throw new ConfigException(key, "names a server twice");
            }
            members.add(NodeConfig.member(key, id, line.substring(equals + 1)));
        }
        return members;
    }

    /** The member in {@code slot}, or null. */
    public NodeConfig.Member bySlot(int slot) {
        for (NodeConfig.Member m : members) {
            if (m.slot() == slot) {
                return m;
            }
        }
        return null;
    }

    /** Each member's peer address by slot. */
    public Map<Integer, InetSocketAddress> peerAddresses() {
        Map<Integer, InetSocketAddress> addresses = new HashMap<>();
        for (NodeConfig.Member m : members) {
            addresses.put(m.slot(), new InetSocketAddress(m.host(), m.peerPort()));
        }
        return addresses;
    }

    /** The consensus members these are: voters and learners by slot, in {@code epoch}. */
    public Membership membership() {
        return new Membership(epoch, members.stream().filter(m -> !m.learner()).mapToInt(NodeConfig.Member::slot)
                .toArray(), members.stream().filter(NodeConfig.Member::learner).mapToInt(NodeConfig.Member::slot)
                .toArray());
    }

    /** Whether these members are {@code membership}'s: the same voters and learners by slot. */
    public boolean matches(Membership membership) {
        Membership mine = membership();
        return java.util.Arrays.equals(mine.voters(), membership.voters())
                && java.util.Arrays.equals(mine.learners(), membership.learners());
    }

    /** The lines ZooKeeper shows in {@code /zookeeper/config}, without the version line. */
    public String zooKeeperLines() {
        StringBuilder text = new StringBuilder();
        for (NodeConfig.Member m : members) {
            text.append("server.").append(m.id()).append('=').append(m.zooKeeperLine()).append('\n');
        }
        return text.toString();
    }
}
