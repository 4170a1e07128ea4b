package io.viewkeeper.storage;

/** A replicated session: created and closed by ops, so every replica holds the same table. */
public record Session(long sessionId, int timeoutMs, byte[] password) {
}
