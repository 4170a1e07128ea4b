package io.viewkeeper.server;

import java.io.IOException;

/** A synchronous disk step of the replica thread failed: the replica cannot keep its promises and stops. */
final class DiskFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DiskFailure(String message, IOException cause) {
        super(message, cause);
    }
}
