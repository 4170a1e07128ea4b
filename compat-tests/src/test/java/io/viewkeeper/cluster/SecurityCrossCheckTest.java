package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.LoopbackServers.Kind;
import io.viewkeeper.server.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.login.Configuration;
import org.apache.jute.BinaryOutputArchive;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security checked against a real ZooKeeper 3.9 ensemble. One zoo.cfg block written for a secured ZooKeeper (TLS on
 * the secure client port with client certificates wanted, mutual TLS between servers, SASL DIGEST-MD5 from a JAAS
 * Server section, x509 identities with a certificate super user, enforce.auth for sasl and x509) starts three
 * ZooKeeper servers and then three Viewkeeper replicas, every JVM with the same flags (the JAAS file, a SASL super
 * user). The same script runs against each with ZooKeeper's Java client over TLS and writes every outcome down as a
 * line; the two records must be equal, and key lines are asserted on each so that both failing alike cannot pass.
 * Two shorter runs on one server of each give enforce.auth and sessionRequireClientSASLAuth as JVM flags instead.
 *
 * <p>Kerberos is not in these runs: a JAAS Server section is either DIGEST-MD5 or Kerberos (ZooKeeper takes GSSAPI
 * as soon as the server's subject has a principal), so it would take two more groups and a KDC; ClientKerberosTest
 * covers it against Viewkeeper alone.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SecurityCrossCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final String JAAS_PROPERTY = "java.security.auth.login.config";
    private static final String PASSWORD = TestCertificates.PASSWORD;
    private static final String DIGEST_USER = "dig:dig-secret";
    private static final String JAAS = """
            Server {
              org.apache.zookeeper.server.auth.DigestLoginModule required
              user_bob="bob-secret"
              user_dave="dave-secret"
              user_admin="admin-secret";
            };
            """ + client("Bob", "bob", "bob-secret") + client("Dave", "dave", "dave-secret")
            + client("Admin", "admin", "admin-secret") + client("WrongBob", "bob", "not-bobs-secret");

    @TempDir
    Path dir;

    private String savedJaas;
    private Path trustStore;
    private final Map<String, Path> keyStores = new LinkedHashMap<>();
    /** The x509 identities: each certificate's subject as ZooKeeper names it (RFC 2253). */
    private String aliceSubject;
    private String carolSubject;
    private String rootSubject;
    private Map<String, String> securityBlock;
    private List<String> jvmFlags;
    private int securePort;

    /** Lines both records must hold, whatever else they say: the checks do not rest on the comparison alone. */
    private List<String> keyLines() {
        return List.of(
                "alice (certificate alice, SASL bob) whoAmI -> ip:127.0.0.1, sasl:bob, x509:" + aliceSubject,
                "dave (SASL dave, no certificate) whoAmI -> ip:127.0.0.1, sasl:dave",
                "carol (certificate carol) whoAmI -> ip:127.0.0.1, x509:" + carolSubject,
                "root (certificate root, the x509 super user) whoAmI -> ip:127.0.0.1, super:, x509:" + rootSubject,
                "admin (SASL admin, the SASL super user) whoAmI -> ip:127.0.0.1, sasl:admin, super:",
                "alice create /sec/auth [31 auth:] -> created",
                "alice getACL /sec/auth -> [31 x509:" + aliceSubject + ", 31 sasl:bob] aversion 0",
                "alice getData /sec/sasl -> data sasl",
                "dave getData /sec/sasl -> NOAUTH",
                "carol getData /sec/sasl -> NOAUTH",
                "alice getData /sec/x509 -> data x509",
                "dave getData /sec/x509 -> NOAUTH",
                "carol getData /sec/digest -> data digest",
                "root getData /sec/sasl -> data sasl",
                "admin getData /sec/x509 -> data x509",
                "carol getData /sec/x509 after alice's setACL -> data x509",
                "bob with a wrong password: exists / -> AUTHFAILED",
                "anonymous (no certificate, no SASL) exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "digest only (no certificate, no SASL, addAuth digest) exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "no SASL on the plaintext client port exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "plaintext ConnectRequest on the secure port -> no session, connection closed",
                "TLS with a certificate of another CA -> no session, connection closed",
                "TLS with a certificate that expired -> no session, connection closed",
                "ruok over TLS with certificate alice -> imok",
                "alice again on server 2 after the refusals getData /sec/x509 -> data x509",
                "plaintext client on the secure port got a session -> false",
                "client with a certificate of another CA got a session -> false",
                "alice's session taken over with carol's certificate, no SASL: whoAmI -> ip:127.0.0.1, x509:"
                        + carolSubject,
                "alice's session taken over with carol's certificate: getData /sec/sasl -> NOAUTH",
                "mover on server 1 whoAmI -> ip:127.0.0.1, sasl:bob, x509:" + aliceSubject);
    }

    private static String client(String section, String user, String password) {
        return section + " {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
                + "  username=\"" + user + "\"\n  password=\"" + password + "\";\n};\n";
    }

    @BeforeEach
    void securityMaterial() throws Exception {
        TestCertificates certificates = new TestCertificates();
        trustStore = certificates.trustStore(dir.resolve("trust.p12"));
        Path serverStore = certificates.issue("CN=server,OU=servers,O=Viewkeeper").keyStore(dir.resolve("server.p12"));
        aliceSubject = issue(certificates, "alice", "CN=alice,OU=clients,O=Viewkeeper");
        carolSubject = issue(certificates, "carol", "CN=carol,OU=clients,O=Viewkeeper");
        rootSubject = issue(certificates, "root", "CN=root,OU=operators,O=Viewkeeper");
        keyStores.put("expired", certificates.issueExpired("CN=alice,OU=clients,O=Viewkeeper")
                .keyStore(dir.resolve("expired.p12")));
        keyStores.put("mallory", new TestCertificates().issue("CN=mallory,O=Elsewhere")
                .keyStore(dir.resolve("mallory.p12")));
        Path jaas = Files.writeString(dir.resolve("jaas.conf"), JAAS, StandardCharsets.UTF_8);
        securePort = LoopbackServers.portFreeOnEveryHost();

        // zoo.cfg keys as ZooKeeper 3.9's documentation writes them. ZooKeeper turns the keys it does not parse
        // itself (ssl.*, authProvider.*, enforce.auth.*, serverCnxnFactory, X509AuthenticationProvider.superUser)
        // into zookeeper.* system properties. It registers the x509 provider by itself once a secure port is set, so
        // no authProvider line names it; the sasl one must be named for enforce.auth.schemes to accept sasl.
        Map<String, String> block = new LinkedHashMap<>();
        block.put("secureClientPort", Integer.toString(securePort));
        block.put("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        block.put("ssl.keyStore.location", serverStore.toString());
        block.put("ssl.keyStore.password", PASSWORD);
        block.put("ssl.trustStore.location", trustStore.toString());
        block.put("ssl.trustStore.password", PASSWORD);
        block.put("ssl.clientAuth", "want");
        block.put("X509AuthenticationProvider.superUser", rootSubject);
        block.put("sslQuorum", "true");
        block.put("ssl.quorum.keyStore.location", serverStore.toString());
        block.put("ssl.quorum.keyStore.password", PASSWORD);
        block.put("ssl.quorum.trustStore.location", trustStore.toString());
        block.put("ssl.quorum.trustStore.password", PASSWORD);
        block.put("authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
        block.put("enforce.auth.enabled", "true");
        block.put("enforce.auth.schemes", "sasl,x509");
        securityBlock = block;
        // what ZooKeeper's documentation gives as JVM flags: the JAAS file and the SASL super user
        jvmFlags = List.of("-D" + JAAS_PROPERTY + "=" + jaas, "-Dzookeeper.superUser=admin");

        savedJaas = System.getProperty(JAAS_PROPERTY);
        System.setProperty(JAAS_PROPERTY, jaas.toString()); // the clients' sections, for this JVM's clients
        Configuration.setConfiguration(null);
    }

    private String issue(TestCertificates certificates, String name, String subject) throws Exception {
        TestCertificates.Issued issued = certificates.issue(subject);
        keyStores.put(name, issued.keyStore(dir.resolve(name + ".p12")));
        return issued.subject();
    }

    @AfterEach
    void restoreJaas() {
        if (savedJaas == null) {
            System.clearProperty(JAAS_PROPERTY);
        } else {
            System.setProperty(JAAS_PROPERTY, savedJaas);
        }
        Configuration.setConfiguration(null);
    }

    @Test
    void shouldAnswerLikeZooKeeperWhenBothAreSecuredByTheSameZooCfg() throws Exception {
        compare(3, securityBlock, jvmFlags, Script::all, keyLines());
    }

    /**
     * ZooKeeper reads enforce.auth only as system properties, which its zoo.cfg keys turn into: an operator may
     * as well give them as JVM flags (SERVER_JVMFLAGS), and they must hold just the same. One server of each.
     */
    @Test
    void shouldEnforceAuthLikeZooKeeperWhenItIsGivenAsJvmFlags() throws Exception {
        Map<String, String> block = new LinkedHashMap<>(securityBlock);
        block.remove("enforce.auth.enabled");
        block.remove("enforce.auth.schemes");
        List<String> flags = new ArrayList<>(jvmFlags);
        flags.add("-Dzookeeper.enforce.auth.enabled=true");
        flags.add("-Dzookeeper.enforce.auth.schemes=sasl,x509");
        compare(1, block, flags, Script::enforcedAuth, List.of(
                "anonymous (no certificate, no SASL) exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "carol (certificate carol) exists / -> exists",
                "dave (SASL dave, no certificate) exists / -> exists"));
    }

    /** As ZooKeeper: sessionRequireClientSASLAuth, here a JVM flag, overrules enforce.auth: sasl and nothing else. */
    @Test
    void shouldRequireSaslAloneLikeZooKeeperWhenSessionRequireClientSaslAuthIsSet() throws Exception {
        List<String> flags = new ArrayList<>(jvmFlags);
        flags.add("-Dzookeeper.sessionRequireClientSASLAuth=true");
        compare(1, securityBlock, flags, Script::enforcedAuth, List.of(
                "anonymous (no certificate, no SASL) exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "carol (certificate carol) exists / -> SESSIONCLOSEDREQUIRESASLAUTH",
                "dave (SASL dave, no certificate) exists / -> exists"));
    }

    private interface Plan {
        void run(Script script) throws Exception;
    }

    /** The plan against ZooKeeper, then against Viewkeeper from the same settings; records and key lines checked. */
    private void compare(int size, Map<String, String> block, List<String> flags, Plan plan, List<String> key)
            throws Exception {
        List<String> zookeeper;
        try (LoopbackServers servers = LoopbackServers.start(Kind.ZOOKEEPER, size, dir.resolve("zookeeper"),
                block, flags)) {
            zookeeper = new Script("zookeeper", servers).run(plan);
        }
        List<String> viewkeeper;
        try (LoopbackServers servers = LoopbackServers.start(Kind.VIEWKEEPER, size, dir.resolve("viewkeeper"),
                block, flags)) {
            viewkeeper = new Script("viewkeeper", servers).run(plan);
        }
        System.out.println("---- zookeeper\n" + String.join("\n", zookeeper));
        System.out.println("---- viewkeeper\n" + String.join("\n", viewkeeper));
        assertThat(zookeeper).as("ZooKeeper's record").containsAll(key);
        assertThat(String.join("\n", viewkeeper)).as("Viewkeeper's record against ZooKeeper's")
                .isEqualTo(String.join("\n", zookeeper));
        assertThat(viewkeeper).as("Viewkeeper's record").containsAll(key);
    }

    private interface Step {
        Object call() throws Exception;
    }

    /** A client and the connection states its watcher saw, in order. */
    private record Session(ZooKeeper zk, List<KeeperState> seen) {
        long count(KeeperState state) {
            return seen.stream().filter(state::equals).count();
        }
    }

    /** The script against one group, each outcome one line; clients are closed at the end. */
    private final class Script {
        private final String system;
        private final LoopbackServers servers;
        private final List<String> lines = new ArrayList<>();
        private final List<ZooKeeper> clients = new ArrayList<>();
        private final Map<String, ZooKeeper> readers = new LinkedHashMap<>();

        Script(String system, LoopbackServers servers) {
            this.system = system;
            this.servers = servers;
        }

        List<String> run(Plan plan) throws Exception {
            try {
                plan.run(this);
                return lines;
            } finally {
                for (ZooKeeper zk : clients) {
                    zk.close(1000);
                }
            }
        }

        void all() throws Exception {
            whoIsWho();
            createWithAcls();
            readAcrossIdentities();
            changeAcls();
            refuseWrongPasswordAndEnforceAuth();
            refuseTransports();
            moveSessions();
        }

        /** enforce.auth for sasl and x509: a client with neither is refused, one with either is served. */
        void enforcedAuth() throws Exception {
            ZooKeeper anonymous = connect("anonymous", 1, null, null).zk();
            step("anonymous (no certificate, no SASL) exists /", () -> exists(anonymous, "/"));
            ZooKeeper carol = connect("carol", 1, "carol", null).zk();
            step("carol (certificate carol) exists /", () -> exists(carol, "/"));
            ZooKeeper dave = connect("dave", 1, null, "Dave").zk();
            step("dave (SASL dave, no certificate) exists /", () -> exists(dave, "/"));
        }

        /** Who each client is: x509 from the TLS handshake, sasl after DIGEST-MD5, super for both super users. */
        private void whoIsWho() throws Exception {
            readers.put("alice", connect("alice", 1, "alice", "Bob").zk());
            step("alice (certificate alice, SASL bob) whoAmI", () -> identities(reader("alice")));
            readers.put("dave", connect("dave", 2, null, "Dave").zk());
            step("dave (SASL dave, no certificate) whoAmI", () -> identities(reader("dave")));
            readers.put("carol", connect("carol", 3, "carol", null).zk());
            step("carol (certificate carol) whoAmI", () -> identities(reader("carol")));
            readers.put("root", connect("root", 1, "root", null).zk());
            step("root (certificate root, the x509 super user) whoAmI", () -> identities(reader("root")));
            readers.put("admin", connect("admin", 2, null, "Admin").zk());
            step("admin (SASL admin, the SASL super user) whoAmI", () -> identities(reader("admin")));
        }

        private void createWithAcls() throws Exception {
            ZooKeeper alice = reader("alice");
            create("alice", alice, "/sec", Ids.OPEN_ACL_UNSAFE);
            create("alice", alice, "/sec/sasl", aclList(acl(Perms.ALL, "sasl", "bob")));
            create("alice", alice, "/sec/x509", aclList(acl(Perms.ALL, "x509", aliceSubject)));
            create("alice", alice, "/sec/digest", aclList(acl(Perms.READ, "digest", digest(DIGEST_USER)),
                    acl(Perms.READ, "x509", carolSubject), acl(Perms.ALL, "sasl", "bob")));
            create("alice", alice, "/sec/auth", Ids.CREATOR_ALL_ACL);
            create("alice", alice, "/sec/ip", aclList(acl(Perms.READ, "ip", "127.0.0.0/8"),
                    acl(Perms.ALL, "sasl", "bob")));
            create("carol", reader("carol"), "/sec/carol", Ids.CREATOR_ALL_ACL);
            create("dave", reader("dave"), "/sec/dave", Ids.CREATOR_ALL_ACL);
            create("alice", alice, "/sec/bad-digest", aclList(acl(Perms.ALL, "digest", "no-colon")));
            create("alice", alice, "/sec/bad-x509", aclList(acl(Perms.ALL, "x509", "not a name")));
            create("alice", alice, "/sec/unknown-scheme", aclList(acl(Perms.ALL, "kerberos", "bob")));
        }

        /** Every client reads every node, after a sync: the clients are spread over the three servers. */
        private void readAcrossIdentities() throws Exception {
            List<String> nodes = List.of("/sec/sasl", "/sec/x509", "/sec/digest", "/sec/auth", "/sec/ip",
                    "/sec/carol", "/sec/dave");
            for (String node : nodes) {
                step("alice getACL " + node, () -> acls(reader("alice"), node));
            }
            step("carol getACL /sec/digest (read, not admin: digests hidden)", () -> acls(reader("carol"),
                    "/sec/digest"));
            step("carol getACL /sec/sasl", () -> acls(reader("carol"), "/sec/sasl"));
            step("admin getACL /sec/digest", () -> acls(reader("admin"), "/sec/digest"));
            for (Map.Entry<String, ZooKeeper> reader : readers.entrySet()) {
                reader.getValue().sync("/sec");
                for (String node : nodes) {
                    step(reader.getKey() + " getData " + node, () -> data(reader.getValue(), node));
                }
            }
            ZooKeeper carol = reader("carol");
            step("carol addAuth digest, whoAmI", () -> {
                carol.addAuthInfo("digest", bytes(DIGEST_USER));
                return identities(carol);
            });
            step("carol getData /sec/digest with digest", () -> data(carol, "/sec/digest"));
        }

        private void changeAcls() throws Exception {
            ZooKeeper alice = reader("alice");
            ZooKeeper carol = reader("carol");
            ZooKeeper dave = reader("dave");
            List<ACL> shared = aclList(acl(Perms.ALL, "x509", aliceSubject), acl(Perms.READ, "x509", carolSubject));
            step("alice setACL /sec/x509 version 0", () -> "aversion "
                    + alice.setACL("/sec/x509", shared, 0).getAversion());
            step("alice setACL /sec/x509 version 0 again", () -> alice.setACL("/sec/x509", shared, 0));
            step("alice getACL /sec/x509 after setACL", () -> acls(alice, "/sec/x509"));
            carol.sync("/sec");
            step("carol getData /sec/x509 after alice's setACL", () -> data(carol, "/sec/x509"));
            step("carol setData /sec/x509", () -> carol.setData("/sec/x509", new byte[0], -1));
            create("carol", carol, "/sec/x509/child", Ids.OPEN_ACL_UNSAFE);
            step("dave setACL /sec/sasl", () -> dave.setACL("/sec/sasl", Ids.OPEN_ACL_UNSAFE, -1));
            step("dave multi [create /sec/multi, setData /sec/sasl]", () -> {
                try {
                    return dave.multi(List.of(Op.create("/sec/multi", new byte[0], Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT), Op.setData("/sec/sasl", new byte[0], -1)));
                } catch (KeeperException e) {
                    return e.code() + " " + e.getResults().stream().map(r -> r instanceof OpResult.ErrorResult er
                            ? KeeperException.Code.get(er.getErr()).name() : r.getClass().getSimpleName()).toList();
                }
            });
            step("root setData /sec/sasl", () -> "version " + reader("root").setData("/sec/sasl", bytes("root"), -1)
                    .getVersion());
            step("dave delete /sec/carol (the parent is open)", () -> {
                dave.delete("/sec/carol", -1);
                return "deleted";
            });
        }

        /** A wrong SASL password, and enforce.auth for clients with neither a certificate nor SASL. */
        private void refuseWrongPasswordAndEnforceAuth() throws Exception {
            Session wrong = connect("bob with a wrong password", 1, "alice", "WrongBob");
            step("bob with a wrong password: SASL states", () -> wrong.seen().stream()
                    .filter(s -> s == KeeperState.SaslAuthenticated || s == KeeperState.AuthFailed).toList());
            step("bob with a wrong password: exists /", () -> exists(wrong.zk(), "/"));
            ZooKeeper anonymous = connect("anonymous", 3, null, null).zk();
            step("anonymous (no certificate, no SASL) exists /", () -> exists(anonymous, "/"));
            ZooKeeper digestOnly = connect("digest only", 3, null, null).zk();
            step("digest only (no certificate, no SASL, addAuth digest) exists /", () -> {
                digestOnly.addAuthInfo("digest", bytes(DIGEST_USER));
                return exists(digestOnly, "/");
            });
            for (String scheme : List.of("x509", "sasl")) {
                ZooKeeper dave = connect("addAuth " + scheme, 2, null, "Dave").zk();
                step("dave (no certificate) addAuth " + scheme + ", exists /", () -> {
                    dave.addAuthInfo(scheme, bytes("dave"));
                    return exists(dave, "/");
                });
            }
            ZKClientConfig noSasl = new ZKClientConfig();
            noSasl.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
            ZKClientConfig saslBob = new ZKClientConfig();
            saslBob.setProperty("zookeeper.fips-mode", "false");
            saslBob.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, "Bob");
            Session plainBob = connect("plaintext port, SASL bob", servers.connectString(1), saslBob, true);
            step("SASL bob on the plaintext client port whoAmI", () -> identities(plainBob.zk()));
            Session plain = connect("plaintext port, no SASL", servers.connectString(1), noSasl, false);
            step("no SASL on the plaintext client port exists /", () -> exists(plain.zk(), "/"));
        }

        /** Plaintext and other-CA, expired certificates on the secure port, then a client served as before. */
        private void refuseTransports() throws Exception {
            List<KeeperState> plainSeen = new CopyOnWriteArrayList<>();
            ZKClientConfig plainConfig = new ZKClientConfig();
            plainConfig.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
            clients.add(new ZooKeeper(secureAddress(2), SESSION_TIMEOUT_MS, e -> plainSeen.add(e.getState()),
                    plainConfig));
            List<KeeperState> foreignSeen = new CopyOnWriteArrayList<>();
            clients.add(new ZooKeeper(secureAddress(2), SESSION_TIMEOUT_MS, e -> foreignSeen.add(e.getState()),
                    tlsConfig("mallory", null)));
            InetSocketAddress server2 = new InetSocketAddress(LoopbackServers.host(2), securePort);
            step("plaintext ConnectRequest on the secure port", () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(server2, 5000);
                    return sessionOutcome(socket);
                }
            });
            for (String store : List.of("mallory", "expired")) {
                step("TLS with a certificate " + ("mallory".equals(store) ? "of another CA" : "that expired"), () -> {
                    try (SSLSocket socket = (SSLSocket) tlsContext(store).getSocketFactory().createSocket()) {
                        socket.connect(server2, 5000);
                        return sessionOutcome(socket);
                    }
                });
            }
            step("ruok over TLS with certificate alice", () -> {
                try (SSLSocket socket = (SSLSocket) tlsContext("alice").getSocketFactory().createSocket()) {
                    socket.connect(server2, 5000);
                    socket.setSoTimeout((int) TIMEOUT.toMillis());
                    socket.getOutputStream().write(bytes("ruok"));
                    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            ZooKeeper again = connect("alice again", 2, "alice", "Bob").zk();
            step("alice again on server 2 after the refusals getData /sec/x509", () -> {
                again.sync("/sec");
                return data(again, "/sec/x509");
            });
            step("plaintext client on the secure port got a session", () -> plainSeen
                    .contains(KeeperState.SyncConnected));
            step("client with a certificate of another CA got a session", () -> foreignSeen
                    .contains(KeeperState.SyncConnected));
        }

        /**
         * Identities belong to the connection, not the session: a session taken over by a connection with other
         * credentials has that connection's identities, and a client that moves to another server after its server
         * dies logs in again there.
         */
        private void moveSessions() throws Exception {
            Session donor = connect("alice's second session", 1, "alice", "Bob");
            long sessionId = donor.zk().getSessionId();
            byte[] password = donor.zk().getSessionPasswd();
            donor.zk().getTestable().injectSessionExpiration(); // the handle lets go; the session lives on
            List<KeeperState> seen = new CopyOnWriteArrayList<>();
            ZooKeeper taken = new ZooKeeper(secureAddress(1), SESSION_TIMEOUT_MS, e -> seen.add(e.getState()),
                    sessionId, password, false, new PreferredHostProvider(List.of(secureSocket(1)), 0),
                    tlsConfig("carol", null));
            clients.add(taken);
            await(system + ": the session taken over").atMost(TIMEOUT)
                    .until(() -> seen.contains(KeeperState.SyncConnected) || seen.contains(KeeperState.Expired));
            step("alice's session taken over with carol's certificate, no SASL: whoAmI", () -> identities(taken));
            step("alice's session taken over with carol's certificate: getData /sec/sasl", () -> data(taken,
                    "/sec/sasl"));

            List<KeeperState> moverSeen = new CopyOnWriteArrayList<>();
            Session mover = new Session(new ZooKeeper(secureAddress(3), SESSION_TIMEOUT_MS,
                    e -> moverSeen.add(e.getState()), false,
                    new PreferredHostProvider(List.of(secureSocket(3), secureSocket(1)), 0),
                    tlsConfig("alice", "Bob")), moverSeen);
            clients.add(mover.zk());
            await(system + ": mover logged in").atMost(TIMEOUT)
                    .until(() -> mover.count(KeeperState.SaslAuthenticated) == 1);
            servers.kill9(3);
            await(system + ": mover logged in again on server 1").atMost(TIMEOUT)
                    .until(() -> mover.count(KeeperState.SaslAuthenticated) == 2);
            step("mover (certificate alice, SASL bob) on server 1 after server 3 died: states", () -> moverSeen);
            step("mover on server 1 whoAmI", () -> identities(mover.zk()));
            step("mover on server 1 getData /sec/sasl", () -> data(mover.zk(), "/sec/sasl"));
        }

        private ZooKeeper reader(String name) {
            return readers.get(name);
        }

        private String secureAddress(int server) {
            return LoopbackServers.host(server) + ":" + securePort;
        }

        private InetSocketAddress secureSocket(int server) {
            return new InetSocketAddress(LoopbackServers.host(server), securePort);
        }

        /** A client over TLS on one server; connected (and done with SASL, if it logs in) when this returns. */
        private Session connect(String name, int server, String keyStore, String jaasSection) throws IOException {
            return connect(name, secureAddress(server), tlsConfig(keyStore, jaasSection), jaasSection != null);
        }

        private Session connect(String name, String address, ZKClientConfig config, boolean sasl)
                throws IOException {
            List<KeeperState> seen = new CopyOnWriteArrayList<>();
            ZooKeeper zk = new ZooKeeper(address, SESSION_TIMEOUT_MS, event -> seen.add(event.getState()), config);
            clients.add(zk);
            await(system + ": " + name + " connected").atMost(TIMEOUT).until(() -> !sasl
                    ? seen.contains(KeeperState.SyncConnected)
                    : seen.contains(KeeperState.SaslAuthenticated) || seen.contains(KeeperState.AuthFailed));
            return new Session(zk, seen);
        }

        private void create(String who, ZooKeeper zk, String path, List<ACL> acl) {
            String described = acl.stream().map(a -> a.getPerms() + " " + a.getId().getScheme() + ":"
                    + a.getId().getId()).collect(Collectors.joining(", ", "[", "]"));
            step(who + " create " + path + " " + described, () -> {
                zk.create(path, bytes(path.substring(path.lastIndexOf('/') + 1)), acl, CreateMode.PERSISTENT);
                return "created";
            });
        }

        private void step(String what, Step step) {
            String outcome;
            try {
                outcome = describe(step.call());
            } catch (KeeperException e) {
                outcome = e.code().name();
            } catch (Exception e) {
                outcome = "exception " + e.getClass().getSimpleName();
            }
            lines.add(what + " -> " + outcome);
        }
    }

    private ZKClientConfig tlsConfig(String keyStore, String jaasSection) {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        // ZooKeeper 3.9's client refuses DIGEST-MD5 in FIPS mode, its default; its users turn that off as here
        config.setProperty("zookeeper.fips-mode", "false");
        config.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
        config.setProperty("zookeeper.ssl.trustStore.password", PASSWORD);
        if (keyStore != null) {
            config.setProperty("zookeeper.ssl.keyStore.location", keyStores.get(keyStore).toString());
            config.setProperty("zookeeper.ssl.keyStore.password", PASSWORD);
        }
        if (jaasSection == null) {
            config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        } else {
            config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, jaasSection);
        }
        return config;
    }

    /** TLS with the named certificate, trusting the servers' CA: only the server can refuse. */
    private SSLContext tlsContext(String keyStore) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStores.get(keyStore))) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD.toCharArray());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            trusted.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    /** Sends a ConnectRequest as the first frame and says whether a ConnectResponse came back. */
    private static String sessionOutcome(Socket socket) throws IOException {
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        new ConnectRequest(0, 0L, SESSION_TIMEOUT_MS, 0L, new byte[16], false)
                .serialize(BinaryOutputArchive.getArchive(body), "connect");
        try {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(body.size());
            out.write(body.toByteArray());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return "session";
        } catch (SocketTimeoutException e) {
            return "no answer, connection left open";
        } catch (IOException e) {
            return "no session, connection closed";
        }
    }

    /** Results as text that does not depend on the server: times and zxids left out. */
    private static String describe(Object result) {
        if (result instanceof Stat stat) {
            return "stat version " + stat.getVersion() + " aversion " + stat.getAversion();
        }
        if (result instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof OpResult) {
            return list.stream().map(r -> r.getClass().getSimpleName()).toList().toString();
        }
        return String.valueOf(result);
    }

    private static String identities(ZooKeeper zk) throws InterruptedException {
        List<ClientInfo> infos = zk.whoAmI();
        return infos == null ? "none" : infos.stream().map(i -> i.getAuthScheme() + ":" + i.getUser()).sorted()
                .collect(Collectors.joining(", "));
    }

    private static String acls(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        Stat stat = new Stat();
        return zk.getACL(path, stat).stream().map(a -> a.getPerms() + " " + a.getId().getScheme() + ":"
                + a.getId().getId()).collect(Collectors.joining(", ", "[", "]")) + " aversion " + stat.getAversion();
    }

    private static String exists(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        return zk.exists(path, false) == null ? "no node" : "exists";
    }

    private static String data(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        return "data " + new String(zk.getData(path, false, null), StandardCharsets.UTF_8);
    }

    /** A mutable list, as ZooKeeper's client wants it (it asks the list whether it holds null). */
    private static List<ACL> aclList(ACL... entries) {
        return new ArrayList<>(List.of(entries));
    }

    private static String digest(String userAndPassword) throws Exception {
        return DigestAuthenticationProvider.generateDigest(userAndPassword);
    }

    private static ACL acl(int perms, String scheme, String id) {
        return new ACL(perms, new Id(scheme, id));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
