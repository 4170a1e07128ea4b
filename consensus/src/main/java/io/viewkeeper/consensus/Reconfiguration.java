package io.viewkeeper.consensus;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A reconfiguration (VR Revisited §7): a log entry of the reserved client {@link #CLIENT} whose body holds the
 * primary's decision, the members of the next epoch and the driver's own part (addresses, ZooKeeper's
 * configuration text), opaque here. A driver submits one as a request of that client
 * ({@link #request}) at any replica; the primary of the current epoch decides, before it orders the entry, whether
 * the change may happen ({@link Decision}) and writes its decision into the entry, so that a refusal travels back to
 * the driver through the log like any answer. An accepted reconfiguration, once committed and applied, ends the
 * epoch: nothing follows it in its epoch's log ({@link Replica#onRequest} refuses every request, another
 * reconfiguration too, with -1 while one is ordered and not yet applied: ZooKeeper's ReconfigInProgress, which a
 * driver tells from a full pipeline by {@link Replica#reconfigurationUnderWay}), and the members of the next epoch
 * start its first view by a view change.
 *
 * <p>A reconfiguration is known by its body's first bytes, whatever its client: an application client's request
 * (ZooKeeper's reconfig from a session) is ordered and answered as its other requests are, through the client
 * table; one of the reserved client {@link #CLIENT} (an operator's) stays out of the table, since proposers at
 * different replicas share no sequence of request numbers: its request number only names it to its proposer, and
 * a repeated one is decided again.
 *
 * <p>Body: the mark "RCFG" (four bytes), the decision (one byte), the length of the encoded membership (two bytes),
 * the membership ({@link Membership#encode}), then the driver's part.
 */
public final class Reconfiguration {

    /**
     * The client id of a reconfiguration that is no application client's request (an operator's): it stays out of
     * the client table. No application client uses a negative id.
     */
    public static final long CLIENT = -16;

    /** The first bytes of every reconfiguration's body, "RCFG": no application body may begin with them. */
    private static final int MAGIC = 0x52434647;

    /** What the primary decided, in the entry's first byte. */
    public enum Decision {
        /** Not decided yet: a request on its way to the primary. */
        PROPOSED,
        /** Ordered: once applied, the next epoch begins with these members. */
        ACCEPTED,
        /**
         * A voter of the next epoch is not a caught-up member now (ZooKeeper's NewConfigNoQuorum): a joining voter
         * must be a learner heard within the cut-off holding the log up to a bound, and a majority of the next
         * voters must be so.
         */
        NOT_CAUGHT_UP,
        /** The members are not a valid next group (a learner named as a voter without being one first, and so on). */
        BAD_MEMBERS,
        /**
         * Proposed as the change of another epoch than the primary's (its proposer computed it from members that
         * changed since): ZooKeeper's BadVersion.
         */
        STALE
    }

    private static final Decision[] DECISIONS = Decision.values();

    private final Decision decision;
    private final Membership membership;
    private final byte[] driverPart;

    private Reconfiguration(Decision decision, Membership membership, byte[] driverPart) {
        this.decision = decision;
        this.membership = membership;
        this.driverPart = driverPart;
    }

    /**
     * The body of a request for a reconfiguration to {@code voters} and {@code learners} as epoch {@code epoch}:
     * the primary refuses it as {@link Decision#STALE} unless that is the epoch after its own.
     */
    public static byte[] request(long epoch, int[] voters, int[] learners, byte[] driverPart) {
        return body(Decision.PROPOSED, new Membership(epoch, voters, learners), driverPart);
    }

    static byte[] body(Decision decision, Membership membership, byte[] driverPart) {
        byte[] encoded = membership.encode();
        return ByteBuffer.allocate(7 + encoded.length + driverPart.length).putInt(MAGIC)
                .put((byte) decision.ordinal()).putShort((short) encoded.length).put(encoded).put(driverPart).array();
    }

    /** Whether {@code entry} is a reconfiguration: its body begins with the mark. */
    public static boolean is(LogEntry entry) {
        return isBody(entry.body());
    }

    /** Whether {@code body} is a reconfiguration's: it begins with the mark. */
    public static boolean isBody(byte[] body) {
        return body.length >= 4 && ByteBuffer.wrap(body).getInt(0) == MAGIC;
    }

    /** Whether {@code entry} is an accepted reconfiguration, without decoding its members. */
    static boolean accepted(LogEntry entry) {
        return is(entry) && entry.body().length > 4 && entry.body()[4] == Decision.ACCEPTED.ordinal();
    }

    /**
     * The reconfiguration in {@code body}.
     *
     * @throws IllegalArgumentException on a body that is not one
     */
    public static Reconfiguration parse(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        if (in.remaining() < 7 || in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a reconfiguration: " + body.length + " bytes");
        }
        int decision = in.get() & 0xFF;
        int length = in.getShort() & 0xFFFF;
        if (decision >= DECISIONS.length || length > in.remaining()) {
            throw new IllegalArgumentException("reconfiguration decision " + decision + " membership of " + length
                    + " bytes in " + in.remaining());
        }
        Membership membership = Membership.decode(in.slice(in.position(), length));
        byte[] driverPart = Arrays.copyOfRange(body, 7 + length, body.length);
        return new Reconfiguration(DECISIONS[decision], membership, driverPart);
    }

    /** The reconfiguration {@code entry} holds, or null when the entry is none (its body lacks the mark). */
    public static Reconfiguration of(LogEntry entry) {
        return is(entry) ? parse(entry.body()) : null;
    }

    /** The same request with the primary's decision and, when accepted, the next epoch's number. */
    byte[] decided(Decision decided, long epoch) {
        return body(decided, new Membership(epoch, membership.voters(), membership.learners()), driverPart);
    }

    public Decision decision() {
        return decision;
    }

    public boolean accepted() {
        return decision == Decision.ACCEPTED;
    }

    /** The next epoch's members (its epoch is meaningful once accepted). */
    public Membership membership() {
        return membership;
    }

    public byte[] driverPart() {
        return driverPart.clone();
    }
}
