package io.viewkeeper.compat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A server the compatibility tests talk to: a Viewkeeper node, a group of Viewkeeper replicas, or the in-process
 * Apache ZooKeeper server the expectations are checked against. Which one a test class uses comes from
 * {@code -Dcompat.target} unless the class names its own (the {@code *OnClusterTest} classes).
 */
public interface TargetServer extends AutoCloseable {

    /** {@code 127.0.0.1:port}; for a group every replica, comma-separated. */
    String connectString();

    /** The client port of a single server; of the first replica in a group. */
    int clientPort();

    /** "viewkeeper" or "zookeeper", for messages. */
    String name();

    Kind kind();

    /** How many servers a client can be given: 1, or the replicas of a group. */
    default int replicaCount() {
        return 1;
    }

    /** The client address of replica {@code replica} (0-based); a single server is replica 0. */
    default InetSocketAddress clientAddress(int replica) {
        if (replica != 0) {
            throw new IllegalArgumentException("a single server has only replica 0, not " + replica);
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort());
    }

    /** {@code host:port} of replica {@code replica} alone. */
    default String connectString(int replica) {
        InetSocketAddress a = clientAddress(replica);
        return a.getHostString() + ":" + a.getPort();
    }

    @Override
    void close();

    /** The kinds of server a test can run against. */
    enum Kind {
        VIEWKEEPER, ZOOKEEPER, CLUSTER;

        /**
         * {@code -Dcompat.target=zookeeper} runs the tests against the reference server, {@code cluster} against
         * three Viewkeeper replicas; a single Viewkeeper node otherwise.
         */
        static Kind selected() {
            String value = System.getProperty("compat.target", "viewkeeper").trim().toLowerCase(Locale.ROOT);
            return switch (value) {
                case "zookeeper", "zk" -> ZOOKEEPER;
                case "viewkeeper", "vk", "" -> VIEWKEEPER;
                case "cluster" -> CLUSTER;
                default -> throw new IllegalArgumentException(
                        "compat.target must be viewkeeper, cluster or zookeeper: " + value);
            };
        }
    }

    static TargetServer start(Kind kind, ServerSettings settings, Path dataDir) throws IOException {
        return switch (kind) {
            case VIEWKEEPER -> ViewkeeperTarget.start(settings, dataDir);
            case ZOOKEEPER -> ReferenceZooKeeper.start(settings, dataDir);
            case CLUSTER -> ClusterTarget.start(settings, dataDir, ClusterTarget.DEFAULT_REPLICAS);
        };
    }
}
