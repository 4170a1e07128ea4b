package io.viewkeeper.storage;

/** A znode's Stat exactly as ZooKeeper reports it to clients (cversion already in its reported form). */
public record Stat(long czxid, long mzxid, long ctime, long mtime, int version, int cversion, int aversion,
        long ephemeralOwner, int dataLength, int numChildren, long pzxid) {
}
