package io.viewkeeper.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.login.Configuration;
import org.apache.kerby.kerberos.kerb.server.SimpleKdcServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.KerberosName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SASL GSSAPI (Kerberos) with ZooKeeper's own client and ZooKeeper's configuration, against an in-process KDC
 * (Apache Kerby) on loopback: the server logs in from a keytab through the JAAS Server section
 * (Krb5LoginModule), a client through its own section, and an authenticated client is sasl:NAME with NAME its
 * principal after ZooKeeper's rules (kerberos.removeHostFromPrincipal, kerberos.removeRealmFromPrincipal). A
 * client asking a ticket for a service the server is not gets AuthFailed. The JVM-wide JAAS and Kerberos
 * settings are put back after each test. The class runs in a JVM of its own (the "kerberos" tag): ZooKeeper's
 * KerberosName reads the default realm, which its DEFAULT rule compares with, once per JVM, from whatever krb5.conf
 * (if any) the JVM had when the class was first used.
 */
@Tag("kerberos")
class ClientKerberosTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String LOOPBACK = "127.0.0.1";
    private static final String REALM = "EXAMPLE.COM";
    private static final String ALICE = "alice/somehost@" + REALM;
    private static final String BOB = "bob@" + REALM;
    private static final List<String> PROPERTIES = List.of("java.security.auth.login.config",
            "java.security.krb5.conf", "zookeeper.kerberos.removeHostFromPrincipal",
            "zookeeper.kerberos.removeRealmFromPrincipal");

    @TempDir
    Path dir;

    private final Map<String, String> saved = new HashMap<>();
    private SimpleKdcServer kdc;
    private ViewkeeperNode node;
    private final List<ZooKeeper> clients = new ArrayList<>();

    @BeforeEach
    void kdcAndJaas() throws Exception {
        for (String key : PROPERTIES) {
            saved.put(key, System.getProperty(key));
        }
        kdc = new SimpleKdcServer();
        kdc.setWorkDir(Files.createDirectories(dir.resolve("kdc")).toFile());
        kdc.setKdcHost(LOOPBACK);
        kdc.setKdcRealm(REALM);
        kdc.setAllowUdp(false);
        kdc.setKdcTcpPort(freePort());
        kdc.init(); // writes its krb5.conf (default_realm, the KDC's port) and names it in java.security.krb5.conf
        kdc.start();
        assertThat(Path.of(System.getProperty("java.security.krb5.conf"))).startsWith(dir).exists();

        // The principal ZooKeeper's client asks a ticket for: zookeeper/<the canonical name of the address it
        // connects to> (zookeeper.sasl.client.username and zookeeper.sasl.client.canonicalize.hostname defaults);
        // "localhost" on most machines. other/<host> is a service the server holds no key for.
        String host = InetAddress.getByName(LOOPBACK).getCanonicalHostName();
        String service = "zookeeper/" + host + "@" + REALM;
        kdc.createPrincipal("other/" + host + "@" + REALM);
        Path jaas = dir.resolve("jaas.conf");
        Files.writeString(jaas, section("Server", service, keytab(service, "server.keytab"), true)
                + section("Client", ALICE, keytab(ALICE, "alice.keytab"), false)
                + section("Bob", BOB, keytab(BOB, "bob.keytab"), false), StandardCharsets.UTF_8);
        System.setProperty("java.security.auth.login.config", jaas.toString());
        Configuration.setConfiguration(null); // read again from the file just named
    }

    @AfterEach
    void restore() throws Exception {
        for (ZooKeeper client : clients) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
        if (kdc != null) {
            kdc.stop();
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

    /** A new principal with a random key, exported to its own keytab. */
    private String keytab(String principal, String file) throws Exception {
        Path keytab = dir.resolve(file);
        kdc.createPrincipal(principal);
        kdc.exportPrincipal(principal, keytab.toFile());
        return keytab.toString();
    }

    /**
     * A Krb5LoginModule section as ZooKeeper's documentation writes them; refreshKrb5Config because the JDK
     * reads krb5.conf once per JVM and this test names a new one (a new KDC port) each time.
     */
    private static String section(String name, String principal, String keytab, boolean storeKey) {
        return name + " {\n"
                + "  com.sun.security.auth.module.Krb5LoginModule required\n"
                + "  useKeyTab=true\n"
                + "  keyTab=\"" + keytab + "\"\n"
                + "  storeKey=" + storeKey + "\n"
                + "  useTicketCache=false\n"
                + "  refreshKrb5Config=true\n"
                + "  principal=\"" + principal + "\";\n"
                + "};\n";
    }

    /** Starts a node after applying zoo.cfg's Kerberos keys, as NodeConfig applies them for ZooKeeper. */
    private void start(boolean removeHost, boolean removeRealm) throws Exception {
        Properties keys = new Properties();
        keys.setProperty("dataDir", dir.toString());
        keys.setProperty("kerberos.removeHostFromPrincipal", String.valueOf(removeHost));
        keys.setProperty("kerberos.removeRealmFromPrincipal", String.valueOf(removeRealm));
        NodeConfig.parse(keys);
        assertThat(System.getProperty("zookeeper.kerberos.removeHostFromPrincipal")).isEqualTo("" + removeHost);
        assertThat(System.getProperty("zookeeper.kerberos.removeRealmFromPrincipal")).isEqualTo("" + removeRealm);
        node = ViewkeeperNode.start(NodeConfig.forTesting(Files.createDirectories(dir.resolve("data"))));
    }

    /** A client logging in with the JAAS section {@code section}; null for a client without SASL. */
    private ZooKeeper client(String section, Map<String, String> properties, Set<KeeperState> seen)
            throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        if (section == null) {
            config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        } else {
            config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, section);
        }
        properties.forEach(config::setProperty);
        ZooKeeper client = new ZooKeeper(node.connectString(), 30_000, event -> {
            if (event.getState() != null) {
                seen.add(event.getState());
            }
        }, config);
        clients.add(client);
        return client;
    }

    private ZooKeeper authenticated(String section) throws Exception {
        Set<KeeperState> seen = ConcurrentHashMap.newKeySet();
        ZooKeeper client = client(section, Map.of(), seen);
        await().atMost(TIMEOUT).until(() -> seen.contains(KeeperState.SaslAuthenticated)
                || seen.contains(KeeperState.AuthFailed));
        assertThat(seen).as("SASL states of %s", section).contains(KeeperState.SaslAuthenticated)
                .doesNotContain(KeeperState.AuthFailed);
        return client;
    }

    private static List<String> saslIdentities(ZooKeeper client) throws Exception {
        return client.whoAmI().stream().filter(info -> info.getAuthScheme().equals("sasl"))
                .map(ClientInfo::getUser).toList();
    }

    @Test
    void shouldAuthenticateKerberosClientsAsTheirPrincipals() throws Exception {
        start(false, false);
        ZooKeeper alice = authenticated("Client");
        assertThat(saslIdentities(alice)).containsExactly(ALICE);
        alice.create("/alices", "hers".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.CREATOR_ALL_ACL,
                CreateMode.PERSISTENT);
        assertThat(alice.getACL("/alices", null)).extracting(acl -> acl.getId().getScheme() + ":"
                + acl.getId().getId()).containsExactly("sasl:" + ALICE);
        assertThat(alice.getData("/alices", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("hers");

        ZooKeeper bob = authenticated("Bob");
        assertThat(saslIdentities(bob)).containsExactly(BOB);
        assertThatThrownBy(() -> bob.getData("/alices", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);
        Set<KeeperState> plainSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper plain = client(null, Map.of(), plainSeen);
        await().atMost(TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
        assertThat(saslIdentities(plain)).isEmpty();
        assertThatThrownBy(() -> plain.getData("/alices", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);
    }

    /**
     * A ticket for another service (zookeeper.sasl.client.username=other): the server, which holds only its own
     * key, cannot accept it; AuthFailed, as ZooKeeper 3.9 answers it, and the connection closed.
     */
    @Test
    void shouldRefuseATicketForAnotherService() throws Exception {
        start(false, false);
        Set<KeeperState> seen = ConcurrentHashMap.newKeySet();
        ZooKeeper misdirected = client("Client", Map.of(ZKClientConfig.ZK_SASL_CLIENT_USERNAME, "other"), seen);
        await().atMost(TIMEOUT).until(() -> seen.contains(KeeperState.AuthFailed));
        assertThat(seen).doesNotContain(KeeperState.SaslAuthenticated);
        assertThatThrownBy(() -> misdirected.create("/other", null, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT)).isInstanceOf(KeeperException.AuthFailedException.class);
        assertThat(node.stoppedBy()).isNull();
        ZooKeeper alice = authenticated("Client");
        assertThat(alice.exists("/other", false)).isNull();
    }

    /**
     * ZooKeeper's SaslServerCallbackHandler: the short name by auth_to_local (DEFAULT: the first component, for a
     * principal of the default realm), then "/host" unless removeHostFromPrincipal and "@REALM" unless
     * removeRealmFromPrincipal.
     */
    @ParameterizedTest(name = "removeHost={0} removeRealm={1}")
    @CsvSource({
        "false, false, alice/somehost@EXAMPLE.COM",
        "true, false, alice@EXAMPLE.COM",
        "false, true, alice/somehost",
        "true, true, alice",
    })
    void shouldNameClientsByZooKeepersPrincipalRules(boolean removeHost, boolean removeRealm, String expected)
            throws Exception {
        assertThat(new KerberosName(ALICE).getDefaultRealm()).as("the default realm ZooKeeper's KerberosName read, "
                + "once per JVM (DEFAULT applies to that realm only); this class needs a JVM of its own")
                .isEqualTo(REALM);
        start(removeHost, removeRealm);
        ZooKeeper alice = authenticated("Client");
        assertThat(saslIdentities(alice)).containsExactly(expected);
        alice.create("/named", "hers".getBytes(StandardCharsets.UTF_8),
                new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("sasl", expected)))),
                CreateMode.PERSISTENT);
        assertThat(alice.getData("/named", false, null)).asString(StandardCharsets.UTF_8).isEqualTo("hers");
        Set<KeeperState> plainSeen = ConcurrentHashMap.newKeySet();
        ZooKeeper plain = client(null, Map.of(), plainSeen);
        await().atMost(TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
        assertThatThrownBy(() -> plain.getData("/named", false, null))
                .isInstanceOf(KeeperException.NoAuthException.class);
    }

    private static int freePort() throws IOException {
        return io.viewkeeper.server.TestPorts.free(LOOPBACK);
    }
}
