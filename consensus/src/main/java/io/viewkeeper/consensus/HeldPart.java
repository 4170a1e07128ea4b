package io.viewkeeper.consensus;

/**
 * Bytes of an offered checkpoint's snapshot that the receiving replica's driver holds already
 * ({@link Outbox#heldParts}), at {@code offset}: they are not fetched. Whether they are right is checked with the
 * rest, against the offer's checksum.
 */
public record HeldPart(int offset, byte[] bytes) {

    public HeldPart {
        if (offset < 0 || bytes.length == 0 || (long) offset + bytes.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("held part of " + bytes.length + " bytes at " + offset);
        }
    }

    int end() {
        return offset + bytes.length;
    }
}
