package io.viewkeeper.server;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.Reconfiguration;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.Txn;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of a reconfiguration (VR Revisited §7, {@link Reconfiguration}): what it proposes (the next
 * members with their addresses, as ZooKeeper's dynamic configuration lines), what a committed one applies as (the
 * new {@code /zookeeper/config}, or a ZooKeeper error for a refusal), and what the node does once one is applied:
 * it knows the new members' addresses (its peer transport dials them), writes them to {@value #FILE_NAME} in its
 * data directory so that a restart finds them, and answers the proposer that waits for it.
 *
 * <p>The driver part of a reconfiguration: the proposer's clock in milliseconds (the node's mtime, the same at every
 * replica), then the member lines in UTF-8.
 */
public final class MembersChange {
    private static final Logger log = LoggerFactory.getLogger(MembersChange.class);
    /** The members of the latest reconfiguration applied, in the data directory. */
    static final String FILE_NAME = "members.cfg";

    /** What a proposer learns once its reconfiguration was applied here, or why it was not ordered. */
    public record Outcome(Reconfiguration.Decision decision, long epoch, long zxid, String refusal) {
    }

    private final Path dataDir;
    private final int serverId;
    private volatile GroupMembers members;
    /** The version of the members (ZooKeeper's config version): the zxid of their reconfiguration, 0 for the seed. */
    private long version;
    /** The members before the latest change: still dialed, so that a leaving member hears that it was removed. */
    private GroupMembers previous;
    private Consumer<Map<Integer, InetSocketAddress>> peersListener = peers -> { };
    /** Proposals of this node waiting to be applied here, by request number, with when they stop waiting. */
    private final Map<Long, Waiter> waiting = new HashMap<>();
    /** A proposal a request of which the primary may drop: its waiter goes after this long. */
    private static final long WAIT_NANOS_MAX = java.util.concurrent.TimeUnit.MINUTES.toNanos(2);

    private record Waiter(long deadlineNanos, Consumer<Outcome> done) {
    }
    private long proposals;

    MembersChange(Path dataDir, int serverId, GroupMembers members) throws IOException {
        this.dataDir = dataDir;
        this.serverId = serverId;
        this.members = members;
        this.previous = members;
        Path file = dataDir.resolve(FILE_NAME);
        if (members.epoch() > 0 && Files.exists(file)) {
            try {
                this.version = versionOf(Files.readString(file, StandardCharsets.UTF_8));
            } catch (NumberFormatException e) {
                throw new IOException(file + " names no config version: " + e.getMessage(), e);
            }
        }
    }

    /** Why next members are refused, with the ZooKeeper error a reconfig request gets for it. */
    public static final class Refused extends Exception {
        final int code;

        Refused(int code, String reason) {
            super(reason);
            this.code = code;
        }
    }

    /**
     * The next members: {@code whole} (not null: every member, ZooKeeper's newMembers) or the current ones with
     * {@code added} (a member already there changes its line, so its role) and without {@code removed}; checked as
     * the group would check them: a new voter must be a member already (a learner that caught up).
     */
    public static GroupMembers next(GroupMembers now, List<NodeConfig.Member> whole, List<NodeConfig.Member> added,
                                    List<Integer> removed) throws Refused {
        Map<Integer, NodeConfig.Member> byId = new java.util.TreeMap<>();
        if (whole != null) {
            whole.forEach(m -> byId.put(m.id(), m));
        } else {
            now.members().forEach(m -> byId.put(m.id(), m));
            for (int id : removed) {
                if (byId.remove(id) == null) {
                    throw new Refused(ErrorCode.BAD_ARGUMENTS, "server " + id + " is not a member (members: "
                            + byId.keySet() + ")");
                }
            }
            added.forEach(m -> byId.put(m.id(), m));
        }
        GroupMembers next = new GroupMembers(now.epoch() + 1, new java.util.ArrayList<>(byId.values()));
        for (NodeConfig.Member m : next.members()) {
            if (!m.learner() && now.members().stream().noneMatch(c -> c.id() == m.id())) {
                throw new Refused(ErrorCode.NEW_CONFIG_NO_QUORUM, "server " + m.id() + " is not a member yet: add it "
                        + "as an observer first, and as a participant once it caught up");
            }
        }
        Membership membership;
        try {
            membership = next.membership();
        } catch (IllegalArgumentException e) {
            throw new Refused(ErrorCode.BAD_ARGUMENTS, "not a group: " + e.getMessage());
        }
        // every replica writes these lines into /zookeeper/config: they must fit it
        if (next.zooKeeperLines().getBytes(StandardCharsets.UTF_8).length + 32 > Operation.CONFIG_BYTES_MAX) {
            throw new Refused(ErrorCode.BAD_ARGUMENTS, "member lines over " + (Operation.CONFIG_BYTES_MAX - 32)
                    + " bytes");
        }
        if (java.util.Arrays.equals(membership.voters(), now.membership().voters())
                && java.util.Arrays.equals(membership.learners(), now.membership().learners())
                && next.zooKeeperLines().equals(now.zooKeeperLines())) {
            throw new Refused(ErrorCode.BAD_ARGUMENTS, "the members would not change");
        }
        return next;
    }

