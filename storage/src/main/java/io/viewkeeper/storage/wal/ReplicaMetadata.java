package io.viewkeeper.storage.wal;

import java.util.Arrays;

/**
 * What a replica must never forget across restarts besides its log: who it is ({@code clusterId},
 * {@code replicaId}, the group's {@code configuration} as text, the members it was first started with) and its view
 * state ({@code view}, the last view in which it was in normal status). A last normal view of -1 records that it was
 * recovering. Once the group changed its members, {@code members} holds the latest members the replica recorded
 * (the consensus encodes them; empty while it recorded none), {@code epoch} their epoch and {@code membersOp} the op
 * of the reconfiguration that made them, which the replica applied.
 */
public record ReplicaMetadata(long clusterId, int replicaId, String configuration, long view, long lastNormalView,
                              long epoch, byte[] members, long membersOp) {

    /** At most this many bytes of recorded members. */
    public static final int MEMBERS_BYTES_MAX = 1024;

    public ReplicaMetadata {
        if (configuration == null || members == null) {
            throw new IllegalArgumentException("configuration and members must not be null");
        }
        if (lastNormalView > view || lastNormalView < -1) {
            throw new IllegalArgumentException("last normal view " + lastNormalView + " with view " + view);
        }
        if (members.length > MEMBERS_BYTES_MAX || epoch < 0 || membersOp < 0) {
            throw new IllegalArgumentException("members of " + members.length + " bytes, epoch " + epoch + " at op "
                    + membersOp);
        }
        members = members.clone();
    }

    /** A replica that never recorded members of a later epoch than its first. */
    public ReplicaMetadata(long clusterId, int replicaId, String configuration, long view, long lastNormalView,
                           long epoch) {
        this(clusterId, replicaId, configuration, view, lastNormalView, epoch, new byte[0], 0);
    }

    public ReplicaMetadata withViewState(long newView, long newLastNormalView) {
        return new ReplicaMetadata(clusterId, replicaId, configuration, newView, newLastNormalView, epoch, members,
                membersOp);
    }

    /** The same replica having recorded {@code newMembers} of {@code newEpoch}, made at op {@code op}. */
    public ReplicaMetadata withMembers(long newEpoch, byte[] newMembers, long op) {
        return new ReplicaMetadata(clusterId, replicaId, configuration, view, lastNormalView, newEpoch, newMembers, op);
    }

    @Override
    public byte[] members() {
        return members.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReplicaMetadata m && m.clusterId == clusterId && m.replicaId == replicaId
                && m.configuration.equals(configuration) && m.view == view && m.lastNormalView == lastNormalView
                && m.epoch == epoch && Arrays.equals(m.members, members) && m.membersOp == membersOp;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clusterId) * 31 + Long.hashCode(view) * 17 + Arrays.hashCode(members);
    }
}
