package io.viewkeeper.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.ClientTlsSettings;
import io.viewkeeper.server.ConfigException;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS for clients with ZooKeeper's own client and ZooKeeper's keys: the secure port with client certificates
 * required (x509 identities in ACLs and whoAmI, the x509 super user), a plain client refused there, a client
 * without a certificate refused, port unification (plain, TLS and a four-letter word on one port), PEM stores,
 * a renewed server certificate taken without a restart, and settings that cannot work refused at start.
 */
class ClientTlsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private TestCertificates certificates;
    private TestCertificates.Issued server;
    private TestCertificates.Issued alice;
    private Path trustStore;
    private ViewkeeperNode node;
    private final List<ZooKeeper> clients = new ArrayList<>();

    @BeforeEach
    void certificates() throws Exception {
        certificates = new TestCertificates();
        server = certificates.issue("CN=viewkeeper-server,O=Viewkeeper");
        alice = certificates.issue("CN=alice,OU=apps,O=Viewkeeper");
        trustStore = certificates.trustStore(dir.resolve("trust.p12"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ZooKeeper client : clients) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private Map<String, String> serverSsl(Path keyStore, String clientAuth) {
        Map<String, String> ssl = new HashMap<>();
        ssl.put("ssl.keyStore.location", keyStore.toString());
        ssl.put("ssl.keyStore.password", TestCertificates.PASSWORD);
        ssl.put("ssl.trustStore.location", trustStore.toString());
        ssl.put("ssl.trustStore.password", TestCertificates.PASSWORD);
        ssl.put("ssl.clientAuth", clientAuth);
        return ssl;
    }

    private ViewkeeperNode start(ClientTlsSettings tls) throws Exception {
        NodeConfig config = NodeConfig.forTesting(Files.createDirectories(dir.resolve("data"))).withTls(tls);
        node = ViewkeeperNode.start(config);
        return node;
    }

    /** ZooKeeper's client over TLS, configured with its own keys; {@code keyStore} null for none. */
    private ZooKeeper tlsClient(int port, Path keyStore) throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        if (keyStore != null) {
            config.setProperty("zookeeper.ssl.keyStore.location", keyStore.toString());
            config.setProperty("zookeeper.ssl.keyStore.password", TestCertificates.PASSWORD);
        }
        config.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
        config.setProperty("zookeeper.ssl.trustStore.password", TestCertificates.PASSWORD);
        ZooKeeper client = new ZooKeeper("127.0.0.1:" + port, 30_000, event -> { }, config);
        clients.add(client);
        return client;
    }

    private ZooKeeper plainClient(int port) throws Exception {
        ZooKeeper client = new ZooKeeper("127.0.0.1:" + port, 30_000, event -> { });
        clients.add(client);
        return client;
    }

    private static void awaitConnected(ZooKeeper client) {
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
    }

    private static void neverConnects(ZooKeeper client) {
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> client.getState() != ZooKeeper.States.CONNECTED);
    }

    @Test
    void shouldServeTlsClientsWithCertificatesAsX509Identities() throws Exception {
        Map<String, String> ssl = serverSsl(server.keyStore(dir.resolve("server.p12")), "need");
        start(new ClientTlsSettings(0, false, ssl, null));
        int securePort = node.secureClientPort();
        assertThat(securePort).isPositive().isNotEqualTo(node.clientPort());

        ZooKeeper secure = tlsClient(securePort, alice.keyStore(dir.resolve("alice.p12")));
        awaitConnected(secure);
        List<ClientInfo> whoAmI = secure.whoAmI();
        assertThat(whoAmI).extracting(ClientInfo::getAuthScheme).contains("x509", "ip");
        assertThat(whoAmI).extracting(ClientInfo::getUser).contains(alice.subject());

        secure.create("/alice-only", "mine".getBytes(StandardCharsets.UTF_8),
                new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("x509", alice.subject())))),
                CreateMode.PERSISTENT);
        assertThat(secure.getData("/alice-only", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("mine");
        // "auth" stands for the caller's x509 identity, as in ZooKeeper
        secure.create("/by-auth", new byte[0], ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
        assertThat(secure.getACL("/by-auth", null)).extracting(acl -> acl.getId().getId())
                .containsExactly(alice.subject());

        ZooKeeper plain = plainClient(node.clientPort());
        awaitConnected(plain);
        assertThatThrownBy(() -> plain.getData("/alice-only", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);

        // the plain protocol on the TLS port, TLS without the certificate clientAuth=need asks for, and a
        // certificate from a CA the trust store does not hold: each refused, the others still served
        neverConnects(plainClient(securePort));
        neverConnects(tlsClient(securePort, null));
        TestCertificates.Issued stranger = new TestCertificates().issue("CN=alice,OU=apps,O=Viewkeeper");
        neverConnects(tlsClient(securePort, stranger.keyStore(dir.resolve("stranger.p12"))));
        TestCertificates.Issued expired = certificates.issueExpired("CN=alice,OU=apps,O=Viewkeeper");
        neverConnects(tlsClient(securePort, expired.keyStore(dir.resolve("expired.p12"))));
        assertThat(secure.getData("/alice-only", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("mine");
    }

    @Test
    void shouldMakeTheConfiguredSubjectTheSuperUser() throws Exception {
        Map<String, String> ssl = serverSsl(server.keyStore(dir.resolve("server.p12")), "want");
        start(new ClientTlsSettings(0, false, ssl, alice.subject()));
        ZooKeeper plain = plainClient(node.clientPort());
        awaitConnected(plain);
        plain.addAuthInfo("digest", "bob:secret".getBytes(StandardCharsets.UTF_8));
        plain.create("/bob-only", "his".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.CREATOR_ALL_ACL,
                CreateMode.PERSISTENT);

        ZooKeeper superUser = tlsClient(node.secureClientPort(), alice.keyStore(dir.resolve("alice.p12")));
        awaitConnected(superUser);
        assertThat(superUser.getData("/bob-only", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("his");
        // clientAuth=want: a TLS client without a certificate is served, with no x509 identity
        ZooKeeper anonymous = tlsClient(node.secureClientPort(), null);
        awaitConnected(anonymous);
        assertThat(anonymous.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("x509");
        assertThatThrownBy(() -> anonymous.getData("/bob-only", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);
    }

    @Test
    void shouldTakePlainAndTlsClientsOnOnePortWithPortUnificationAndPemStores() throws Exception {
        Map<String, String> ssl = new HashMap<>();
        ssl.put("ssl.keyStore.location", server.keyStorePem(dir.resolve("server.pem")).toString());
        ssl.put("ssl.trustStore.location", certificates.trustStorePem(dir.resolve("ca.pem")).toString());
        ssl.put("ssl.clientAuth", "want");
        start(new ClientTlsSettings(-1, true, ssl, null));
        assertThat(node.secureClientPort()).isEqualTo(-1);

        ZooKeeper tls = tlsClient(node.clientPort(), alice.keyStore(dir.resolve("alice.p12")));
        ZooKeeper plain = plainClient(node.clientPort());
        awaitConnected(tls);
        awaitConnected(plain);
        tls.create("/both", "one port".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT);
        assertThat(plain.getData("/both", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("one port");
        assertThat(tls.whoAmI()).extracting(ClientInfo::getUser).contains(alice.subject());
        assertThat(plain.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("x509");
        try (Socket socket = new Socket("127.0.0.1", node.clientPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("ruok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("imok");
        }
    }

    @Test
    void shouldTakeARenewedServerCertificateWithoutARestart() throws Exception {
        Path keyStore = server.keyStore(dir.resolve("server.p12"));
        start(new ClientTlsSettings(0, false, serverSsl(keyStore, "none"), null));
        assertThat(presentedSubject(node.secureClientPort())).isEqualTo(server.subject());
        ZooKeeper established = tlsClient(node.secureClientPort(), null);
        awaitConnected(established);
        established.create("/before-renewal", new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

        TestCertificates.Issued renewed = certificates.issue("CN=viewkeeper-server-renewed,O=Viewkeeper");
        renewed.keyStore(keyStore);
        await().atMost(TIMEOUT).until(() -> presentedSubject(node.secureClientPort()).equals(renewed.subject()));
        ZooKeeper client = tlsClient(node.secureClientPort(), null);
        awaitConnected(client);
        established.create("/after-renewal", new byte[] {2}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertThat(established.getState()).as("the connection made before the renewal carries on")
                .isEqualTo(ZooKeeper.States.CONNECTED);
        assertThat(client.exists("/after-renewal", false)).isNotNull();
    }

    /** A server whose certificate expired is refused by ZooKeeper's client; a renewed one is taken again. */
    @Test
    void shouldBeRefusedByClientsWhileItsCertificateIsExpired() throws Exception {
        Path keyStore = certificates.issueExpired("CN=viewkeeper-server,O=Viewkeeper")
                .keyStore(dir.resolve("server.p12"));
        start(new ClientTlsSettings(0, false, serverSsl(keyStore, "none"), null));
        neverConnects(tlsClient(node.secureClientPort(), null));
        ZooKeeper plain = plainClient(node.clientPort());
        awaitConnected(plain);

        server.keyStore(keyStore); // renewed in place
        ZooKeeper renewed = tlsClient(node.secureClientPort(), null);
        awaitConnected(renewed);
    }

    @Test
    void shouldRefuseTlsSettingsThatCannotWork() throws Exception {
        Map<String, String> missing = serverSsl(dir.resolve("no-such.p12"), "need");
        assertThatThrownBy(() -> start(new ClientTlsSettings(0, false, missing, null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.keyStore.location");
        node = null;
        Map<String, String> wrongPassword = serverSsl(server.keyStore(dir.resolve("server.p12")), "need");
        wrongPassword.put("ssl.keyStore.password", "not-the-password");
        assertThatThrownBy(() -> start(new ClientTlsSettings(0, false, wrongPassword, null)))
                .isInstanceOf(ConfigException.class);
        node = null;

        Properties noKeyStore = new Properties();
        noKeyStore.setProperty("dataDir", dir.toString());
        noKeyStore.setProperty("secureClientPort", "2281");
        assertThatThrownBy(() -> NodeConfig.parse(noKeyStore)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl.keyStore.location");
        Properties noTrustStore = new Properties();
        noTrustStore.setProperty("dataDir", dir.toString());
        noTrustStore.setProperty("secureClientPort", "2281");
        noTrustStore.setProperty("ssl.keyStore.location", "/etc/zk/keystore.p12");
        assertThatThrownBy(() -> NodeConfig.parse(noTrustStore)).as("client certificates need a chosen trust store")
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.trustStore.location");
        Properties peers = new Properties();
        peers.setProperty("dataDir", dir.toString());
        peers.setProperty("sslQuorum", "true");
        assertThatThrownBy(() -> NodeConfig.parse(peers)).as("peer TLS needs this replica's certificate")
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.quorum.keyStore.location");
        Properties keys = new Properties();
        keys.setProperty("dataDir", dir.toString());
        keys.setProperty("secureClientPort", "2281");
        keys.setProperty("ssl.keyStore.location", "/etc/zk/keystore.p12");
        keys.setProperty("ssl.trustStore.location", "/etc/zk/truststore.p12");
        keys.setProperty("authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
        keys.setProperty("ssl.clientAuth", "need");
        keys.setProperty("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        NodeConfig parsed = NodeConfig.parse(keys);
        assertThat(parsed.tls().secureClientPort()).isEqualTo(2281);
        assertThat(parsed.tls().zooKeeperProperties()).containsEntry("zookeeper.ssl.clientAuth", "need");
    }

    /** The subject of the certificate the server presents to a new TLS connection. */
    private String presentedSubject(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            trust.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                    .getName();
        }
    }
}
