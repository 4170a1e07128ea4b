package io.viewkeeper.frontend;

import io.viewkeeper.storage.Result;

/**
 * Hears how a restore submitted to {@link FrontendCore#submitRestore} ended: the state's last zxid once it was
 * applied (the image's, when that is above the op's own), and its result.
 */
public interface RestoreListener {
    void onRestored(long zxid, Result result);
}
