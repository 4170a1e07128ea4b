package io.viewkeeper.server.migrate;

/** An import or export that cannot go on: the message says why and what to do; nothing was changed. */
public final class MigrationException extends Exception {
    private static final long serialVersionUID = 1L;

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
