package io.viewkeeper.server.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Where a local group started by {@code viewkeeper start} lives: replica I listens for clients on 127.0.0.I at the
 * group's client port, for peers at {@code peerPort + I}, serves its admin endpoint on 127.0.0.I:adminPort (8080
 * unless told otherwise), keeps its
 * data in {@code dataDir/replica-I}, and its config, PID file and (detached) output in the state directory as
 * {@code replica-I.cfg}, {@code replica-I.pid} and {@code replica-I.log}. The admin token every replica and vkctl
 * share is {@code admin.token} there.
 */
public record GroupLayout(int nodes, int clientPort, int peerPort, int adminPort, Path dataDir, String reads,
        Path stateDir, int securePort, LocalTls tls, int observers) {
    /** The highest replica number a local server may join as (127.0.0.N, a peer port beside the others'). */
    public static final int JOINING_MAX = 16;
    /** At most this many observers beside a local group's voters. */
    public static final int OBSERVERS_MAX = 4;
    public static final int ADMIN_PORT_DEFAULT = 8080;
    /** Written into each replica directory {@code start} creates; only directories holding it are ever cleared. */
    public static final String REPLICA_DIR_MARKER = "created-by-viewkeeper-start";
    /** Where a node started by 'start --detach' before replica groups kept its PID; 'stop' still stops it. */
    static final String LEGACY_PID_FILE = "node.pid";

    public GroupLayout {
        if (nodes != 1 && nodes != 3 && nodes != 5) {
            throw new IllegalArgumentException("a local group has 1, 3 or 5 replicas, not " + nodes);
        }
        if (observers < 0 || observers > OBSERVERS_MAX || observers > 0 && nodes < 3) {
            throw new IllegalArgumentException("a local group of " + nodes + " has 0 to " + OBSERVERS_MAX
                    + " observers beside at least 3 voters, not " + observers);
        }
    }

    /** A group without observers. */
    public GroupLayout(int nodes, int clientPort, int peerPort, int adminPort, Path dataDir, String reads,
            Path stateDir, int securePort, LocalTls tls) {
        this(nodes, clientPort, peerPort, adminPort, dataDir, reads, stateDir, securePort, tls, 0);
    }

    /** Voters and observers: replicas 1..nodes vote, nodes+1..members observe. */
    public int members() {
        return nodes + observers;
    }

    /** The same group with {@code count} observers after the voters (replicas nodes+1 ..). */
    public GroupLayout withObservers(int count) {
        return new GroupLayout(nodes, clientPort, peerPort, adminPort, dataDir, reads, stateDir, securePort, tls,
                count);
    }

    /** A group without TLS. */
    public GroupLayout(int nodes, int clientPort, int peerPort, int adminPort, Path dataDir, String reads,
            Path stateDir) {
        this(nodes, clientPort, peerPort, adminPort, dataDir, reads, stateDir, -1, null);
    }

    /** The same group with TLS clients on {@code port} of each replica's address, with {@code material}. */
    public GroupLayout withTls(int port, LocalTls material) {
        return new GroupLayout(nodes, clientPort, peerPort, adminPort, dataDir, reads, stateDir, port, material,
                observers);
    }

    /** The connect string of the TLS port, or null without TLS. */
    public String secureConnectString() {
        if (tls == null) {
            return null;
        }
        StringJoiner joined = new StringJoiner(",");
        for (int i = 1; i <= members(); i++) {
            joined.add(host(i) + ":" + securePort);
        }
        return joined.toString();
    }

    public static String host(int replica) {
        return "127.0.0." + replica;
    }

    public Path replicaDir(int replica) {
        return dataDir.resolve("replica-" + replica);
    }

    public Path configFile(int replica) {
        return stateDir.resolve("replica-" + replica + ".cfg");
    }

    public Path pidFile(int replica) {
        return stateDir.resolve("replica-" + replica + ".pid");
    }

    public Path logFile(int replica) {
        return stateDir.resolve("replica-" + replica + ".log");
    }

    public Path tokenFile() {
        return stateDir.resolve("admin.token");
    }

    /** The ZooKeeper connect string of the whole group. */
    public String connectString() {
        StringJoiner joined = new StringJoiner(",");
        for (int i = 1; i <= members(); i++) {
            joined.add(host(i) + ":" + clientPort);
        }
        return joined.toString();
    }

    /** Replica I's settings in zoo.cfg format, which {@code viewkeeper node --config} takes. */
    public String config(int replica) {
        List<String> lines = new ArrayList<>();
        lines.add("# Replica " + replica + " of a " + nodes + "-replica group"
                + (observers == 0 ? "" : " with " + observers + " observer" + (observers == 1 ? "" : "s"))
                + "; written by './viewkeeper start', which rewrites it.");
        if (nodes > 1) {
            lines.add("serverId=" + replica);
        }
        lines.add("dataDir=" + replicaDir(replica));
        lines.add("clientPortAddress=" + host(replica));
        lines.add("clientPort=" + clientPort);
        lines.add("reads=" + reads);
        lines.add("admin.serverAddress=" + host(replica));
        lines.add("admin.serverPort=" + adminPort);
        lines.add("admin.tokenFile=" + tokenFile());
        if (tls != null) {
            lines.addAll(tls.configLines(securePort));
        }
        if (nodes > 1) {
            // the group's first servers (they name it: every replica's file keeps them), and a server joining it later
            // as an observer
            for (int j = 1; j <= members(); j++) {
                lines.add(serverLine(j, j > nodes));
            }
            if (replica > members()) {
                lines.add(serverLine(replica, true));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private String serverLine(int replica, boolean observer) {
        return "server." + replica + "=" + host(replica) + ":" + (peerPort + replica) + (observer ? ":observer" : "")
                + ";" + host(replica) + ":" + clientPort;
    }

    /** The address a joining server gives to {@code vkctl add-learner}: host:peerPort:clientPort. */
    public String joiningAddress(int replica) {
        return host(replica) + ":" + (peerPort + replica) + ":" + clientPort;
    }

    void writeConfig(int replica) throws IOException {
        Files.writeString(configFile(replica), config(replica), StandardCharsets.UTF_8);
    }
}
