package io.viewkeeper.server;

import io.viewkeeper.consensus.ReplicaConfiguration;

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
        boolean readOnlyModeEnabled,
        int serverId,
        List<Member> members,
        ReadMode reads,
        AdminSettings admin,
        DiskSettings disk,
        ClientTlsSettings tls,
        Set<String> requiredAuthSchemes,
        PeerSecuritySettings peerSecurity,
        boolean reconfigEnabled) {

    /**
     * One replica of the group, from a
     * {@code server.N=host:peerPort[:port][:participant|:observer][;[host:]clientPort]} line. An observer is a
     * learner: it holds and serves the data, and votes in nothing.
     */
    public record Member(int id, String host, int peerPort, int clientPort, boolean learner, int electionPort,
                         String clientHost) {
        /** Its slot in the consensus: its id minus one, the same in every configuration of the group. */
        public int slot() {
            return id - 1;
        }

        /** A voter (ZooKeeper's participant). */
        public Member(int id, String host, int peerPort, int clientPort) {
            this(id, host, peerPort, clientPort, false);
        }

        /** A member whose line names no election port and no client host. */
        public Member(int id, String host, int peerPort, int clientPort, boolean learner) {
            this(id, host, peerPort, clientPort, learner, -1, null);
        }

        /**
         * Its line in ZooKeeper's form, as a ZooKeeper server shows it in {@code /zookeeper/config}:
         * {@code host:quorumPort:electionPort:participant|observer[;clientHost:clientPort]}. The election port, which
         * this server does not use, is the one the line names, else the port next to the peer port (ZooKeeper's
         * parser, which Curator runs on this text, wants two different ports). The client address is there only when
         * the line names one, the wildcard 0.0.0.0 when it names only a port, as ZooKeeper shows it: Curator's
         * EnsembleTracker then connects to the addresses given (a wildcard taken as the member's host), and ignores
         * a configuration without any, as it does against ZooKeeper.
         */
        String zooKeeperLine() {
            int election = electionPort > 0 && electionPort != peerPort ? electionPort
                    : peerPort < 65535 ? peerPort + 1 : peerPort - 1;
            String line = host + ":" + peerPort + ":" + election + ":" + (learner ? "observer" : "participant");
            return clientPort > 0 ? line + ";" + (clientHost != null ? clientHost : "0.0.0.0") + ":" + clientPort
                    : line;
        }
    }

    /** How reads are served: after a quorum confirmation (default), or from local state as ZooKeeper does. */
    public enum ReadMode { LINEARIZABLE, SEQUENTIAL }

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
            throw new ConfigException("znode.container.checkIntervalMs", "must be positive, got "
                    + containerCheckIntervalMs);
        }
        if (minSessionTimeoutMs > maxSessionTimeoutMs) {
            throw new ConfigException("minSessionTimeout", "is greater than maxSessionTimeout ("
                    + minSessionTimeoutMs + " > " + maxSessionTimeoutMs + ")");
        }
        if (dataDir == null) {
            throw new ConfigException("dataDir", "is required");
        }
        fourLetterWords = Set.copyOf(fourLetterWords);
        members = List.copyOf(members);
        if (!members.isEmpty() && members.stream().noneMatch(m -> m.id() == serverId)) {
            throw new ConfigException("serverId", serverId
                    + " (from myid or serverId) is not one of the server.N lines");
        }
        long voters = members.stream().filter(m -> !m.learner()).count();
        long learners = members.size() - voters;
        if (!members.isEmpty() && (voters > 7 || voters % 2 == 0)) {
            throw new ConfigException("server.N", "lines must name an odd number of participants (voters), 1 to 7;"
                    + " found " + voters);
        }
        if (learners > ReplicaConfiguration.LEARNERS_MAX) {
            throw new ConfigException("server.N", "lines name " + learners + " observers; at most "
                    + ReplicaConfiguration.LEARNERS_MAX);
        }
        if (learners > 0 && voters < 3) {
            throw new ConfigException("server.N", "observers need at least 3 participants; found " + voters);
        }
        if (members.size() > 1 && !ordered(members)) {
            throw new ConfigException("server.N", "members must be listed voters first, each part by id");
        }
        if (reads == null) {
            throw new ConfigException("reads", "is required");
        }
        if (admin == null) {
            throw new ConfigException("admin.enableServer", "settings are required");
        }
        if (disk == null) {
            throw new ConfigException("fsync", "disk settings are required");
        }
        if (peerSecurity == null) {
            throw new ConfigException("sslQuorum", "peer security settings are required");
        }
    }

    /** Defaults of a standalone ZooKeeper 3.9 server, listening on {@code clientPort} of loopback. */
    public static NodeConfig defaults(Path dataDir, int clientPort) {
        return new NodeConfig("127.0.0.1", clientPort, dataDir, 2000, 4000, 40000, 60, 0xfffff, Set.of("srvr"),
                false, null, 60_000, 10_000, 1000, false, false, 1, List.of(), ReadMode.LINEARIZABLE,
                AdminSettings.defaults(), DiskSettings.defaults(), ClientTlsSettings.none(), Set.of(),
                PeerSecuritySettings.none(), false);
    }

    /** Settings for tests: ephemeral client and admin ports, every four-letter word, extended types on. */
    public static NodeConfig forTesting(Path dataDir) {
        return defaults(dataDir, 0).withFourLetterWords(ALL_FOUR_LETTER_WORDS).withExtendedTypesEnabled(true)
                .withAdmin(AdminSettings.defaults().withPort(0));
    }

    public NodeConfig withAdmin(AdminSettings settings) {
        return copy().admin(settings).build();
    }

    public NodeConfig withClientPort(int port) {
        return copy().clientPort(port).build();
    }

    public NodeConfig withClientPortAddress(String address) {
        return copy().clientPortAddress(address).build();
    }

    /** Sets tickTime and, as ZooKeeper does, the session timeout bounds that follow from it (2x and 20x). */
    public NodeConfig withTickTimeMs(int tick) {
        return copy().tickTimeMs(tick).minSessionTimeoutMs(2 * tick).maxSessionTimeoutMs(20 * tick).build();
    }

    public NodeConfig withMaxClientCnxns(int max) {
        return copy().maxClientCnxns(max).build();
    }

    public NodeConfig withJuteMaxBuffer(int bytes) {
        return copy().juteMaxBuffer(bytes).build();
    }

    public NodeConfig withFourLetterWords(Set<String> words) {
        return copy().fourLetterWords(words).build();
    }

    public NodeConfig withExtendedTypesEnabled(boolean enabled) {
        return copy().extendedTypesEnabled(enabled).build();
    }

    /** {@code digest} has ZooKeeper's superDigest form, {@code super:<base64 sha1>}. */
    public NodeConfig withSuperDigest(String digest) {
        return copy().superDigest(digest).build();
    }

    public NodeConfig withContainerCheckIntervalMs(long intervalMs) {
        return copy().containerCheckIntervalMs(intervalMs).build();
    }

    public NodeConfig withMaxInflightPerConnection(int max) {
        return copy().maxInflightPerConnection(max).build();
    }

    private Copy copy() {
        return new Copy(this);
    }

    /** A mutable copy of a config, for the withers: each sets one or two values and builds a new checked record. */
    private static final class Copy {
        private String clientPortAddress;
        private int clientPort;
        private Path dataDir;
        private int tickTimeMs;
        private int minSessionTimeoutMs;
        private int maxSessionTimeoutMs;
        private int maxClientCnxns;
        private int juteMaxBuffer;
        private Set<String> fourLetterWords;
        private boolean extendedTypesEnabled;
        private String superDigest;
        private long containerCheckIntervalMs;
        private int containerMaxPerMinute;
        private int maxInflightPerConnection;
        private boolean enforceQuota;
        private boolean readOnlyModeEnabled;
        private boolean reconfigEnabled;
        private int serverId;
        private List<Member> members;
        private ReadMode reads;
        private AdminSettings admin;
        private DiskSettings disk;
        private ClientTlsSettings tls;
        private Set<String> requiredAuthSchemes;
        private PeerSecuritySettings peerSecurity;

        Copy(NodeConfig c) {
            clientPortAddress = c.clientPortAddress;
            clientPort = c.clientPort;
            dataDir = c.dataDir;
            tickTimeMs = c.tickTimeMs;
            minSessionTimeoutMs = c.minSessionTimeoutMs;
            maxSessionTimeoutMs = c.maxSessionTimeoutMs;
            maxClientCnxns = c.maxClientCnxns;
            juteMaxBuffer = c.juteMaxBuffer;
            fourLetterWords = c.fourLetterWords;
            extendedTypesEnabled = c.extendedTypesEnabled;
            superDigest = c.superDigest;
            containerCheckIntervalMs = c.containerCheckIntervalMs;
            containerMaxPerMinute = c.containerMaxPerMinute;
            maxInflightPerConnection = c.maxInflightPerConnection;
            enforceQuota = c.enforceQuota;
            readOnlyModeEnabled = c.readOnlyModeEnabled;
            reconfigEnabled = c.reconfigEnabled;
            serverId = c.serverId;
            members = c.members;
            reads = c.reads;
            admin = c.admin;
            disk = c.disk;
            tls = c.tls;
            requiredAuthSchemes = c.requiredAuthSchemes;
            peerSecurity = c.peerSecurity;
        }

        Copy clientPortAddress(String value) {
            clientPortAddress = value;
            return this;
        }

        Copy clientPort(int value) {
            clientPort = value;
            return this;
        }

        Copy tickTimeMs(int value) {
            tickTimeMs = value;
            return this;
        }

        Copy minSessionTimeoutMs(int value) {
            minSessionTimeoutMs = value;
            return this;
        }

        Copy maxSessionTimeoutMs(int value) {
            maxSessionTimeoutMs = value;
            return this;
        }

        Copy maxClientCnxns(int value) {
            maxClientCnxns = value;
            return this;
        }

        Copy juteMaxBuffer(int value) {
            juteMaxBuffer = value;
            return this;
        }

        Copy fourLetterWords(Set<String> value) {
            fourLetterWords = value;
            return this;
        }

        Copy extendedTypesEnabled(boolean value) {
            extendedTypesEnabled = value;
            return this;
        }

        Copy superDigest(String value) {
            superDigest = value;
            return this;
        }

        Copy containerCheckIntervalMs(long value) {
            containerCheckIntervalMs = value;
            return this;
        }

        Copy maxInflightPerConnection(int value) {
            maxInflightPerConnection = value;
            return this;
        }

        Copy readOnlyModeEnabled(boolean value) {
            readOnlyModeEnabled = value;
            return this;
        }

        Copy serverId(int value) {
            serverId = value;
            return this;
        }

        Copy members(List<Member> value) {
            members = value;
            return this;
        }

        Copy reads(ReadMode value) {
            reads = value;
            return this;
        }

        Copy admin(AdminSettings value) {
            admin = value;
            return this;
        }

        Copy disk(DiskSettings value) {
            disk = value;
            return this;
        }

        Copy tls(ClientTlsSettings value) {
            tls = value;
            return this;
        }

        Copy requiredAuthSchemes(Set<String> value) {
            requiredAuthSchemes = value;
            return this;
        }

        Copy peerSecurity(PeerSecuritySettings value) {
            peerSecurity = value;
            return this;
        }

        NodeConfig build() {
            return new NodeConfig(clientPortAddress, clientPort, dataDir, tickTimeMs, minSessionTimeoutMs,
                    maxSessionTimeoutMs, maxClientCnxns, juteMaxBuffer, fourLetterWords, extendedTypesEnabled,
                    superDigest, containerCheckIntervalMs, containerMaxPerMinute, maxInflightPerConnection,
                    enforceQuota, readOnlyModeEnabled, serverId, members, reads, admin, disk, tls, requiredAuthSchemes,
                    peerSecurity, reconfigEnabled);
        }
    }

    /** Keys this node understands; any other key in a config file is reported as unknown. */
    private static final Set<String> KNOWN_KEYS = Set.of(
            "clientPort", "clientPortAddress", "dataDir", "dataLogDir", "tickTime", "minSessionTimeout",
            "maxSessionTimeout", "maxClientCnxns", "jute.maxbuffer", "4lw.commands.whitelist",
            "extendedTypesEnabled", "superDigest", "znode.container.checkIntervalMs", "znode.container.maxPerMinute",
            "maxInflightPerConnection", "enforceQuota", "readonlymode.enabled", "serverId", "initLimit", "syncLimit",
            "autopurge.snapRetainCount", "autopurge.purgeInterval", "admin.enableServer", "admin.serverPort",
            "admin.serverAddress", "admin.token", "admin.tokenFile", "fsync", "wal.segmentBytes", "checkpoint.ops",
            "checkpoint.logBytes", "checkpoint.intervalMs", "checkpoint.chunkBytes",
            "standaloneEnabled", "reconfigEnabled", "metricsProvider.className", "reads",
            "localSessionsEnabled", "localSessionsUpgradingEnabled", "secureClientPort", "client.portUnification",
            "X509AuthenticationProvider.superUser", "serverCnxnFactory", "sslQuorum", "portUnification",
            "secureClientPortAddress", "client.certReload", "jaasLoginRenew", "kerberos.removeHostFromPrincipal",
            "kerberos.removeRealmFromPrincipal", "kerberos.canonicalizeHostNames", "enforce.auth.enabled",
            "enforce.auth.schemes", "sessionRequireClientSASLAuth", "admin.forceHttps", "admin.portUnification",
            "admin.needClientAuth", "sslQuorumReloadCertFiles", "peer.auth.secretFile", "peer.auth.required",
            "debug.inputLog", "peerType");

    /** Kerberos and login keys ZooKeeper reads as zookeeper.* system properties; zoo.cfg sets them the same way. */
    private static final List<String> AS_SYSTEM_PROPERTIES = List.of("jaasLoginRenew",
            "kerberos.removeHostFromPrincipal", "kerberos.removeRealmFromPrincipal", "kerberos.canonicalizeHostNames");

    /** Schemes a client can authenticate with here, which enforce.auth.schemes may name. */
    private static final Set<String> AUTH_SCHEMES = Set.of("digest", "sasl", "x509", "ip");

    /**
     * ZooKeeper's enforce.auth.enabled with enforce.auth.schemes (a comma list), and sessionRequireClientSASLAuth,
     * which asks for sasl: the schemes a client must be authenticated with before other requests; empty for none.
     * As ZooKeeper's AuthenticationHelper: each key may also come as a {@code -Dzookeeper.<key>} JVM flag (zoo.cfg
     * winning where both say), and sessionRequireClientSASLAuth=true overrules enforce.auth, leaving sasl alone.
     */
    private static Set<String> requiredAuthSchemes(Map<String, String> p) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : List.of("enforce.auth.enabled", "enforce.auth.schemes", "sessionRequireClientSASLAuth")) {
            String value = p.containsKey(key) ? p.get(key) : System.getProperty("zookeeper." + key);
            if (value != null) {
                keys.put(key, value.trim());
            }
        }
        if (boolValue(keys, "sessionRequireClientSASLAuth", false)) {
            return Set.of("sasl");
        }
        Set<String> schemes = new LinkedHashSet<>();
        if (boolValue(keys, "enforce.auth.enabled", false)) {
            for (String scheme : keys.getOrDefault("enforce.auth.schemes", "").split(",")) {
                String s = scheme.trim();
                if (s.isEmpty()) {
                    continue;
                }
                if (!AUTH_SCHEMES.contains(s)) {
                    throw new ConfigException("enforce.auth.schemes", "names '" + s + "', which is none of "
                            + new java.util.TreeSet<>(AUTH_SCHEMES));
                }
                schemes.add(s);
            }
            if (schemes.isEmpty()) {
                throw new ConfigException("enforce.auth.schemes", "must name at least one scheme with "
                        + "enforce.auth.enabled=true");
            }
        }
        return Set.copyOf(schemes);
    }

    /**
     * Reads a zoo.cfg-style property set. ZooKeeper keys we accept but do not use (initLimit, autopurge...) are
     * ignored so an existing file works; unknown keys and bad values fail with the key named.
     */
    public static NodeConfig parse(Properties properties) {
        List<String> unknown = new ArrayList<>();
        for (String key : properties.stringPropertyNames()) {
            if (!KNOWN_KEYS.contains(key) && !key.startsWith("server.")
                    && !key.startsWith(ClientTlsSettings.SSL_PREFIX) && !key.startsWith("authProvider.")) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            if (unknown.get(0).startsWith("quorum.auth.")) {
                throw new ConfigException(unknown.get(0), "is ZooKeeper's SASL between servers, which this version "
                        + "does not offer: replicas authenticate with peer.auth.secretFile (a shared secret) and "
                        + "sslQuorum (mutual TLS)");
            }
            throw new ConfigException(unknown.get(0), "is not a known key");
        }
        Map<String, String> p = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> p.put(k, properties.getProperty(k).trim()));
        String dataDir = p.get("dataDir");
        if (dataDir == null || dataDir.isEmpty()) {
            throw new ConfigException("dataDir", "is required");
        }
        for (String key : AS_SYSTEM_PROPERTIES) {
            if (p.containsKey(key)) {
                System.setProperty("zookeeper." + key, p.get(key));
            }
        }
        int tick = intValue(p, "tickTime", 2000);
        int min = intValue(p, "minSessionTimeout", 2 * tick);
        int max = intValue(p, "maxSessionTimeout", 20 * tick);
        return new NodeConfig(
                p.getOrDefault("clientPortAddress", "0.0.0.0"),
                intValue(p, "clientPort", 2181),
                ConfigException.path("dataDir", dataDir),
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
                readOnlyMode(p),
                serverId(p, dataDir),
                members(p),
                readMode(p.getOrDefault("reads", "linearizable")),
                AdminSettings.parse(p),
                DiskSettings.parse(p),
                ClientTlsSettings.parse(p),
                requiredAuthSchemes(p),
                PeerSecuritySettings.parse(p),
                // as ZooKeeper: off unless the file turns it on (reconfig then answers ReconfigDisabled)
                boolValue(p, "reconfigEnabled", false));
    }

    /** Members of the group, ordered by id; empty when the file has no server.N lines (one node). */
    public NodeConfig withMembers(List<Member> newMembers, int id) {
        return copy().serverId(id).members(newMembers).build();
    }

    public NodeConfig withReads(ReadMode mode) {
        return copy().reads(mode).build();
    }

    public NodeConfig withDisk(DiskSettings settings) {
        return copy().disk(settings).build();
    }

    public NodeConfig withTls(ClientTlsSettings settings) {
        return copy().tls(settings).build();
    }

    public NodeConfig withPeerSecurity(PeerSecuritySettings settings) {
        return copy().peerSecurity(settings).build();
    }

    public NodeConfig withRequiredAuthSchemes(Set<String> schemes) {
        return copy().requiredAuthSchemes(Set.copyOf(schemes)).build();
    }

    /**
     * What a ZooKeeper server of this group would show in {@code /zookeeper/config}: one line per member, in id
     * order, then {@code version=0} (a configuration read from the file, never changed by reconfig); empty for a node
     * without server.N lines, as on a standalone ZooKeeper server.
     */
    public String zooKeeperConfig() {
        if (members.size() <= 1) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        members.stream().sorted(java.util.Comparator.comparingInt(Member::id)).forEach(m -> text.append("server.")
                .append(m.id()).append('=').append(m.zooKeeperLine()).append('\n'));
        return text.append("version=0").toString();
    }

    /** The client port this node listens on: its server.N line's, when it names one, else clientPort. */
    public int listenPort() {
        for (Member m : members) {
            if (m.id() == serverId && m.clientPort() > 0) {
                return m.clientPort();
            }
        }
        return clientPort;
    }

    /** In a group on one machine each replica listens on its own address, as its server.N line names it. */
    public String listenHost() {
        if (members.size() > 1 && clientPortAddress.equals("0.0.0.0")) {
            return members.get(replicaIndex()).host();
        }
        return clientPortAddress;
    }

    /** Reads a zoo.cfg-style file: IOException when it cannot be read, ConfigException for what it says. */
    public static NodeConfig read(Path file) throws java.io.IOException {
        java.util.Properties properties = new java.util.Properties();
        try (java.io.Reader reader = java.nio.file.Files.newBufferedReader(file,
                java.nio.charset.StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IllegalArgumentException e) {
            // Properties.load rejects a malformed \\uXXXX escape this way
            throw new java.io.IOException(e.getMessage(), e);
        }
        return parse(properties);
    }

    /** This node's slot in the consensus: its id minus one (0 for a node without server.N lines). */
    public int slot() {
        return members.size() <= 1 ? 0 : serverId - 1;
    }

    /** The index of this node among the members (voters, then learners, by id). */
    public int replicaIndex() {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).id() == serverId) {
                return i;
            }
        }
        return 0;
    }

    /** Voters before learners, each part by id: the order of replica indexes. */
    private static boolean ordered(List<Member> members) {
        for (int i = 1; i < members.size(); i++) {
            Member a = members.get(i - 1);
            Member b = members.get(i);
            if (a.learner() && !b.learner() || a.learner() == b.learner() && a.id() >= b.id()) {
                return false;
            }
        }
        return true;
    }

    /** Whether this node is a learner (an observer). */
    public boolean learner() {
        return members.stream().anyMatch(m -> m.id() == serverId && m.learner());
    }

    /** How many members vote (ZooKeeper's participants); 1 for a node without server.N lines. */
    public int voterCount() {
        return Math.max(1, (int) members.stream().filter(m -> !m.learner()).count());
    }

    /** How many members are learners (observers). */
    public int learnerCount() {
        return (int) members.stream().filter(Member::learner).count();
    }

    private static List<Member> members(Map<String, String> p) {
        String peerType = p.get("peerType");
        if (peerType != null && !peerType.equals("observer") && !peerType.equals("participant")) {
            throw new ConfigException("peerType", "must be observer or participant, got '" + peerType + "'");
        }
        java.util.TreeMap<Integer, Member> byId = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : p.entrySet()) {
            if (!e.getKey().startsWith("server.")) {
                continue;
            }
            String key = e.getKey();
            int id;
            try {
                id = Integer.parseInt(key.substring("server.".length()));
            } catch (NumberFormatException ex) {
                throw new ConfigException(key, "must end with a number");
            }
            if (id < 1 || id > 254) {
                throw new ConfigException(key, "id must be between 1 and 254");
            }
            byId.put(id, member(key, id, e.getValue()));
        }
        // Replica indexes: voters first, then learners, each part by id. As in ZooKeeper, the server.N lines say
        // who observes; peerType only has to be a valid value.
        List<Member> ordered = new ArrayList<>();
        byId.values().stream().filter(m -> !m.learner()).forEach(ordered::add);
        byId.values().stream().filter(Member::learner).forEach(ordered::add);
        return ordered;
    }

    static Member member(String key, int id, String value) {
        String[] sides = value.split(";", -1);
        String[] quorum = sides[0].split(":");
        boolean learner = false;
        if (quorum.length >= 3 && !quorum[quorum.length - 1].trim().matches("[0-9]+")) {
            String role = quorum[quorum.length - 1].trim();
            if (!role.equals("observer") && !role.equals("participant")) {
                throw new ConfigException(key, "role must be participant or observer, got '" + role + "'");
            }
            learner = role.equals("observer");
            quorum = java.util.Arrays.copyOf(quorum, quorum.length - 1);
        }
        if (quorum.length < 2 || quorum[0].isBlank()) {
            throw new ConfigException(key, "must be host:peerPort[:port][:participant|:observer][;clientPort], got '"
                    + value + "'");
        }
        int peerPort = port(key, quorum[1]);
        int electionPort = quorum.length > 2 ? port(key, quorum[2]) : -1;
        int clientPort = -1;
        String clientHost = null;
        if (sides.length > 1 && !sides[1].isBlank()) {
            String client = sides[1].trim();
            int colon = client.lastIndexOf(':');
            clientPort = port(key, client.substring(colon + 1));
            clientHost = colon > 0 ? client.substring(0, colon).trim() : null;
        }
        return new Member(id, quorum[0].trim(), peerPort, clientPort, learner, electionPort, clientHost);
    }

    private static int port(String key, String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port < 1 || port > 65535) {
                throw new ConfigException(key, "port out of range: " + port);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "port is not a number: '" + text + "'");
        }
    }

    /** ZooKeeper reads the id from dataDir/myid; serverId in the file takes precedence. */
    private static int serverId(Map<String, String> p, String dataDir) {
        if (p.containsKey("serverId")) {
            return intValue(p, "serverId", 1);
        }
        java.nio.file.Path myid = Path.of(dataDir, "myid");
        if (!java.nio.file.Files.exists(myid)) {
            return 1;
        }
        try {
            return Integer.parseInt(java.nio.file.Files.readString(myid).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new ConfigException("myid", "file " + myid + " does not hold a server id: " + e.getMessage());
        }
    }

    private static ReadMode readMode(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "linearizable" -> ReadMode.LINEARIZABLE;
            case "sequential" -> ReadMode.SEQUENTIAL;
            default -> throw new ConfigException("reads", "must be linearizable or sequential, got '" + text + "'");
        };
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

    /**
     * ZooKeeper's read-only mode: its {@code readonlymode.enabled} Java system property, which a zoo.cfg key of the
     * same name may also set here; off by default.
     */
    private static boolean readOnlyMode(Map<String, String> p) {
        if (p.containsKey("readonlymode.enabled")) {
            return boolValue(p, "readonlymode.enabled", false);
        }
        return Boolean.parseBoolean(System.getProperty("readonlymode.enabled", "false"));
    }

    public NodeConfig withReadOnlyMode(boolean enabled) {
        return copy().readOnlyModeEnabled(enabled).build();
    }

    /** The same node with ZooKeeper's reconfig on or off ({@code reconfigEnabled}). */
    public NodeConfig withReconfigEnabled(boolean enabled) {
        Copy copy = copy();
        copy.reconfigEnabled = enabled;
        return copy.build();
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
