package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.LoopbackServers.Kind;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.security.auth.login.Configuration;
import org.apache.kerby.kerberos.kerb.server.SimpleKdcServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL GSSAPI (Kerberos) checked against a real ZooKeeper 3.9. An in-process KDC (Apache Kerby) on loopback issues
 * the keys; one zoo.cfg block (the sasl provider, ZooKeeper's principal rules) and the same JVM flags (the JAAS file,
 * whose Server section logs in from a keytab, and the KDC's krb5.conf) start one ZooKeeper server and then one
 * Viewkeeper node. The same script runs against each with ZooKeeper's Java client logging in through its own JAAS
 * sections; every outcome is a line, the two records must be equal, and key lines are asserted on each so that both
 * failing alike cannot pass. The JVM-wide JAAS and Kerberos settings are put back after the test.
 *
 * <p>The principal rules (and ZooKeeper's KerberosName, which reads the default realm once per JVM) run in the server
 * processes, each of which reads the KDC's krb5.conf from its flags; in this JVM the client only splits principal
 * names, which does not depend on the default realm, so the class shares the JVM with the other tests.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KerberosCrossCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final String LOOPBACK = "127.0.0.1";
    private static final String REALM = "EXAMPLE.COM";
    private static final String ALICE = "alice/somehost@" + REALM;
    private static final String BOB = "bob@" + REALM;
    private static final String SUPER = "super@" + REALM;
    private static final String ANY_SASL_USER = "any-sasl-user";
    /** A well-formed digest id that no client here holds. */
    private static final String DIGEST_ID = "dig:NG6WRGl4ChvD95UNYVE9vtnOpuI=";
    private static final String JAAS_PROPERTY = "java.security.auth.login.config";
    private static final String KRB5_PROPERTY = "java.security.krb5.conf";

    /** Lines both records must hold, whatever else they say: the checks do not rest on the comparison alone. */
    private static final List<String> KEY_LINES = List.of(
            "alice (" + ALICE + ") SASL states -> [SaslAuthenticated]",
            "alice whoAmI -> ip:127.0.0.1, sasl:alice",
            "alice create /alices [31 auth:] -> created",
            "alice getACL /alices -> [31 sasl:alice] aversion 0",
            "alice getData /alices -> data alices",
            "alice getData /full-name -> NOAUTH",
            "bob (" + BOB + ") SASL states -> [SaslAuthenticated]",
            "bob whoAmI -> ip:127.0.0.1, sasl:bob",
            "bob getData /alices -> NOAUTH",
            "no SASL whoAmI -> ip:127.0.0.1",
            "no SASL getData /alices -> NOAUTH",
            "alice asking a ticket for service other SASL states -> [AuthFailed]",
            "alice asking a ticket for service other create /other -> AUTHFAILED",
            "alice exists /other -> no node");

    @TempDir
    Path dir;

    private String savedJaas;
    private String savedKrb5;
    private SimpleKdcServer kdc;
    private Map<String, String> block;
    private List<String> jvmFlags;

    @BeforeEach
    void kdcAndJaas() throws Exception {
        savedJaas = System.getProperty(JAAS_PROPERTY);
        savedKrb5 = System.getProperty(KRB5_PROPERTY);
        kdc = new SimpleKdcServer();
        kdc.setWorkDir(Files.createDirectories(dir.resolve("kdc")).toFile());
        kdc.setKdcHost(LOOPBACK);
        kdc.setKdcRealm(REALM);
        kdc.setAllowUdp(false);
        kdc.setKdcTcpPort(freePort());
        kdc.init(); // writes its krb5.conf (default_realm, the KDC's port) and names it in java.security.krb5.conf
        kdc.start();
        Path krb5 = Path.of(System.getProperty(KRB5_PROPERTY));
        assertThat(krb5).startsWith(dir).exists();

        // ZooKeeper's client asks a ticket for zookeeper/<the canonical name of the address it connects to>; the
        // KDC also knows other/<host>, so that a client asking for that service gets a ticket the server refuses
        String host = InetAddress.getByName(LOOPBACK).getCanonicalHostName();
        String service = "zookeeper/" + host + "@" + REALM;
        kdc.createPrincipal("other/" + host + "@" + REALM);
        Path jaas = Files.writeString(dir.resolve("jaas.conf"),
                section("Server", service, keytab(service, "server.keytab"), true)
                        + section("Client", ALICE, keytab(ALICE, "alice.keytab"), false)
                        + section("Bob", BOB, keytab(BOB, "bob.keytab"), false)
                        + section("Super", SUPER, keytab(SUPER, "super.keytab"), false), StandardCharsets.UTF_8);

        // zoo.cfg keys as ZooKeeper 3.9 takes them: the sasl provider for sasl ACLs, and the principal rules, which
        // it turns into the zookeeper.kerberos.* system properties its SaslServerCallbackHandler reads
        block = new LinkedHashMap<>();
        block.put("authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
        block.put("kerberos.removeHostFromPrincipal", "true");
        block.put("kerberos.removeRealmFromPrincipal", "true");
        jvmFlags = List.of("-D" + JAAS_PROPERTY + "=" + jaas, "-D" + KRB5_PROPERTY + "=" + krb5);

        System.setProperty(JAAS_PROPERTY, jaas.toString()); // the clients' sections, for this JVM's clients
        Configuration.setConfiguration(null);
    }

    @AfterEach
    void restore() {
        if (kdc != null) {
            try {
                kdc.stop();
            } catch (Exception e) {
                // the KDC's own failure to stop must not hide the test's outcome
                System.err.println("KDC did not stop: " + e);
            }
        }
        restore(JAAS_PROPERTY, savedJaas);
        restore(KRB5_PROPERTY, savedKrb5);
        Configuration.setConfiguration(null);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** A new principal with a random key, exported to its own keytab. */
    private String keytab(String principal, String file) throws Exception {
        Path keytab = dir.resolve(file);
        kdc.createPrincipal(principal);
        kdc.exportPrincipal(principal, keytab.toFile());
        return keytab.toString();
    }

    /**
     * A Krb5LoginModule section as ZooKeeper's documentation writes them; refreshKrb5Config because the JDK reads
     * krb5.conf once per JVM and this test names a new one (a new KDC port).
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

    @Test
    void shouldAuthenticateKerberosClientsLikeZooKeeperWhenBothRunFromTheSameZooCfg() throws Exception {
        compare(jvmFlags, Script::kerberos, KEY_LINES);
    }

    /**
     * ZooKeeper 3.9.4's SASLAuthenticationProvider rules: a client whose sasl id is "super" (here super@EXAMPLE.COM
     * after the principal rules) matches every sasl ACL entry, though no other; and a sasl ACL id is valid when
     * ZooKeeper's KerberosName parses it (an empty id is, one with two '@' or two '/' before the realm is not).
     */
    @Test
    void shouldMatchSaslAclsLikeZooKeeperWhenTheIdIsSuperOrOfAnyShape() throws Exception {
        compare(jvmFlags, Script::saslAclRules, List.of(
                "super whoAmI -> ip:127.0.0.1, sasl:super",
                "super getData /alices -> data alices",
                "super getData /digest-only -> NOAUTH",
                "bob getData /any-sasl-user -> NOAUTH",
                "alice create /empty-id [31 sasl:] -> created",
                "alice create /two-at-signs [31 sasl:a@B@C] -> INVALIDACL",
                "alice create /two-slashes [31 sasl:a/b/c@C] -> INVALIDACL"));
    }

    /**
     * With -Dzookeeper.letAnySaslUserDoX=X, ZooKeeper lets every sasl client match the ACL entry sasl:X. Viewkeeper
     * checks write ACLs as it applies the log, on every replica alike, so a per-server flag cannot change the
     * outcome there; it is not read.
     */
    @Test
    @Disabled("zookeeper.letAnySaslUserDoX is not read: ACLs are checked as the log is applied, the same on every "
            + "replica, and a flag of one server cannot take part in that")
    void shouldLetAnySaslUserMatchTheNamedEntryLikeZooKeeperWhenLetAnySaslUserDoXIsSet() throws Exception {
        List<String> flags = new ArrayList<>(jvmFlags);
        flags.add("-Dzookeeper.letAnySaslUserDoX=" + ANY_SASL_USER);
        compare(flags, Script::saslAclRules, List.of(
                "super whoAmI -> ip:127.0.0.1, sasl:super",
                "super getData /alices -> data alices",
                "super getData /digest-only -> NOAUTH",
                "bob getData /any-sasl-user -> data any-sasl-user",
                "no SASL getData /any-sasl-user -> NOAUTH",
                "alice create /empty-id [31 sasl:] -> created",
                "alice create /two-at-signs [31 sasl:a@B@C] -> INVALIDACL",
                "alice create /two-slashes [31 sasl:a/b/c@C] -> INVALIDACL"));
    }

    private interface Plan {
        void run(Script script) throws Exception;
    }

    /** The plan against ZooKeeper, then against Viewkeeper from the same settings; records and key lines checked. */
    private void compare(List<String> flags, Plan plan, List<String> key) throws Exception {
        List<String> zookeeper;
        try (LoopbackServers servers = LoopbackServers.start(Kind.ZOOKEEPER, 1, dir.resolve("zookeeper"), block,
                flags)) {
            zookeeper = new Script("zookeeper", servers.connectString()).run(plan);
        }
        List<String> viewkeeper;
        try (LoopbackServers servers = LoopbackServers.start(Kind.VIEWKEEPER, 1, dir.resolve("viewkeeper"), block,
                flags)) {
            viewkeeper = new Script("viewkeeper", servers.connectString()).run(plan);
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
        List<KeeperState> saslStates() {
            return seen.stream().filter(s -> s == KeeperState.SaslAuthenticated || s == KeeperState.AuthFailed)
                    .toList();
        }
    }

    /** The script against one server, each outcome one line; clients are closed at the end. */
    private static final class Script {
        private final String system;
        private final String connectString;
        private final List<String> lines = new ArrayList<>();
        private final List<ZooKeeper> clients = new ArrayList<>();

        Script(String system, String connectString) {
            this.system = system;
            this.connectString = connectString;
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

        /** Who each client is, what CREATOR_ALL_ACL gives, who is refused; a ticket for another service. */
        void kerberos() throws Exception {
            ZooKeeper a = connect("alice (" + ALICE + ")", "Client", Map.of()).zk();
            step("alice whoAmI", () -> identities(a));
            step("alice create /alices [31 auth:]", () -> create(a, "/alices", Ids.CREATOR_ALL_ACL));
            step("alice getACL /alices", () -> acls(a, "/alices"));
            step("alice getData /alices", () -> data(a, "/alices"));
            // the whole principal is not the id after the rules: an ACL naming it does not let alice in
            step("alice create /full-name [31 sasl:" + ALICE + "]", () -> create(a, "/full-name",
                    aclList("sasl", ALICE)));
            step("alice getData /full-name", () -> data(a, "/full-name"));

            ZooKeeper bob = connect("bob (" + BOB + ")", "Bob", Map.of()).zk();
            step("bob whoAmI", () -> identities(bob));
            step("bob getData /alices", () -> data(bob, "/alices"));
            step("bob setData /alices", () -> bob.setData("/alices", new byte[0], -1));

            ZooKeeper plain = connect("no SASL", null, Map.of()).zk();
            step("no SASL whoAmI", () -> identities(plain));
            step("no SASL getData /alices", () -> data(plain, "/alices"));
            step("no SASL create /alices/child", () -> create(plain, "/alices/child", Ids.OPEN_ACL_UNSAFE));

            // a ticket for other/<host>, a service the server holds no key for: the server cannot accept it
            ZooKeeper misdirected = connect("alice asking a ticket for service other", "Client",
                    Map.of(ZKClientConfig.ZK_SASL_CLIENT_USERNAME, "other")).zk();
            step("alice asking a ticket for service other create /other", () -> create(misdirected, "/other",
                    Ids.OPEN_ACL_UNSAFE));
            step("alice exists /other", () -> a.exists("/other", false) == null ? "no node" : "exists");
            step("alice getData /alices after the refusal", () -> data(a, "/alices"));
        }

        /** The sasl scheme's ACL rules: the id "super", zookeeper.letAnySaslUserDoX, which ids are valid. */
        void saslAclRules() throws Exception {
            ZooKeeper alice = connect("alice (" + ALICE + ")", "Client", Map.of()).zk();
            step("alice create /alices [31 auth:]", () -> create(alice, "/alices", Ids.CREATOR_ALL_ACL));
            step("alice create /digest-only [31 digest:" + DIGEST_ID + "]", () -> create(alice, "/digest-only",
                    aclList("digest", DIGEST_ID)));
            step("alice create /any-sasl-user [31 sasl:" + ANY_SASL_USER + "]", () -> create(alice,
                    "/any-sasl-user", aclList("sasl", ANY_SASL_USER)));
            for (String[] named : new String[][] {{"empty-id", ""}, {"two-at-signs", "a@B@C"},
                {"two-slashes", "a/b/c@C"}, {"no-realm", "a/b"}}) {
                step("alice create /" + named[0] + " [31 sasl:" + named[1] + "]", () -> create(alice,
                        "/" + named[0], aclList("sasl", named[1])));
            }
            ZooKeeper superUser = connect("super (" + SUPER + ")", "Super", Map.of()).zk();
            step("super whoAmI", () -> identities(superUser));
            step("super getData /alices", () -> data(superUser, "/alices"));
            step("super getData /digest-only", () -> data(superUser, "/digest-only"));
            step("super setData /alices", () -> superUser.setData("/alices", new byte[0], -1));
            ZooKeeper bob = connect("bob (" + BOB + ")", "Bob", Map.of()).zk();
            step("bob getData /any-sasl-user", () -> data(bob, "/any-sasl-user"));
            step("bob getData /alices", () -> data(bob, "/alices"));
            ZooKeeper plain = connect("no SASL", null, Map.of()).zk();
            step("no SASL getData /any-sasl-user", () -> data(plain, "/any-sasl-user"));
        }

        /**
         * A client logging in with the JAAS section {@code section} (null: no SASL); connected, and done with SASL if
         * it logs in, when this returns. The SASL states it saw are a line of the record.
         */
        private Session connect(String name, String section, Map<String, String> properties) throws IOException {
            ZKClientConfig config = new ZKClientConfig();
            if (section == null) {
                config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
            } else {
                config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, section);
            }
            properties.forEach(config::setProperty);
            List<KeeperState> seen = new CopyOnWriteArrayList<>();
            ZooKeeper zk = new ZooKeeper(connectString, SESSION_TIMEOUT_MS, event -> seen.add(event.getState()),
                    config);
            clients.add(zk);
            Session session = new Session(zk, seen);
            try {
                await(system + ": " + name + " connected").atMost(TIMEOUT).until(() -> section == null
                        ? seen.contains(KeeperState.SyncConnected) : !session.saslStates().isEmpty());
            } catch (ConditionTimeoutException e) {
                lines.add(name + " -> not connected in " + TIMEOUT.toSeconds() + " s");
            }
            if (section != null) {
                lines.add(name + " SASL states -> " + session.saslStates());
            }
            return session;
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

    /** Results as text that does not depend on the server: times and zxids left out. */
    private static String describe(Object result) {
        if (result instanceof Stat stat) {
            return "stat version " + stat.getVersion() + " aversion " + stat.getAversion();
        }
        return String.valueOf(result);
    }

    private static String create(ZooKeeper zk, String path, List<ACL> acl) throws Exception {
        zk.create(path, path.substring(1).getBytes(StandardCharsets.UTF_8), acl, CreateMode.PERSISTENT);
        return "created";
    }

    private static List<ACL> aclList(String scheme, String id) {
        return new ArrayList<>(List.of(new ACL(Perms.ALL, new Id(scheme, id))));
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

    private static String data(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        return "data " + new String(zk.getData(path, false, null), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        return io.viewkeeper.server.TestPorts.free(LOOPBACK);
    }
}
