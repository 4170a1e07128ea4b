package io.viewkeeper.frontend;

import io.viewkeeper.storage.Result;

/** Hears how a restore submitted to {@link FrontendCore#submitRestore} ended: the zxid it was applied at, its result. */
public interface RestoreListener {
    void onRestored(long zxid, Result result);
}
