package io.viewkeeper.frontend;

import io.viewkeeper.storage.Txn;

/** Where the frontend sends writes: the replica, which orders them and reports each commit back. */
public interface WritePath {

    /** Submits a write for ordering; returns the op-number (zxid) it will commit at. */
    long submit(Txn txn);
}
