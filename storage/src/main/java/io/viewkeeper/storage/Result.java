package io.viewkeeper.storage;

import java.util.List;

/** The outcome of applying one operation, as the client will be told it. */
public sealed interface Result {

    record Created(String path, Stat stat) implements Result {
    }

    /** setData and setACL answer with the node's new stat. */
    record Updated(Stat stat) implements Result {
    }

    /** delete, check, createSession, closeSession, deleteContainer. */
    record Done() implements Result {
    }

    record MultiDone(List<Result> results) implements Result {
    }

    record Error(int code) implements Result {
    }

    static Error error(int code) {
        return new Error(code);
    }

    default int errorCode() {
        return this instanceof Error e ? e.code() : ErrorCode.OK;
    }
}