    /**
     * Replica thread: the body a client's reconfig request ({@link Operation.Reconfig}) is ordered as: a
     * reconfiguration of the group, or, when ZooKeeper's leader would refuse it, the failed op with its error
     * (BadVersion for a stale curConfigId, BadArguments, NewConfigNoQuorum for a voter that is no member yet).
     */
    byte[] requestBody(Txn txn, Operation.Reconfig request) {
        try {
            if (request.curConfigId() != -1 && request.curConfigId() != version) {
                throw new Refused(ErrorCode.BAD_VERSION, "config version " + Long.toHexString(version));
            }
            GroupMembers next;
            try {
                next = request.newMembers() != null && !request.newMembers().isBlank()
                        ? next(members, lines(request.newMembers()), List.of(), List.of())
                        : next(members, null, lines(request.joiningServers()), ids(request.leavingServers()));
            } catch (ConfigException | NumberFormatException e) {
                throw new Refused(ErrorCode.BAD_ARGUMENTS, e.getMessage());
            }
            Membership membership = next.membership();
            return Reconfiguration.request(membership.epoch(), membership.voters(), membership.learners(),
                    driverPart(txn.timeMs(), next));
        } catch (Refused refused) {
            log.info("a reconfig request of session 0x{} is refused ({}): {}", Long.toHexString(txn.sessionId()),
                    refused.code, refused.getMessage());
            return io.viewkeeper.storage.OperationCodec.encode(new Txn(txn.sessionId(), txn.cxid(), txn.timeMs(),
                    txn.identities(), new Operation.Failed(refused.code)));
        }
    }

    /** ZooKeeper's comma-separated server lines (blank: none). */
    static List<NodeConfig.Member> lines(String text) {
        return text == null || text.isBlank() ? List.of() : GroupMembers.parse(String.join("\n", text.split(",")));
    }

    /** ZooKeeper's comma-separated server ids (blank: none). */
    static List<Integer> ids(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(text.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    /**
     * The members a node starts with: those of {@value #FILE_NAME} when a reconfiguration was applied in this data
     * directory, else the configuration file's lines.
     *
     * @throws IOException when the file cannot be read or does not hold members
     */
    static GroupMembers atStart(NodeConfig config) throws IOException {
        Path file = config.dataDir().resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return GroupMembers.of(config);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            String first = text.lines().findFirst().orElse("");
            if (!first.startsWith("epoch=")) {
                throw new ConfigException(FILE_NAME, "does not begin with epoch=");
            }
            long epoch = Long.parseLong(first.substring("epoch=".length()).trim());
            GroupMembers recorded = new GroupMembers(epoch, GroupMembers.parse(text.substring(first.length())));
            recorded.membership(); // the roles and counts must make a group
            return recorded;
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IOException(file + " does not hold the group's members (" + e.getMessage() + "); restore it "
                    + "or move it aside to use the configuration file's server lines", e);
        }
    }

    /** The members this node knows now; any thread. */
    public GroupMembers members() {
        return members;
    }

    /** Who learns the peer addresses to dial whenever the members change (the peer transport). */
    void onPeersChanged(Consumer<Map<Integer, InetSocketAddress>> listener) {
        this.peersListener = listener;
    }

    /** The peer addresses by slot: the current members' and the previous ones', the current winning. */
    Map<Integer, InetSocketAddress> peerAddresses() {
        Map<Integer, InetSocketAddress> peers = new HashMap<>(previous.peerAddresses());
        peers.putAll(members.peerAddresses());
        return peers;
    }

    /** The driver part of a reconfiguration to {@code next}, proposed at {@code nowMs}. */
    static byte[] driverPart(long nowMs, GroupMembers next) {
        byte[] lines = next.zooKeeperLines().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + lines.length).putLong(nowMs).put(lines).array();
    }

    /**
     * The transaction a committed reconfiguration applies as at {@code zxid}: the new {@code /zookeeper/config}
     * (its lines and {@code version=<zxid in hex>}) when accepted, else the ZooKeeper error of the refusal.
     */
    public static Txn txnOf(LogEntry entry, long zxid) {
        Reconfiguration change = Reconfiguration.parse(entry.body());
        ByteBuffer part = ByteBuffer.wrap(change.driverPart());
        if (part.remaining() < 8) {
            throw new IllegalStateException("reconfiguration at op " + entry.op() + " without its time");
        }
        long timeMs = part.getLong();
        Operation op = switch (change.decision()) {
            case ACCEPTED -> new Operation.SetConfig((StandardCharsets.UTF_8.decode(part) + "version="
                    + Long.toHexString(zxid)).getBytes(StandardCharsets.UTF_8));
            case NOT_CAUGHT_UP -> new Operation.Failed(ErrorCode.NEW_CONFIG_NO_QUORUM);
            case STALE -> new Operation.Failed(ErrorCode.BAD_VERSION);
            case BAD_MEMBERS, PROPOSED -> new Operation.Failed(ErrorCode.BAD_ARGUMENTS);
        };
        return new Txn(entry.clientId(), 0, timeMs, List.of(), op);
    }

