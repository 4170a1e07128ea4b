package io.viewkeeper.server.admin;

/** A command that cannot be answered, with the HTTP status and the reason the JSON error carries. */
final class AdminException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    AdminException(int status, String reason) {
        super(reason);
        this.status = status;
    }

    int status() {
        return status;
    }

    static AdminException badRequest(String reason) {
        return new AdminException(400, reason);
    }

    static AdminException notFound(String reason) {
        return new AdminException(404, reason);
    }

    static AdminException conflict(String reason) {
        return new AdminException(409, reason);
    }
}
