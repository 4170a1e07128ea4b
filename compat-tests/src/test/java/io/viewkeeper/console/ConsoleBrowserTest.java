package io.viewkeeper.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.LoopbackMembers;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console in a real browser: Debian's chromium, headless, driven through its chromedriver (never a
 * downloaded browser). A three-replica group shares one admin port on 127.0.0.1-3; the page served by replica 1
 * must show every member, the requests a client makes, its session and ephemeral, the znode browser with data as
 * text, JSON and hex, data withheld by an ACL until the token is given, a replica that is killed, and a checkpoint
 * taken from the page with the token. Skipped, saying why, where chromium or chromedriver is not installed.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TOKEN = "browser-test-token-0123456789";
    /**
     * The test drives the page through WebDriver only, never the DevTools protocol, so Selenium's notice that it has
     * no DevTools bindings for this chromium's version says nothing; held here so the setting is not collected.
     */
    private static final java.util.logging.Logger CDP_NOTICE = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    @TempDir
    Path dir;

    private final List<ViewkeeperNode> nodes = new ArrayList<>();
    private ZooKeeper client;
    private WebDriver browser;
    private int adminPort;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "console browser test skipped: " + CHROMIUM + " and " + CHROMEDRIVER + " are needed (Debian's "
                        + "chromium and chromium-driver packages; .ci/run installs them)");
        List<NodeConfig.Member> members = LoopbackMembers.of(3);
        adminPort = LoopbackMembers.portFreeOnEveryMember(3);
        for (NodeConfig.Member m : members) {
            NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
            nodes.add(ViewkeeperNode.start(base.withMembers(members, m.id()).withClientPortAddress(m.host())
                    .withAdmin(AdminSettings.defaults().withAddress(m.host()).withPort(adminPort).withToken(TOKEN))));
        }
        client = new ZooKeeper(nodes.get(0).connectString(), 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);

        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        // the flags that keep chromium from reaching for the network on its own, and a fresh profile each run
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1600",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (client != null) {
            client.close();
        }
        nodes.forEach(ViewkeeperNode::close);
    }

    @Test
    void shouldShowTheGroupLiveAndBrowseZnodes() throws Exception {
        client.create("/app", "{\"service\":\"orders\",\"port\":9092}".getBytes(StandardCharsets.UTF_8),
                ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        client.create("/app/lock-1", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        client.addAuthInfo("digest", "alice:secret".getBytes(StandardCharsets.UTF_8));
        client.create("/app/secret", "s3cr3t".getBytes(StandardCharsets.UTF_8), new ArrayList<>(List.of(new ACL(
                ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest("alice:secret"))))),
                CreateMode.PERSISTENT);
        for (int i = 0; i < 200; i++) {
            client.setData("/app", "{\"service\":\"orders\",\"port\":9092}".getBytes(StandardCharsets.UTF_8), -1);
        }

        browser.get("http://127.0.0.1:" + adminPort + "/");
        assertThat(browser.getCurrentUrl()).endsWith("/console/");

        // every member, one primary, each normal; the requests made above reach the chart
        await().atMost(TIMEOUT).untilAsserted(() -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#group tbody tr"));
            assertThat(rows).hasSize(3);
            assertThat(browser.findElements(By.cssSelector("#group tbody tr.unreachable"))).isEmpty();
            assertThat(browser.findElements(By.cssSelector("#group tbody tr.primary"))).hasSize(1);
            assertThat(browser.findElements(By.cssSelector("#group td.status-normal"))).hasSize(3);
        });
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(browser.findElements(By.cssSelector("#chart-ops polyline"))).hasSize(3);
            assertThat(browser.findElement(By.id("summary")).getText()).contains("3 replicas, 3 answering");
        });
        assertThat(browser.findElement(By.id("events")).getText()).contains("normal in view 0");

        // the session and its ephemeral; a click on it opens the znode
        String session = "0x" + Long.toHexString(client.getSessionId());
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElements(
                By.cssSelector("#sessions tr[data-session-id='" + session + "'] a"))).hasSize(1));
        WebElement ephemeral = browser.findElement(By.cssSelector("#sessions tr[data-session-id='" + session + "'] a"));
        assertThat(ephemeral.getText()).isEqualTo("/app/lock-1");
        ephemeral.click();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElement(By.id("stat")).getText())
                .contains("ephemeral"));

        // the znode browser: from the root down to /app, its data as text, JSON and hex
        browser.findElement(By.id("path-up")).click();
        await().atMost(TIMEOUT).until(() -> browser.findElement(By.id("path")).getAttribute("value").equals("/app"));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElement(By.id("data")).getText())
                .isEqualTo("{\"service\":\"orders\",\"port\":9092}"));
        assertThat(browser.findElement(By.id("children")).getText()).contains("lock-1").contains("secret");
        browser.findElement(By.cssSelector("input[name=view][value=json]")).click();
        assertThat(browser.findElement(By.id("data")).getText()).contains("\"service\": \"orders\",");
        browser.findElement(By.cssSelector("input[name=view][value=hex]")).click();
        assertThat(browser.findElement(By.id("data")).getText()).startsWith("000000  7b 22 73");
        browser.findElement(By.cssSelector("input[name=view][value=text]")).click();

        // data the ACL keeps from world:anyone is withheld until the token is given
        browser.findElement(By.cssSelector("#children a[data-path='/app/secret']")).click();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElement(By.id("data")).getText())
                .contains("give the admin token"));
        assertThat(browser.findElement(By.id("acl")).getText()).contains("withheld").doesNotContain("alice");
        assertThat(browser.findElement(By.id("children-total")).getText()).isEqualTo("withheld");
        assertThat(browser.findElement(By.id("checkpoint")).isDisplayed()).isFalse();
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("token-use")).click();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(browser.findElement(By.id("data")).getText()).isEqualTo("s3cr3t");
            assertThat(browser.findElement(By.id("token-state")).getText()).isEqualTo("token accepted");
        });
        assertThat(browser.findElement(By.id("acl")).getText()).contains("digest:alice:");

        // a checkpoint taken from the page shows in the events
        browser.findElement(By.id("checkpoint")).click();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElement(By.id("action-result")).getText())
                .contains("checkpoint_op"));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(browser.findElement(By.id("events")).getText())
                .contains("checkpoint"));

        // a replica killed: the page marks it unreachable, the other two still answer
        nodes.get(2).close();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            List<WebElement> down = browser.findElements(By.cssSelector("#group tbody tr.unreachable"));
            assertThat(down).hasSize(1);
            assertThat(down.get(0).getAttribute("data-member-id")).isEqualTo("3");
            assertThat(down.get(0).getText()).contains("127.0.0.3");
            assertThat(browser.findElement(By.id("summary")).getText()).contains("3 replicas, 2 answering");
        });
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }
}
