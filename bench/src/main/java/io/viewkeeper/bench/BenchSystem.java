package io.viewkeeper.bench;

import java.util.List;

/** The systems the bench can launch, each a server group of its own JVMs on loopback. */
public enum BenchSystem {
    /** The reference: a 3-node ZooKeeper 3.9 ensemble, fsync on. */
    ZK("zk", "ZooKeeper 3.9.4, 3 nodes, fsync on"),
    /** The same ensemble with forceSync=no, shown only so fsync's share is visible. */
    ZK_NOFSYNC("zk-nofsync", "ZooKeeper 3.9.4, 3 nodes, forceSync=no"),
    ZK_STANDALONE("zk-1", "ZooKeeper 3.9.4, standalone, fsync on"),
    VK_LINEARIZABLE("vk-lin", "Viewkeeper, 3 replicas, reads=linearizable, fsync=always"),
    VK_SEQUENTIAL("vk-seq", "Viewkeeper, 3 replicas, reads=sequential, fsync=always"),
    /** ZK with clients on its secure port (client certificates) and TLS between its servers (sslQuorum). */
    ZK_TLS("zk-tls", "ZooKeeper 3.9.4, 3 nodes, fsync on, TLS for clients and between servers"),
    VK_TLS("vk-tls", "Viewkeeper, 3 replicas, reads=linearizable, fsync=always, TLS for clients and between replicas");

    public static final List<BenchSystem> STANDARD = List.of(ZK, VK_LINEARIZABLE, ZK_NOFSYNC, VK_SEQUENTIAL);

    private final String id;
    private final String description;

    BenchSystem(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public boolean isZooKeeper() {
        return this == ZK || this == ZK_NOFSYNC || this == ZK_STANDALONE || this == ZK_TLS;
    }

    /** A group for this system; settings.nodes() is overridden for the standalone ZooKeeper. */
    public ServerGroup group(ServerGroup.Settings settings) {
        return switch (this) {
            case ZK -> new ZooKeeperEnsemble(settings, true, false);
            case ZK_NOFSYNC -> new ZooKeeperEnsemble(settings, false, false);
            case ZK_STANDALONE -> new ZooKeeperEnsemble(withNodes(settings, 1), true, false);
            case ZK_TLS -> new ZooKeeperEnsemble(settings, true, true);
            case VK_LINEARIZABLE -> new ViewkeeperGroup(settings, "linearizable", false);
            case VK_SEQUENTIAL -> new ViewkeeperGroup(settings, "sequential", false);
            case VK_TLS -> new ViewkeeperGroup(settings, "linearizable", true);
        };
    }

    private static ServerGroup.Settings withNodes(ServerGroup.Settings s, int nodes) {
        return new ServerGroup.Settings(s.system(), nodes, s.clientPort(), s.workDir(), s.javaExecutable(),
                s.jvmOptions(), s.classpath());
    }

    public static BenchSystem parse(String id) {
        for (BenchSystem system : values()) {
            if (system.id.equals(id)) {
                return system;
            }
        }
        throw new IllegalArgumentException("unknown system '" + id + "'; one of zk, zk-nofsync, zk-1, vk-lin, vk-seq, "
                + "zk-tls, vk-tls");
    }
}
