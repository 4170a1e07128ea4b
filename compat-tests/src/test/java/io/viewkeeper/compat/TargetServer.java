package io.viewkeeper.compat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A server the compatibility tests talk to: a Viewkeeper node, or the in-process Apache ZooKeeper server the
 * expectations are checked against. Which one a test class uses comes from {@code -Dcompat.target}.
 */
public interface TargetServer extends AutoCloseable {

    /** {@code 127.0.0.1:port}. */
    String connectString();

    int clientPort();

    /** "viewkeeper" or "zookeeper", for messages. */
    String name();

    @Override
    void close();

    /** The kinds of server a test can run against. */
    enum Kind {
        VIEWKEEPER, ZOOKEEPER;

        /** {@code -Dcompat.target=zookeeper} runs the tests against the reference server; Viewkeeper otherwise. */
        static Kind selected() {
            String value = System.getProperty("compat.target", "viewkeeper").trim().toLowerCase(Locale.ROOT);
            return switch (value) {
                case "zookeeper", "zk" -> ZOOKEEPER;
                case "viewkeeper", "vk", "" -> VIEWKEEPER;
                default -> throw new IllegalArgumentException("compat.target must be viewkeeper or zookeeper: " + value);
            };
        }
    }

    static TargetServer start(Kind kind, ServerSettings settings, Path dataDir) throws IOException {
        return switch (kind) {
            case VIEWKEEPER -> ViewkeeperTarget.start(settings, dataDir);
            case ZOOKEEPER -> ReferenceZooKeeper.start(settings, dataDir);
        };
    }
}
