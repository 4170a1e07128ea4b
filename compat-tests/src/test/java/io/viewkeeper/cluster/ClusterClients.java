package io.viewkeeper.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/** Real ZooKeeper and Curator clients whose first server is a chosen replica; the others follow as fallbacks. */
final class ClusterClients {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private ClusterClients() {
    }

    /** A client that tries replica {@code id} first, connected when this returns. */
    static ZooKeeper connect(ClusterProcesses cluster, int id, int sessionTimeoutMs, Watcher watcher)
            throws IOException {
        ZooKeeper zk = new ZooKeeper(cluster.connectString(), sessionTimeoutMs, watcher, false,
                new PreferredHostProvider(cluster.clientAddresses(), id - 1));
        awaitConnected(zk);
        return zk;
    }

    static ZooKeeper connect(ClusterProcesses cluster, int id, int sessionTimeoutMs) throws IOException {
        return connect(cluster, id, sessionTimeoutMs, event -> { });
    }

    /** A client that only knows replica {@code id}, so it stays there (or stays disconnected). */
    static ZooKeeper connectOnly(ClusterProcesses cluster, int id, int sessionTimeoutMs, Watcher watcher)
            throws IOException {
        ZooKeeper zk = new ZooKeeper(cluster.connectString(id), sessionTimeoutMs, watcher, false,
                new PreferredHostProvider(List.of(cluster.clientAddress(id)), 0));
        awaitConnected(zk);
        return zk;
    }

    static void awaitConnected(ZooKeeper zk) {
        try {
            await("client connected").atMost(CONNECT_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> zk.getState().isConnected());
        } catch (RuntimeException | Error e) {
            closeQuietly(zk);
            throw e;
        }
    }

    /** A started Curator client whose ZooKeeper tries replica {@code id} first. */
    static CuratorFramework curator(ClusterProcesses cluster, int id, int sessionTimeoutMs) {
        CuratorFramework curator = CuratorFrameworkFactory.builder()
                .connectString(cluster.connectString())
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(sessionTimeoutMs)
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 1000))
                .zookeeperFactory((connectString, timeout, watcher, canBeReadOnly) -> new ZooKeeper(connectString,
                        timeout, watcher, canBeReadOnly, new PreferredHostProvider(cluster.clientAddresses(),
                        id - 1)))
                .build();
        curator.start();
        return curator;
    }

    static void closeQuietly(ZooKeeper zk) {
        if (zk == null) {
            return;
        }
        try {
            zk.close(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
