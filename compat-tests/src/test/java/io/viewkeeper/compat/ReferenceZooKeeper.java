package io.viewkeeper.compat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ContainerManager;
import org.apache.zookeeper.server.RequestProcessor;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.command.FourLetterCommands;

/**
 * An Apache ZooKeeper 3.9 standalone server in this JVM, on a free loopback port, set up like the server the
 * protocol reference was observed on (extended types on, every four-letter word, a super digest). It is built the
 * way ZooKeeperServerMain builds one: server, connection factory, container manager.
 */
final class ReferenceZooKeeper implements TargetServer {
    static {
        // Read once by ZooKeeper's static initialisers, so they must be set before any server class loads.
        System.setProperty("zookeeper.extendedTypesEnabled", "true");
        System.setProperty("zookeeper.DigestAuthenticationProvider.superDigest", ServerSettings.SUPER_DIGEST);
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        System.setProperty("zookeeper.admin.enableServer", "false");
    }

    private final ZooKeeperServer server;
    private final ServerCnxnFactory factory;
    private final ContainerManager containers;
    private final boolean restrictedWords;
    private final Path snapDir;
    private final Path logDir;

    private ReferenceZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory, ContainerManager containers,
            boolean restrictedWords, Path snapDir, Path logDir) {
        this.snapDir = snapDir;
        this.logDir = logDir;
        this.server = server;
        this.factory = factory;
        this.containers = containers;
        this.restrictedWords = restrictedWords;
    }

    static synchronized ReferenceZooKeeper start(ServerSettings settings, Path dataDir) throws IOException {
        if (settings.superDigest() != null && !settings.superDigest().equals(ServerSettings.SUPER_DIGEST)) {
            throw new IllegalArgumentException("the reference server reads its super digest once per JVM");
        }
        Path dir = Files.createTempDirectory(Files.createDirectories(dataDir), "zookeeper");
        return startOn(settings, dir.resolve("snap"), dir.resolve("log"));
    }

    /** A server on the given dataDir and dataLogDir, loading whatever ZooKeeper data they hold. */
    static synchronized ReferenceZooKeeper startOn(ServerSettings settings, Path snapDir, Path logDir)
            throws IOException {
        boolean restricted = settings.fourLetterWords() != null;
        // The whitelist is a JVM-wide system property; a server that restricts it changes it for every reference
        // server in this JVM until it is closed.
        System.setProperty("zookeeper.4lw.commands.whitelist",
                restricted ? String.join(",", settings.fourLetterWords()) : "*");
        FourLetterCommands.resetWhiteList();
        // ZooKeeperServer(File, File, int) hands its first directory to FileTxnSnapLog as the transaction log
        // directory and its second as the snapshot directory, whatever its parameter names say.
        ExposedServer server = new ExposedServer(logDir.toFile(), snapDir.toFile(), settings.tickTimeMs());
        ServerCnxnFactory factory = ServerCnxnFactory.createFactory(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), settings.maxClientCnxns());
        try {
            factory.startup(server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        ContainerManager containers = new ContainerManager(server.getZKDatabase(), server.firstProcessor(),
                (int) Math.min(Integer.MAX_VALUE, settings.containerCheckIntervalMs()), 10_000, 0);
        containers.start();
        return new ReferenceZooKeeper(server, factory, containers, restricted, snapDir, logDir);
    }

    @Override
    public String connectString() {
        return "127.0.0.1:" + clientPort();
    }

    @Override
    public int clientPort() {
        return factory.getLocalPort();
    }

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public Kind kind() {
        return Kind.ZOOKEEPER;
    }

    /** zoo.cfg's dataDir: where {@code version-2/snapshot.*} go. */
    Path snapDir() {
        return snapDir;
    }

    /** zoo.cfg's dataLogDir: where {@code version-2/log.*} go. */
    Path logDir() {
        return logDir;
    }

    /** The zxid of the last transaction the reference server applied. */
    long lastProcessedZxid() {
        return server.getZKDatabase().getDataTreeLastProcessedZxid();
    }

    @Override
    public synchronized void close() {
        containers.stop();
        factory.shutdown();
        server.shutdown();
        if (restrictedWords) {
            System.setProperty("zookeeper.4lw.commands.whitelist", "*");
            FourLetterCommands.resetWhiteList();
        }
    }

    /** Gives the container manager the first request processor, as ZooKeeperServerMain does. */
    private static final class ExposedServer extends ZooKeeperServer {
        ExposedServer(java.io.File txnLogDir, java.io.File snapshotDir, int tickTime) throws IOException {
            super(txnLogDir, snapshotDir, tickTime);
        }

        RequestProcessor firstProcessor() {
            return firstProcessor;
        }
    }
}
