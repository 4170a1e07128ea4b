package io.viewkeeper.frontend;

import java.util.Set;

/** The limits and ZooKeeper settings the client frontend works with. */
public record FrontendSettings(
        int tickTimeMs,
        int minSessionTimeoutMs,
        int maxSessionTimeoutMs,
        int maxClientCnxns,
        int juteMaxBuffer,
        Set<String> fourLetterWords,
        String superDigest,
        long containerCheckIntervalMs,
        int containerMaxPerMinute,
        int maxInflightPerConnection,
        int serverId,
        int clientPort,
        String dataDir,
        int watchesPerConnectionMax,
        boolean readOnlyModeEnabled,
        String ensembleConfig,
        boolean reconfigEnabled) {

    /** A connection that sends no ConnectRequest within this time is closed (ZooKeeper's sessionlessCnxnTimeout). */
    public static final long SESSIONLESS_CONNECTION_TIMEOUT_MS = 10_000;
}
