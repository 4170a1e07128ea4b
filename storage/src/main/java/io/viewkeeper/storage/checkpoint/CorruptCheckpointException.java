package io.viewkeeper.storage.checkpoint;

/**
 * The checkpoint on disk cannot be trusted: a record fails its checksum, the rebuilt tree does not match the stored
 * digest or counts, the file will not open, or it was written in another format. The message names what is bad;
 * the caller repairs from peers rather than serving from it.
 */
public final class CorruptCheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(String message) {
        super(message);
    }

    public CorruptCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
