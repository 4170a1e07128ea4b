package io.viewkeeper.consensus;

import java.util.zip.CRC32C;

/**
 * Names a checkpoint a replica offers to a peer by state transfer or recovery (VR Revisited §5.1, §5.2): the op and
 * hash chain it stands at, the length of its application snapshot and a CRC32C of that snapshot. The receiver
 * fetches the snapshot in bounded chunks ({@link Message.CheckpointRequest}) and checks it whole before installing
 * it. {@code membership}: the group's members after the checkpoint's op ({@link Checkpoint#membership}). Two equal
 * refs name the same bytes, so a transfer that was cut off resumes where it stopped.
 */
public record CheckpointRef(long op, long chain, int bytes, int checksum, Membership membership) {

    public CheckpointRef {
        if (op < 1) {
            throw new IllegalArgumentException("an offered checkpoint is at op 1 or later: " + op);
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("checkpoint length must not be negative: " + bytes);
        }
    }

    /** The ref of a checkpoint of a group that never changed its members. */
    public CheckpointRef(long op, long chain, int bytes, int checksum) {
        this(op, chain, bytes, checksum, null);
    }

    /** The ref of a whole checkpoint (its snapshot, not a driver's token). */
    static CheckpointRef of(Checkpoint checkpoint) {
        return new CheckpointRef(checkpoint.op(), checkpoint.chain(), checkpoint.application().length,
                checksum(checkpoint.application(), checkpoint.application().length), checkpoint.membership());
    }

    static int checksum(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
