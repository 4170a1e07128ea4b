package io.viewkeeper.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.login.Configuration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
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
 * SASL DIGEST-MD5 with ZooKeeper's own client and ZooKeeper's configuration: a JAAS file whose Server section
 * lists users (DigestLoginModule, user_NAME) and whose client sections log in as one of them. An authenticated
 * client is sasl:NAME (ACLs, auth, whoAmI); a wrong password gets AuthFailed; zookeeper.superUser makes a SASL
 * user the super user; a JAAS file without the section it names stops the node from starting. The JVM-wide JAAS
 * settings are put back after each test.
 */
class ClientSaslTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> PROPERTIES = List.of("java.security.auth.login.config",
            "zookeeper.sasl.serverconfig", "zookeeper.superUser");

    @TempDir
    Path dir;

    private final java.util.Map<String, String> saved = new java.util.HashMap<>();
    private ViewkeeperNode node;
    private final List<ZooKeeper> clients = new ArrayList<>();

    @BeforeEach
    void jaas() throws Exception {
        for (String key : PROPERTIES) {
            saved.put(key, System.getProperty(key));
        }
        Path jaas = dir.resolve("jaas.conf");
        Files.writeString(jaas, """
                Server {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  user_bob="bob-secret"
                  user_carol="carol-secret";
                };
                Client {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  username="bob"
                  password="bob-secret";
                };
                Carol {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  username="carol"
                  password="carol-secret";
                };
                Mallory {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  username="bob"
                  password="not-bobs-secret";
                };
                """, StandardCharsets.UTF_8);
        System.setProperty("java.security.auth.login.config", jaas.toString());
        Configuration.setConfiguration(null); // read again from the file just named
    }

    @AfterEach
    void restore() throws InterruptedException {
        for (ZooKeeper client : clients) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
        saved.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
        Configuration.setConfiguration(null);
    }

    private void start() throws Exception {
        node = ViewkeeperNode.start(NodeConfig.forTesting(Files.createDirectories(dir.resolve("data"))));
    }

    /** A client logging in with the JAAS section {@code section}; null for a client without SASL. */
    private ZooKeeper client(String section, Set<Watcher.Event.KeeperState> seen) throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        // ZooKeeper 3.9's client refuses DIGEST-MD5 in FIPS mode, its default; its users turn that off as here
        config.setProperty("zookeeper.fips-mode", "false");
        if (section == null) {
            config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        } else {
            config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, section);
        }
        ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> {
            if (event.getState() != null) {
                seen.add(event.getState());
            }
        }, config);
        clients.add(client);
        return client;
    }

    @Test
    void shouldAuthenticateDigestMd5UsersAsSaslIdentities() throws Exception {
        start();
        Set<Watcher.Event.KeeperState> bobSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper bob = client("Client", bobSeen);
        await().atMost(TIMEOUT).until(() -> bobSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        assertThat(bob.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .contains(org.assertj.core.groups.Tuple.tuple("sasl", "bob"));
        bob.create("/bobs", "his".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.CREATOR_ALL_ACL,
                CreateMode.PERSISTENT);
        assertThat(bob.getACL("/bobs", null)).extracting(acl -> acl.getId().getScheme() + ":" + acl.getId().getId())
                .containsExactly("sasl:bob");

        Set<Watcher.Event.KeeperState> carolSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper carol = client("Carol", carolSeen);
        await().atMost(TIMEOUT).until(() -> carolSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        assertThatThrownBy(() -> carol.getData("/bobs", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);
        Set<Watcher.Event.KeeperState> plainSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper plain = client(null, plainSeen);
        await().atMost(TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
        assertThat(plain.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("sasl");
        assertThatThrownBy(() -> plain.getData("/bobs", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);

        // a wrong password: AuthFailed, as ZooKeeper 3.9 answers it, and the connection closed
        Set<Watcher.Event.KeeperState> mallorySeen = ConcurrentHashMap.newKeySet();
        ZooKeeper mallory = client("Mallory", mallorySeen);
        await().atMost(TIMEOUT).until(() -> mallorySeen.contains(Watcher.Event.KeeperState.AuthFailed));
        assertThat(mallorySeen).doesNotContain(Watcher.Event.KeeperState.SaslAuthenticated);
        assertThatThrownBy(() -> mallory.create("/mallorys", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))
                .isInstanceOf(KeeperException.AuthFailedException.class);
        assertThat(bob.exists("/mallorys", false)).isNull();
    }

    @Test
    void shouldMakeTheConfiguredSaslUserTheSuperUser() throws Exception {
        System.setProperty("zookeeper.superUser", "carol");
        start();
        Set<Watcher.Event.KeeperState> bobSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper bob = client("Client", bobSeen);
        await().atMost(TIMEOUT).until(() -> bobSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        bob.create("/bobs", "his".getBytes(StandardCharsets.UTF_8),
                new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("sasl", "bob")))), CreateMode.PERSISTENT);
        Set<Watcher.Event.KeeperState> carolSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper carol = client("Carol", carolSeen);
        await().atMost(TIMEOUT).until(() -> carolSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        assertThat(carol.getData("/bobs", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("his");
    }

    /**
     * sessionRequireClientSASLAuth (enforce.auth for sasl): a SASL client is served; a client without SASL gets
     * SessionClosedRequireAuth on its first request and its connection closed, as with ZooKeeper 3.9.
     */
    @Test
    void shouldRefuseClientsWithoutSaslWhenTheGroupRequiresIt() throws Exception {
        Properties keys = new Properties();
        keys.setProperty("dataDir", dir.toString());
        keys.setProperty("sessionRequireClientSASLAuth", "true");
        assertThat(NodeConfig.parse(keys).requiredAuthSchemes()).containsExactly("sasl");
        node = ViewkeeperNode.start(NodeConfig.forTesting(Files.createDirectories(dir.resolve("data")))
                .withRequiredAuthSchemes(Set.of("sasl")));
        Set<Watcher.Event.KeeperState> bobSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper bob = client("Client", bobSeen);
        await().atMost(TIMEOUT).until(() -> bobSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        bob.create("/required", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

        Set<Watcher.Event.KeeperState> plainSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper plain = client(null, plainSeen);
        await().atMost(TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
        assertThatThrownBy(() -> plain.exists("/required", false))
                .isInstanceOf(KeeperException.SessionClosedRequireAuthException.class);
        assertThat(bob.exists("/required", false)).isNotNull();

        Properties noSchemes = new Properties();
        noSchemes.setProperty("dataDir", dir.toString());
        noSchemes.setProperty("enforce.auth.enabled", "true");
        assertThatThrownBy(() -> NodeConfig.parse(noSchemes)).hasMessageContaining("enforce.auth.schemes");
        noSchemes.setProperty("enforce.auth.schemes", "sasl,kerberos");
        assertThatThrownBy(() -> NodeConfig.parse(noSchemes)).hasMessageContaining("kerberos");
        noSchemes.setProperty("enforce.auth.schemes", "sasl, digest");
        assertThat(NodeConfig.parse(noSchemes).requiredAuthSchemes()).containsExactlyInAnyOrder("sasl", "digest");
    }

    /** As ZooKeeper: a readable JAAS file without the server's section means no SASL, not a node that fails. */
    @Test
    void shouldServeWithoutSaslWhenTheJaasFileHasNoServerSection() throws Exception {
        System.setProperty("zookeeper.sasl.serverconfig", "NoSuchSection");
        start();
        Set<Watcher.Event.KeeperState> bobSeen = ConcurrentHashMap.newKeySet();
        client("Client", bobSeen);
        await().atMost(TIMEOUT).until(() -> bobSeen.contains(Watcher.Event.KeeperState.AuthFailed));
        Set<Watcher.Event.KeeperState> plainSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper plain = client(null, plainSeen);
        await().atMost(TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
        assertThat(plain.exists("/", false)).isNotNull();
    }

    /**
     * A token the mechanism cannot parse (the JDK's DIGEST-MD5 reads maxbuf with a bare parseInt) is a failed
     * login for that connection: AuthFailed, the connection closed, and the node goes on serving.
     */
    @Test
    void shouldRefuseAMalformedTokenAndKeepServing() throws Exception {
        start();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.clientPort())) {
            socket.setSoTimeout(10_000);
            java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
            java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
            send(out, null, new org.apache.zookeeper.proto.ConnectRequest(0, 0L, 30_000, 0L, new byte[16], false));
            frame(in);
            send(out, new org.apache.zookeeper.proto.RequestHeader(1, 102),
                    new org.apache.zookeeper.proto.GetSASLRequest(new byte[0]));
            frame(in); // the server's challenge
            String malformed = "charset=utf-8,username=\"bob\",realm=\"zk-sasl-md5\",nonce=\"n\",nc=zz,"
                    + "cnonce=\"c\",digest-uri=\"zookeeper/zk-sasl-md5\",maxbuf=x,response=00,qop=auth";
            send(out, new org.apache.zookeeper.proto.RequestHeader(2, 102),
                    new org.apache.zookeeper.proto.GetSASLRequest(malformed.getBytes(StandardCharsets.UTF_8)));
            org.apache.jute.BinaryInputArchive reply = org.apache.jute.BinaryInputArchive.getArchive(
                    new java.io.ByteArrayInputStream(frame(in)));
            org.apache.zookeeper.proto.ReplyHeader header = new org.apache.zookeeper.proto.ReplyHeader();
            header.deserialize(reply, "header");
            assertThat(header.getXid()).isEqualTo(2);
            assertThat(header.getErr()).isEqualTo(KeeperException.Code.AUTHFAILED.intValue());
            assertThat(in.read()).as("the connection is closed").isEqualTo(-1);
        }
        assertThat(node.stoppedBy()).isNull();
        Set<Watcher.Event.KeeperState> bobSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper bob = client("Client", bobSeen);
        await().atMost(TIMEOUT).until(() -> bobSeen.contains(Watcher.Event.KeeperState.SaslAuthenticated));
        assertThat(bob.exists("/", false)).isNotNull();
    }

    private static void send(java.io.DataOutputStream out, org.apache.jute.Record header, org.apache.jute.Record body)
            throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.apache.jute.BinaryOutputArchive archive = org.apache.jute.BinaryOutputArchive.getArchive(bytes);
        if (header != null) {
            header.serialize(archive, "header");
        }
        body.serialize(archive, "request");
        out.writeInt(bytes.size());
        out.write(bytes.toByteArray());
        out.flush();
    }

    private static byte[] frame(java.io.DataInputStream in) throws java.io.IOException {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return frame;
    }
}
