package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.ClientTlsSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import io.viewkeeper.server.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.ZooKeeperMain;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Curator and zkCli over TLS with their usual secure settings, against a node whose secure port requires client
 * certificates: Curator through its ZKClientConfig (CRUD and a lock recipe), zkCli through
 * {@code -client-configuration} with ZooKeeper's client keys, as an operator runs it.
 */
class SecureClientsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void shouldServeCuratorAndZkCliOverTls() throws Exception {
        TestCertificates certificates = new TestCertificates();
        Path trust = certificates.trustStore(dir.resolve("trust.p12"));
        Path serverStore = certificates.issue("CN=viewkeeper-server,O=Viewkeeper").keyStore(dir.resolve("server.p12"));
        Path clientStore = certificates.issue("CN=operator,O=Viewkeeper").keyStore(dir.resolve("client.p12"));
        Map<String, String> ssl = Map.of("ssl.keyStore.location", serverStore.toString(),
                "ssl.keyStore.password", TestCertificates.PASSWORD, "ssl.trustStore.location", trust.toString(),
                "ssl.trustStore.password", TestCertificates.PASSWORD, "ssl.clientAuth", "need");
        NodeConfig config = NodeConfig.forTesting(Files.createDirectories(dir.resolve("node")))
                .withTls(new ClientTlsSettings(0, false, ssl, null));
        Map<String, String> clientKeys = Map.of(
                ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty",
                ZKClientConfig.SECURE_CLIENT, "true",
                "zookeeper.ssl.keyStore.location", clientStore.toString(),
                "zookeeper.ssl.keyStore.password", TestCertificates.PASSWORD,
                "zookeeper.ssl.trustStore.location", trust.toString(),
                "zookeeper.ssl.trustStore.password", TestCertificates.PASSWORD);
        try (ViewkeeperNode node = ViewkeeperNode.start(config)) {
            String secure = "127.0.0.1:" + node.secureClientPort();
            ZKClientConfig clientConfig = new ZKClientConfig();
            clientKeys.forEach(clientConfig::setProperty);
            try (CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(secure)
                    .retryPolicy(new ExponentialBackoffRetry(100, 5)).zkClientConfig(clientConfig).build()) {
                curator.start();
                assertThat(curator.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
                curator.create().creatingParentsIfNeeded().forPath("/curator/tls", "curated".getBytes(
                        StandardCharsets.UTF_8));
                assertThat(curator.getData().forPath("/curator/tls")).asString(StandardCharsets.UTF_8)
                        .isEqualTo("curated");
                InterProcessMutex lock = new InterProcessMutex(curator, "/curator/lock");
                assertThat(lock.acquire(10, TimeUnit.SECONDS)).isTrue();
                lock.release();
            }

            Path properties = dir.resolve("zk-client.properties");
            StringBuilder lines = new StringBuilder();
            clientKeys.forEach((key, value) -> lines.append(key).append('=').append(value).append('\n'));
            Files.writeString(properties, lines.toString(), StandardCharsets.UTF_8);
            ZooKeeperMain cli = new ZooKeeperMain(new String[] {"-server", secure, "-client-configuration",
                properties.toString()});
            cli.executeLine("create /from-zkcli typed-over-tls");
            cli.executeLine("close");

            try (ZooKeeper check = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
                await().atMost(TIMEOUT).until(() -> check.getState() == ZooKeeper.States.CONNECTED);
                await().atMost(TIMEOUT).until(() -> check.exists("/from-zkcli", false) != null);
                assertThat(check.getData("/from-zkcli", false, null)).asString(StandardCharsets.UTF_8)
                        .isEqualTo("typed-over-tls");
            }
        }
    }
}
