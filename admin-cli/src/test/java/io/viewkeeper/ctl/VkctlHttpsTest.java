package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.AdminTlsSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import io.viewkeeper.server.tls.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint over HTTPS with ZooKeeper's AdminServer keys (admin.forceHttps, admin.portUnification, the
 * ssl.quorum.* stores) and vkctl --tls-ca: HTTPS only refuses plain HTTP and vkctl without the CA; with it vkctl
 * reads and, with the token, steers; port unification serves both.
 */
class VkctlHttpsTest {
    private static final String TOKEN = "https-admin-token-0123456789";

    @TempDir
    Path dir;

    private Map<String, String> quorumSsl(TestCertificates certificates) throws Exception {
        TestCertificates.Issued endpoint = certificates.issue("CN=viewkeeper-admin,O=Viewkeeper");
        return Map.of("ssl.quorum.keyStore.location", endpoint.keyStore(dir.resolve("admin.p12")).toString(),
                "ssl.quorum.keyStore.password", TestCertificates.PASSWORD,
                "ssl.quorum.trustStore.location", certificates.trustStore(dir.resolve("trust.p12")).toString(),
                "ssl.quorum.trustStore.password", TestCertificates.PASSWORD);
    }

    private ViewkeeperNode start(String name, AdminTlsSettings tls) throws Exception {
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve(name)));
        return ViewkeeperNode.start(base.withAdmin(AdminSettings.defaults().withPort(0).withToken(TOKEN).withTls(tls)));
    }

    @Test
    void shouldServeVkctlOverHttpsOnlyWithTheCa() throws Exception {
        TestCertificates certificates = new TestCertificates();
        Path ca = certificates.trustStorePem(dir.resolve("ca.pem"));
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN, StandardCharsets.UTF_8);
        try (ViewkeeperNode node = start("https-only", new AdminTlsSettings(true, false, false,
                quorumSsl(certificates)))) {
            String server = "127.0.0.1:" + node.adminAddress().getPort();
            VkctlRun status = VkctlRun.run("--servers", server, "--tls-ca", ca.toString(), "status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.out()).contains("healthy");
            VkctlRun checkpoint = VkctlRun.run("--servers", server, "--tls-ca", ca.toString(), "--token-file",
                    tokenFile.toString(), "checkpoint");
            // the token went over HTTPS and was taken: done, or refused by the replica (nothing committed to save yet)
            assertThat(checkpoint.exitCode()).as(checkpoint.toString()).isIn(0, ExitCodes.REFUSED)
                    .isNotEqualTo(ExitCodes.AUTH);

            VkctlRun plain = VkctlRun.run("--servers", server, "status");
            assertThat(plain.exitCode()).as(plain.toString()).isNotZero();
            assertThat(get("http://" + server + "/commands/ruok")).isEqualTo(-1);
            VkctlRun strangerCa = VkctlRun.run("--servers", server, "--tls-ca",
                    new TestCertificates().trustStorePem(dir.resolve("other-ca.pem")).toString(), "status");
            assertThat(strangerCa.exitCode()).as("a CA that did not sign the endpoint's certificate").isNotZero();
        }
    }

    @Test
    void shouldServeHttpAndHttpsOnOnePortWithPortUnification() throws Exception {
        TestCertificates certificates = new TestCertificates();
        Path ca = certificates.trustStorePem(dir.resolve("ca.pem"));
        try (ViewkeeperNode node = start("unified", new AdminTlsSettings(false, true, false,
                quorumSsl(certificates)))) {
            String server = "127.0.0.1:" + node.adminAddress().getPort();
            assertThat(get("http://" + server + "/commands/ruok")).isEqualTo(200);
            VkctlRun status = VkctlRun.run("--servers", server, "--tls-ca", ca.toString(), "status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
        }
    }

    /** The status of a plain HTTP GET, or -1 when there is no HTTP answer. */
    private static int get(String url) throws InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
