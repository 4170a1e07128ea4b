package io.viewkeeper.server.peer;

/** Bytes from a peer that are not a valid frame or message; the connection is dropped and logged. */
public final class PeerProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public PeerProtocolException(String message) {
        super(message);
    }
}
