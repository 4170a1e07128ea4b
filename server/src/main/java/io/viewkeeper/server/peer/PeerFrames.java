package io.viewkeeper.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.zip.CRC32C;

/**
 * The frame between replicas: {@code int length | byte version | byte kind | int crc32c(payload) | payload}.
 * A frame of another version, an unknown kind or a bad checksum is a protocol error: the connection is dropped.
 */
public final class PeerFrames {
    /**
     * 2: checkpoints are offered by reference and fetched in chunks (CheckpointRequest, CheckpointChunk); a
     * forwarded request names the client's previous request. 3: GetState names the last op held and its chain.
     */
    public static final byte VERSION = 3;
    /** The first frame on a connection: the sender's replica index and cluster id. */
    public static final byte HELLO = 1;
    /** A consensus message. */
    public static final byte CONSENSUS = 2;
    /** A batch of session ids a backup's clients touched, for the primary's expiry decisions. */
    public static final byte SESSION_TOUCHES = 3;
    /** The accepting replica's answer to a HELLO: a fresh random challenge for the dialer's PROOF. */
    public static final byte CHALLENGE = 4;
    /** A MAC under the group's shared secret over the challenge and who speaks to whom, after the CHALLENGE. */
    public static final byte PROOF = 5;
    static final int HEADER_BYTES = 1 + 1 + 4;

    /** A decoded frame. */
    public record Frame(byte kind, byte[] payload) {
    }

    private PeerFrames() {
    }

    public static ByteBuf encode(ByteBufAllocator allocator, byte kind, byte[] payload) {
        ByteBuf out = allocator.buffer(4 + HEADER_BYTES + payload.length);
        out.writeInt(HEADER_BYTES + payload.length);
        out.writeByte(VERSION);
        out.writeByte(kind);
        out.writeInt(crc(payload));
        out.writeBytes(payload);
        return out;
    }

    /** Decodes a frame whose length prefix was already stripped. */
    public static Frame decode(ByteBuf frame) throws PeerProtocolException {
        if (frame.readableBytes() < HEADER_BYTES) {
            throw new PeerProtocolException("frame shorter than its header");
        }
        byte version = frame.readByte();
        if (version != VERSION) {
            throw new PeerProtocolException("unsupported peer protocol version " + version);
        }
        byte kind = frame.readByte();
        if (kind < HELLO || kind > PROOF) {
            throw new PeerProtocolException("unknown frame kind " + kind);
        }
        int checksum = frame.readInt();
        byte[] payload = new byte[frame.readableBytes()];
        frame.readBytes(payload);
        if (crc(payload) != checksum) {
            throw new PeerProtocolException("frame checksum mismatch");
        }
        return new Frame(kind, payload);
    }

    static int crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }
}
