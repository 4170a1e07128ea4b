package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import javax.security.auth.login.Configuration;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python's kazoo against a node with ZooKeeper's security settings: TLS on the secure port with client
 * certificates required, and SASL DIGEST-MD5 from a JAAS Server section. kazoo connects with its certificate,
 * authenticates as a SASL user and makes znodes whose ACLs name its sasl and x509 identities; a Java client
 * without them is refused both. Skipped, saying why, without kazoo.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KazooSecurityTest {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final String JAAS_PROPERTY = "java.security.auth.login.config";

    @TempDir
    Path dir;

    private String savedJaas;

    @BeforeEach
    void jaas() throws Exception {
        Assumptions.assumeTrue(KazooScript.available(), KazooScript.MISSING);
        savedJaas = System.getProperty(JAAS_PROPERTY);
        Path jaas = dir.resolve("jaas.conf");
        Files.writeString(jaas, """
                Server {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  user_kazoo="kazoo-secret";
                };
                """, StandardCharsets.UTF_8);
        System.setProperty(JAAS_PROPERTY, jaas.toString());
        Configuration.setConfiguration(null);
    }

    @AfterEach
    void restore() {
        if (savedJaas == null) {
            System.clearProperty(JAAS_PROPERTY);
        } else {
            System.setProperty(JAAS_PROPERTY, savedJaas);
        }
        Configuration.setConfiguration(null);
    }

    @Test
    void shouldServeKazooOverTlsWithItsCertificateAndSaslIdentities() throws Exception {
        TestCertificates certificates = new TestCertificates();
        TestCertificates.Issued server = certificates.issue("CN=viewkeeper-server,O=Viewkeeper");
        TestCertificates.Issued kazoo = certificates.issue("CN=kazoo,OU=python,O=Viewkeeper");
        Map<String, String> ssl = Map.of(
                "ssl.keyStore.location", server.keyStore(dir.resolve("server.p12")).toString(),
                "ssl.keyStore.password", TestCertificates.PASSWORD,
                "ssl.trustStore.location", certificates.trustStore(dir.resolve("trust.p12")).toString(),
                "ssl.trustStore.password", TestCertificates.PASSWORD,
                "ssl.clientAuth", "need");
        NodeConfig config = NodeConfig.forTesting(Files.createDirectories(dir.resolve("node")))
                .withTls(new ClientTlsSettings(0, false, ssl, null));
        try (ViewkeeperNode node = ViewkeeperNode.start(config)) {
            String hosts = "127.0.0.1:" + node.secureClientPort();
            try (KazooScript script = KazooScript.start("secure_check.py", dir, hosts,
                    certificates.trustStorePem(dir.resolve("ca.pem")).toString(),
                    kazoo.keyStorePem(dir.resolve("kazoo.pem")).toString(), kazoo.subject(), "kazoo",
                    "kazoo-secret")) {
                for (String step : new String[] {"OK tls-sasl-session", "OK sasl-acl", "OK x509-acl", "OK close"}) {
                    script.awaitLine(step, STEP_TIMEOUT);
                }
            }
            ZKClientConfig noSasl = new ZKClientConfig();
            noSasl.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
            try (ZooKeeper plain = new ZooKeeper(node.connectString(), 30_000, event -> { }, noSasl)) {
                await().atMost(STEP_TIMEOUT).until(() -> plain.getState() == ZooKeeper.States.CONNECTED);
                assertThatThrownBy(() -> plain.getData("/kazoo-sasl", false, null))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> plain.getData("/kazoo-x509", false, null))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
        }
    }
}