    /**
     * Replica thread: proposes {@code next} through the replica ({@code submit} orders or forwards the request and
     * returns {@link io.viewkeeper.consensus.Replica#onRequest}'s answer); {@code done} hears the outcome once this
     * node applies it, or at once when the request was refused outright.
     */
    void propose(GroupMembers next, long nowMs, RequestSubmitter submit, java.util.function.BooleanSupplier underWay,
                 Consumer<Outcome> done) {
        Membership membership = next.membership();
        long requestNumber = ((long) serverId << 40) | ++proposals;
        byte[] body = Reconfiguration.request(membership.epoch(), membership.voters(), membership.learners(),
                driverPart(nowMs, next));
        long op = submit.submit(Reconfiguration.CLIENT, requestNumber, body);
        if (op < 0) {
            done.accept(new Outcome(null, members.epoch(), 0, underWay.getAsBoolean()
                    ? "another reconfiguration is under way (ZooKeeper's ReconfigInProgress): try again once it is"
                    + " applied" : "the group takes no request here now (not normal in a view, or its pipeline is "
                    + "full): try again"));
            return;
        }
        long now = System.nanoTime();
        waiting.values().removeIf(w -> now - w.deadlineNanos() > 0); // their callers timed out long ago
        waiting.put(requestNumber, new Waiter(now + WAIT_NANOS_MAX, done));
    }

    /** How a proposal reaches the replica: {@code Replica.onRequest}. */
    @FunctionalInterface
    interface RequestSubmitter {
        long submit(long clientId, long requestNumber, byte[] body);
    }

    /** Replica thread: a reconfiguration was applied at {@code zxid}; the members change if it was accepted. */
    void applied(LogEntry entry, long zxid) {
        Reconfiguration change = Reconfiguration.parse(entry.body());
        if (change.accepted() && change.membership().epoch() > members.epoch()) {
            ByteBuffer part = ByteBuffer.wrap(change.driverPart());
            part.getLong();
            GroupMembers next = new GroupMembers(change.membership().epoch(),
                    GroupMembers.parse(StandardCharsets.UTF_8.decode(part).toString()));
            if (!next.matches(change.membership())) {
                throw new IllegalStateException("reconfiguration at op " + entry.op() + " names members "
                        + next.membership() + " in its lines but " + change.membership() + " to the replicas");
            }
            previous = members;
            members = next;
            version = zxid;
            write(next);
            log.info("the group's members are now those of epoch {} (reconfiguration at op {}, zxid 0x{}):\n{}",
                    next.epoch(), entry.op(), Long.toHexString(zxid), next.zooKeeperLines().strip());
            peersListener.accept(peerAddresses());
        }
        Waiter waiter = entry.clientId() == Reconfiguration.CLIENT ? waiting.remove(entry.requestNumber()) : null;
        if (waiter != null) {
            waiter.done().accept(new Outcome(change.decision(), change.accepted() ? change.membership().epoch()
                    : members.epoch(), zxid, null));
        }
    }

    /**
     * Replica thread: the state was replaced by a checkpoint whose members are {@code membership} (null: never
     * changed) and whose {@code /zookeeper/config} is {@code config}: reconfigurations it holds were not applied
     * here one by one, so the members and their addresses come from it.
     */
    void installed(Membership membership, byte[] config) {
        if (membership == null || membership.epoch() <= members.epoch() || config.length == 0) {
            return;
        }
        String text = new String(config, StandardCharsets.UTF_8);
        GroupMembers next = new GroupMembers(membership.epoch(), GroupMembers.parse(text));
        if (!next.matches(membership)) {
            throw new IllegalStateException("a checkpoint's /zookeeper/config names " + next.membership()
                    + " but its members are " + membership);
        }
        previous = members;
        members = next;
        version = versionOf(text);
        write(next);
        log.info("the group's members are now those of epoch {} (from a checkpoint)", next.epoch());
        peersListener.accept(peerAddresses());
    }

    /** The {@code version=} (hex) of ZooKeeper's configuration text; 0 without one, as the seed's. */
    static long versionOf(String text) {
        String line = text.lines().filter(l -> l.startsWith("version=")).findFirst().orElse("version=0");
        return Long.parseUnsignedLong(line.substring("version=".length()).trim(), 16);
    }

    /** Writes the members durably (a temporary file, synced, renamed over the old one). */
    private void write(GroupMembers next) {
        Path temporary = dataDir.resolve(FILE_NAME + ".tmp");
        byte[] text = ("epoch=" + next.epoch() + "\n" + next.zooKeeperLines() + "version=" + Long.toHexString(version)
                + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(text));
                channel.force(true);
            }
            Files.move(temporary, dataDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot record the group's members in " + dataDir, e);
        }
    }
}
