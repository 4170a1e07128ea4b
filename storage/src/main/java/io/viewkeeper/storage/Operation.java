package io.viewkeeper.storage;

import java.util.List;

/**
 * A replicated write: what the log holds. Every replica validates and applies it identically; a write that
 * fails validation is still an op that uses up a zxid.
 */
public sealed interface Operation {

    /** create (1), create2 (15), createContainer (19) or createTTL (21); {@code ttl} is -1 unless opcode 21. */
    record Create(int opcode, String path, byte[] data, List<Acl> acl, int flags, long ttl) implements Operation {
    }

    record Delete(String path, int version) implements Operation {
    }

    record SetData(String path, byte[] data, int version) implements Operation {
    }

    record SetAcl(String path, List<Acl> acl, int version) implements Operation {
    }

    /** check (13), legal only inside a multi. */
    record Check(String path, int version) implements Operation {
    }

    /** multi (14): all or nothing, one zxid. Holds only Create, Delete, SetData and Check. */
    record Multi(List<Operation> ops) implements Operation {
    }

    record CreateSession(long sessionId, int timeoutMs, byte[] password) implements Operation {
    }

    /** closeSession (-11) or the primary's expiry decision: deletes the session's ephemerals. */
    record CloseSession(long sessionId) implements Operation {
    }

    /** deleteContainer (20): the reaper's delete of an empty container or an expired TTL node. */
    record DeleteContainer(String path) implements Operation {
    }

    /**
     * The admin endpoint's restore: the whole state replaced by {@code state}, a {@link TreeSnapshot} image (at most
     * {@link #RESTORE_STATE_BYTES_MAX}), through the log so that every replica takes it at the same op. Its
     * {@link Mode} says how it is applied; each has its own codec tag, so an entry in a log keeps the meaning it
     * was written with.
     */
    record RestoreState(byte[] state, Mode mode) implements Operation {
        public static final int RESTORE_STATE_BYTES_MAX = 16 << 20;

        /** How a restore is applied. */
        public enum Mode {
            /** As restores were written before zxids could move: an image with a zxid above the op's is refused. */
            NOT_AHEAD,
            /** The image's zxids may be above the op's: the state's zxids move up to them. */
            RAISE,
            /** As {@link #RAISE}, refused unless the state holds no znode outside /zookeeper (an import). */
            INTO_EMPTY
        }

        /** A restore as the admin endpoint submits one now. */
        public RestoreState(byte[] state) {
            this(state, Mode.RAISE);
        }
    }

    /**
     * One part of a restore whose state is larger than one op carries ({@link RestoreState#RESTORE_STATE_BYTES_MAX}):
     * the state's bytes cut into parts of at most {@link #PART_BYTES_MAX}, submitted one after the other with the
     * same {@code restoreId} and {@code index} 0, 1, 2 and so on. The state machine stages the parts (part 0 starts
     * a staging, replacing any other); the {@code last} one applies the whole state as a {@link RestoreState} of
     * {@code mode} would. While parts are staged no checkpoint is taken, so a replica that restarts replays them
     * from its log; a staging followed by {@link #STAGING_IDLE_OPS} other ops without a part is dropped.
     */
    record RestorePart(long restoreId, int index, boolean last, RestoreState.Mode mode, byte[] bytes)
            implements Operation {
        public static final int PART_BYTES_MAX = 8 << 20;
        /**
         * The largest state a restore in parts carries: a replica that missed every part catches up on them in one
         * message from a peer (no checkpoint is taken while they are staged), whose frame is at most 256 MiB.
         */
        public static final long RESTORE_BYTES_MAX = 224L << 20;
        /**
         * A staging followed by this many other ops without a part is dropped: its sender gave up. Counted in ops,
         * not time, so that no node's clock decides it.
         */
        public static final long STAGING_IDLE_OPS = 20_000;

        public RestorePart {
            if (index < 0 || bytes == null || bytes.length > PART_BYTES_MAX) {
                throw new IllegalArgumentException("restore part " + index + " of "
                        + (bytes == null ? "no" : bytes.length) + " bytes");
            }
        }
    }

    /**
     * The group's members changed (a reconfiguration was applied): {@code /zookeeper/config} becomes {@code data}
     * (ZooKeeper's dynamic configuration lines and {@code version=<zxid in hex>}), as only a reconfiguration writes
     * it. Ordered by the replicas themselves, never decoded from a client's request.
     */
    record SetConfig(byte[] data) implements Operation {
        public SetConfig {
            if (data == null || data.length > CONFIG_BYTES_MAX) {
                throw new IllegalArgumentException("configuration of " + (data == null ? "no" : data.length)
                        + " bytes");
            }
        }
    }

    /**
     * A client's reconfig request (ZooKeeper's opcode 16, incremental with {@code joiningServers} and
     * {@code leavingServers}, or whole with {@code newMembers}; null when not given; {@code curConfigId} -1 or the
     * config version it expects) on its way to the replica that proposes it: the replica turns it into a
     * reconfiguration of its group, or a failed op. It is never applied.
     */
    record Reconfig(String joiningServers, String leavingServers, String newMembers, long curConfigId)
            implements Operation {
    }

    /** At most this many bytes of {@code /zookeeper/config}: its member lines and the version (proposers check). */
    int CONFIG_BYTES_MAX = 64 * 1024;

    /** A request that could not be decoded but, as in ZooKeeper, still uses up a zxid with this error. */
    record Failed(int errorCode) implements Operation {
    }
}
