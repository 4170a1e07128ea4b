package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.AdminTlsSettings;
import io.viewkeeper.server.Main;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import io.viewkeeper.server.tls.TestCertificates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code export --admin} and {@code restore --admin} against an admin endpoint that speaks HTTPS only
 * (admin.forceHttps): with {@code --tls-ca} (the CA's PEM file) they work; without it, or with a CA that
 * did not sign the endpoint's certificate, they fail with a reason and write nothing.
 */
class ExportOverHttpsTest {
    private static final String TOKEN = "export-over-https-token-0123";

    @TempDir
    Path dir;

    @Test
    void shouldExportAndRestoreOverHttpsWithTheCaAndRefuseWithoutIt() throws Exception {
        TestCertificates certificates = new TestCertificates();
        TestCertificates.Issued endpoint = certificates.issue("CN=viewkeeper-admin");
        Path pem = certificates.trustStorePem(dir.resolve("ca.pem"));
        Map<String, String> ssl = Map.of(
                "ssl.quorum.keyStore.location", endpoint.keyStore(dir.resolve("admin.p12")).toString(),
                "ssl.quorum.keyStore.password", TestCertificates.PASSWORD);
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("node")));
        AdminSettings admin = AdminSettings.defaults().withPort(0).withToken(TOKEN)
                .withTls(new AdminTlsSettings(true, false, false, ssl));
        try (ViewkeeperNode node = ViewkeeperNode.start(base.withAdmin(admin));
                ZooKeeper zk = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> zk.getState().isConnected());
            zk.create("/config", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            String server = "127.0.0.1:" + node.adminAddress().getPort();
            Path backup = dir.resolve("backup.snapshot");

            String plain = run("export", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--auth",
                    "Bearer " + TOKEN);
            assertThat(plain).contains("cannot reach the admin endpoint").contains("--tls-ca");
            String stranger = run("export", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--auth",
                    "Bearer " + TOKEN, "--tls-ca", new TestCertificates().trustStorePem(dir.resolve("other.pem"))
                            .toString());
            assertThat(stranger).contains("cannot reach the admin endpoint");
            assertThat(backup).as("nothing written by a refused export").doesNotExist();

            assertThat(run("export", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--auth",
                    "Bearer " + TOKEN, "--tls-ca", pem.toString())).contains("exported the snapshot");
            assertThat(backup).isNotEmptyFile();

            zk.setData("/config", "v2".getBytes(StandardCharsets.UTF_8), -1);
            assertThat(run("restore", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--auth",
                    "Bearer " + TOKEN, "--yes")).contains("--tls-ca");
            assertThat(run("restore", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--auth",
                    "Bearer " + TOKEN, "--yes", "--tls-ca", pem.toString())).contains("\"last_zxid\"");
            assertThat(run("restore", "--zookeeper-snapshot", backup.toString(), "--admin", server, "--yes",
                    "--tls-ca", dir.resolve("absent.pem").toString())).contains("--tls-ca")
                    .contains("cannot be used").doesNotContain("\tat ");
        }
        try (ViewkeeperNode node = ViewkeeperNode.start(base.withAdmin(admin));
                ZooKeeper zk = new ZooKeeper(node.connectString(), 30_000, event -> { })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> zk.getState().isConnected());
            assertThat(new String(zk.getData("/config", false, null), StandardCharsets.UTF_8))
                    .as("the restored value, kept across a restart").isEqualTo("v1");
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine line = new CommandLine(new Main());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(out, true));
        line.execute(args);
        return out.toString();
    }
}
