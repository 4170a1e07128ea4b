package io.viewkeeper.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The settings of one node, read from a zoo.cfg-style file. Keys are ZooKeeper's where ZooKeeper has one, so an
 * existing zoo.cfg starts a node; every value is checked here and a bad one is reported with its key.
 */
public record NodeConfig(
        String clientPortAddress,
        int clientPort,
        Path dataDir,
        int tickTimeMs,
        int minSessionTimeoutMs,
        int maxSessionTimeoutMs,
        int maxClientCnxns,
        int juteMaxBuffer,
        Set<String> fourLetterWords,
        boolean extendedTypesEnabled,
        String superDigest,
        long containerCheckIntervalMs,
        int containerMaxPerMinute,
        int maxInflightPerConnection,
        boolean enforceQuota,
        int serverId) {

    public static final Set<String> ALL_FOUR_LETTER_WORDS = Set.of(
            "ruok", "srvr", "stat", "conf", "cons", "crst", "dump", "envi", "mntr", "wchs", "wchc", "wchp", "dirs",
            "isro", "srst", "gtmk", "stmk", "hash");

    public NodeConfig {
        requireRange("clientPort", clientPort, 0, 65535);
        requireRange("tickTime", tickTimeMs, 1, 3_600_000);
        requireRange("maxClientCnxns", maxClientCnxns, 0, 1_000_000);
        requireRange("jute.maxbuffer", juteMaxBuffer, 1024, Integer.MAX_VALUE - 8);
        requireRange("maxInflightPerConnection", maxInflightPerConnection, 1, 1_000_000);
        requireRange("znode.container.maxPerMinute", containerMaxPerMinute, 1, Integer.MAX_VALUE);
        requireRange("serverId", serverId, 1, 254);
        if (containerCheckIntervalMs < 1) {
            throw new ConfigException("znode.container.checkIntervalMs", "must be positive, got " + containerCheckIntervalMs);
        }
        if (minSessionTimeoutMs > maxSessionTimeoutMs) {
            throw new ConfigException("minSessionTimeout", "is greater than maxSessionTimeout ("
                    + minSessionTimeoutMs + " > " + maxSessionTimeoutMs + ")");
        }
        if (dataDir == null) {
            throw new ConfigException("dataDir", "is required");
        }
        fourLetterWords = Set.copyOf(fourLetterWords);
    }

    /** Defaults of a standalone ZooKeeper 3.9 server, listening on {@code clientPort} of loopback. */
    public static NodeConfig defaults(Path dataDir, int clientPort) {
        return new NodeConfig("127.0.0.1", clientPort, dataDir, 2000, 4000, 40000, 60, 0xfffff, Set.of("srvr"),
                false, null, 60_000, 10_000, 1000, false, 1);
    }

    /** Settings for tests: an ephemeral port, every four-letter word, extended types on. */
    public static NodeConfig forTesting(Path dataDir) {
        return defaults(dataDir, 0).withFourLetterWords(ALL_FOUR_LETTER_WORDS).withExtendedTypesEnabled(true);
    }

    public NodeConfig withClientPort(int port) {
        return new NodeConfig(clientPortAddress, port, dataDir, tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs,
                maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    /** Sets tickTime and, as ZooKeeper does, the session timeout bounds that follow from it (2x and 20x). */
    public NodeConfig withTickTimeMs(int tick) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tick, 2 * tick, 20 * tick,
                maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withSessionTimeoutBoundsMs(int min, int max) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, min, max,
                maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withMaxClientCnxns(int max) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, max, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withJuteMaxBuffer(int bytes) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, bytes, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withFourLetterWords(Set<String> words) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, words, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withExtendedTypesEnabled(boolean enabled) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, enabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    /** {@code digest} has ZooKeeper's superDigest form, {@code super:<base64 sha1>}. */
    public NodeConfig withSuperDigest(String digest) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, digest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withContainerCheckIntervalMs(long intervalMs) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                intervalMs, containerMaxPerMinute, maxInflightPerConnection, enforceQuota, serverId);
    }

    public NodeConfig withMaxInflightPerConnection(int max) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, max, enforceQuota, serverId);
    }

    public NodeConfig withEnforceQuota(boolean enforce) {
        return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled, superDigest,
                containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection, enforce, serverId);
    }

    /** Keys this node understands; any other key in a config file is reported as unknown. */
    private static final Set<String> KNOWN_KEYS = Set.of(
            "clientPort", "clientPortAddress", "dataDir", "dataLogDir", "tickTime", "minSessionTimeout",
            "maxSessionTimeout", "maxClientCnxns", "jute.maxbuffer", "4lw.commands.whitelist",
            "extendedTypesEnabled", "superDigest", "znode.container.checkIntervalMs", "znode.container.maxPerMinute",
            "maxInflightPerConnection", "enforceQuota", "serverId", "initLimit", "syncLimit",
            "autopurge.snapRetainCount", "autopurge.purgeInterval", "admin.enableServer", "admin.serverPort",
            "standaloneEnabled", "reconfigEnabled", "metricsProvider.className");

    /**
     * Reads a zoo.cfg-style property set. ZooKeeper keys we accept but do not use (initLimit, autopurge...) are
     * ignored so an existing file works; unknown keys and bad values fail with the key named.
     */
    public static NodeConfig parse(Properties properties) {
        List<String> unknown = new ArrayList<>();
        for (String key : properties.stringPropertyNames()) {
            if (!KNOWN_KEYS.contains(key) && !key.startsWith("server.")) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknown.get(0), "is not a known key");
        }
        Map<String, String> p = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> p.put(k, properties.getProperty(k).trim()));
        String dataDir = p.get("dataDir");
        if (dataDir == null || dataDir.isEmpty()) {
            throw new ConfigException("dataDir", "is required");
        }
        int tick = intValue(p, "tickTime", 2000);
        int min = intValue(p, "minSessionTimeout", 2 * tick);
        int max = intValue(p, "maxSessionTimeout", 20 * tick);
        return new NodeConfig(
                p.getOrDefault("clientPortAddress", "0.0.0.0"),
                intValue(p, "clientPort", 2181),
                Path.of(dataDir),
                tick, min, max,
                intValue(p, "maxClientCnxns", 60),
                intValue(p, "jute.maxbuffer", 0xfffff),
                fourLetterWords(p.getOrDefault("4lw.commands.whitelist", "srvr")),
                boolValue(p, "extendedTypesEnabled", false),
                p.get("superDigest"),
                longValue(p, "znode.container.checkIntervalMs", 60_000),
                intValue(p, "znode.container.maxPerMinute", 10_000),
                intValue(p, "maxInflightPerConnection", 1000),
                boolValue(p, "enforceQuota", false),
                intValue(p, "serverId", 1));
    }

    private static Set<String> fourLetterWords(String list) {
        Set<String> words = new LinkedHashSet<>();
        for (String word : list.split(",")) {
            String w = word.trim().toLowerCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            if (w.equals("*")) {
                return ALL_FOUR_LETTER_WORDS;
            }
            if (!ALL_FOUR_LETTER_WORDS.contains(w)) {
                throw new ConfigException("4lw.commands.whitelist", "names an unknown command '" + w + "'");
            }
            words.add(w);
        }
        words.add("srvr");
        return words;
    }

    private static int intValue(Map<String, String> p, String key, int fallback) {
        long value = longValue(p, key, fallback);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ConfigException(key, "is out of range: " + value);
        }
        return (int) value;
    }

    private static long longValue(Map<String, String> p, String key, long fallback) {
        String text = p.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            return Long.decode(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "is not a number: '" + text + "'");
        }
    }

    private static boolean boolValue(Map<String, String> p, String key, boolean fallback) {
        String text = p.get(key);
        if (text == null) {
            return fallback;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw new ConfigException(key, "is not true or false: '" + text + "'");
        };
    }

    private static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
        }
    }
}
