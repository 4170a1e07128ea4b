package io.viewkeeper.server.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher of the local group, with real replica JVMs on 127.0.0.1-3 and ports free on all three: a detached
 * start that a second start refuses, a killed replica started again with its data, stop, a replica that cannot
 * start (everything started is stopped, its log shown), a port in use, a directory start did not create, a PID
 * file that names another process, and the foreground group that reports a replica that dies.
 */
class GroupLauncherTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private GroupLayout layout;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void layout() throws IOException {
        int client = freeRun(1);
        int admin = freeRun(1);
        int peers = freeRun(3); // replica I's peer port is the base + I
        layout = new GroupLayout(3, client, peers - 1, admin, dir.resolve("data"), "linearizable",
                dir.resolve("state"));
    }

    @AfterEach
    void stopLeftovers() throws Exception {
        launcher().stop();
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            child.destroyForcibly();
        }
    }

    private GroupLauncher launcher() {
        return new GroupLauncher(layout, GroupLauncher.javaCommandLikeThisJvm(List.of("-Xmx128m"),
                System.getProperty("java.class.path")), new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String output() {
        return out + err.toString();
    }

    @Test
    void shouldStartDetachedRefuseASecondStartRestartAKilledReplicaAndStop() throws Exception {
        assertThat(launcher().start(0, true, false)).as(output()).isZero();
        assertThat(out.toString()).contains("Viewkeeper: 3 replicas listening (PIDs r1=")
                .contains("connect string: " + layout.connectString());
        List<ProcessHandle> replicas = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Optional<ProcessHandle> replica = NodeProcesses.fromPidFile(layout.pidFile(i));
            assertThat(replica).as("replica %d's PID file", i).isPresent();
            replicas.add(replica.get());
            assertThat(Files.readString(layout.configFile(i))).contains("serverId=" + i)
                    .contains("server.3=127.0.0.3:" + (layout.peerPort() + 3) + ";127.0.0.3:" + layout.clientPort());
            assertThat(layout.replicaDir(i).resolve(GroupLayout.REPLICA_DIR_MARKER)).exists();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.tokenFile())))
                .isEqualTo("rw-------");
        writeAndRead("/launched");

        assertThat(launcher().start(0, true, false)).isEqualTo(1);
        assertThat(err.toString()).contains("replica 1 is already running (PID " + replicas.get(0).pid() + ")");

        replicas.get(1).destroyForcibly();
        await().atMost(TIMEOUT).until(() -> !replicas.get(1).isAlive());
        assertThat(launcher().start(2, true, false)).as(output()).isZero();
        assertThat(out.toString()).contains("Viewkeeper: replica 2 of 3 listening (PID ");
        try (ZooKeeper client = connect("127.0.0.2:" + layout.clientPort())) {
            assertThat(client.exists("/launched", false)).isNotNull();
        }

        out.getBuffer().setLength(0);
        assertThat(launcher().stop()).isZero();
        assertThat(out.toString()).startsWith("viewkeeper: stopped r1 (PID " + replicas.get(0).pid() + "), r2 (PID ");
        for (int i = 1; i <= 3; i++) {
            assertThat(layout.pidFile(i)).doesNotExist();
        }
        assertThat(replicas.get(0).isAlive()).isFalse();
        assertThat(replicas.get(2).isAlive()).isFalse();
        for (int i = 1; i <= 3; i++) {
            assertThat(layout.stateDir().resolve("replica-" + i + ".jsa"))
                    .as("no class archive from a class path of build directories").doesNotExist();
        }
        out.getBuffer().setLength(0);
        assertThat(launcher().stop()).isZero();
        assertThat(out.toString()).contains("no replica started with 'start --detach' is running");
    }

    @Test
    void shouldStartObserversAfterTheReplicasWhenAskedFor() throws Exception {
        int peers = io.viewkeeper.server.TestPorts.freeRun(4, 4);
        layout = new GroupLayout(3, layout.clientPort(), peers - 1, layout.adminPort(), dir.resolve("data"),
                "linearizable", dir.resolve("state")).withObservers(1);
        assertThat(launcher().start(0, true, false)).as(output()).isZero();
        assertThat(out.toString()).contains("Viewkeeper: 3 replicas and 1 observer listening (PIDs r1=")
                .contains("connect string: " + layout.connectString());
        assertThat(layout.connectString()).endsWith(",127.0.0.4:" + layout.clientPort());
        assertThat(Files.readString(layout.configFile(1))).contains("server.4=127.0.0.4:" + (layout.peerPort() + 4)
                + ":observer;127.0.0.4:" + layout.clientPort());
        await().atMost(TIMEOUT).until(() -> srvr("127.0.0.4").contains("Mode: observer"));
        writeAndRead("/observed");
        try (ZooKeeper client = connect("127.0.0.4:" + layout.clientPort())) {
            assertThat(client.getData("/observed", false, null)).containsExactly(1);
        }
        assertThat(launcher().stop()).isZero();
        assertThat(layout.pidFile(4)).doesNotExist();
    }

    @Test
    void shouldJoinANewServerAndStartTheChangedGroupAgain() throws Exception {
        int peers = io.viewkeeper.server.TestPorts.freeRun(4, 4);
        layout = new GroupLayout(3, layout.clientPort(), peers - 1, layout.adminPort(), dir.resolve("data"),
                "linearizable", dir.resolve("state"));
        assertThat(launcher().start(0, true, false)).as(output()).isZero();
        writeAndRead("/before-the-join");
        assertThat(launcher().join(4, true)).as(output()).isZero();
        assertThat(out.toString()).contains("./viewkeeper ctl add-learner --id 4 --address "
                + layout.joiningAddress(4));
        assertThat(Files.readString(layout.configFile(4))).contains("server.3=127.0.0.3:")
                .contains("server.4=127.0.0.4:" + (layout.peerPort() + 4) + ":observer;127.0.0.4:"
                        + layout.clientPort());

        String line = "server.4=127.0.0.4:" + (layout.peerPort() + 4) + ":" + (layout.peerPort() + 5);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(reconfig(line + ":observer;127.0.0.4:"
                + layout.clientPort(), null)).contains("\"epoch\":1"));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(reconfig(line + ":participant;127.0.0.4:"
                + layout.clientPort(), "3")).contains("\"epoch\":2"));
        await().atMost(TIMEOUT).until(() -> NodeProcesses.fromPidFile(layout.pidFile(3)).isEmpty());

        assertThat(launcher().stop()).isZero();
        out.getBuffer().setLength(0);
        assertThat(launcher().start(0, true, false)).as(output()).isZero();
        assertThat(out.toString()).contains("(PIDs r1=").contains(", r4=").doesNotContain("r3=")
                .contains("connect string: 127.0.0.1:" + layout.clientPort() + ",127.0.0.2:" + layout.clientPort()
                        + ",127.0.0.4:" + layout.clientPort());
        try (ZooKeeper client = connect("127.0.0.4:" + layout.clientPort())) {
            assertThat(client.exists("/before-the-join", false)).isNotNull();
        }
    }

    /** The reconfig admin command at replica 1, with the group's token; the answer's body, whatever its status. */
    private String reconfig(String add, String remove) throws Exception {
        String query = "add=" + java.net.URLEncoder.encode(add, java.nio.charset.StandardCharsets.UTF_8)
                + (remove == null ? "" : "&remove=" + remove);
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + layout.adminPort() + "/commands/reconfig?" + query))
                .header("Authorization", "Bearer " + Files.readString(layout.tokenFile()).trim())
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build();
        return java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private String srvr(String host) {
        try (java.net.Socket socket = new java.net.Socket(host, layout.clientPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("srvr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void shouldStartAGroupThatServesTlsClientsWithThrowawayCertificates() throws Exception {
        int secure = freeRun(1);
        LocalTls tls = LocalTls.ensure(dir.resolve("state").resolve("tls"));
        assertThat(LocalTls.ensure(dir.resolve("state").resolve("tls")).password()).as("made once")
                .isEqualTo(tls.password());
        layout = layout.withTls(secure, tls);
        assertThat(launcher().start(0, true, false)).as(output()).isZero();
        assertThat(out.toString()).contains("TLS connect string: " + layout.secureConnectString())
                .contains("-Dzookeeper.client.secure=true");
        assertThat(Files.readString(layout.configFile(2))).contains("secureClientPort=" + secure)
                .contains("ssl.keyStore.location=" + tls.serverStore()).contains("sslQuorum=true");

        org.apache.zookeeper.client.ZKClientConfig config = new org.apache.zookeeper.client.ZKClientConfig();
        config.setProperty(org.apache.zookeeper.client.ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET,
                "org.apache.zookeeper.ClientCnxnSocketNetty");
        config.setProperty(org.apache.zookeeper.client.ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty("zookeeper.ssl.trustStore.location", tls.trustStore().toString());
        config.setProperty("zookeeper.ssl.trustStore.password", tls.password());
        config.setProperty("zookeeper.ssl.keyStore.location", tls.clientStore().toString());
        config.setProperty("zookeeper.ssl.keyStore.password", tls.password());
        try (ZooKeeper client = new ZooKeeper(layout.secureConnectString(), 30_000, event -> { }, config)) {
            await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            client.create("/over-tls", new byte[] {7}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(client.whoAmI()).extracting(org.apache.zookeeper.data.ClientInfo::getUser)
                    .contains("CN=Viewkeeper local client");
        }
        writeAndRead("/plain-too");
        assertThat(Files.readString(layout.logFile(1))).as("replicas talk over mutual TLS")
                .contains("peer connections: PeerSecurity[dialTls=true, acceptTls=true, acceptPlain=false");
        assertThat(launcher().stop()).isZero();
    }

    @Test
    void shouldStopWhatItStartedAndShowTheLogWhenAReplicaCannotStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(layout.peerPort() + 3, 1, InetAddress.getByName("127.0.0.3"))) {
            assertThat(launcher().start(0, true, false)).isEqualTo(1);
        }
        assertThat(err.toString()).contains("replica 3 exited during startup; the end of " + layout.logFile(3))
                .contains("peer port " + (layout.peerPort() + 3) + " on 127.0.0.3 is already in use")
                .contains("stopped the replicas it had started");
        for (int i = 1; i <= 3; i++) {
            assertThat(layout.pidFile(i)).doesNotExist();
        }
        await().atMost(TIMEOUT).until(() -> ProcessHandle.current().children().noneMatch(NodeProcesses::isNode));
    }

    @Test
    void shouldRefuseAPortInUseADirectoryItDidNotCreateAndLeaveOtherProcessesAlone() throws Exception {
        try (ServerSocket taken = new ServerSocket(layout.clientPort(), 1, InetAddress.getByName("127.0.0.2"))) {
            assertThat(launcher().start(0, true, false)).isEqualTo(1);
        }
        assertThat(err.toString()).contains("port " + layout.clientPort() + " on 127.0.0.2 is already in use.");

        Path foreign = Files.createDirectories(layout.replicaDir(2));
        Files.writeString(foreign.resolve("precious"), "keep me", StandardCharsets.UTF_8);
        assertThat(launcher().start(0, true, true)).isEqualTo(1);
        assertThat(err.toString()).contains(foreign + " exists but was not created by './viewkeeper start'");
        assertThat(foreign.resolve("precious")).hasContent("keep me");

        // a PID file naming a live process that is not a node (this test's JVM) is stale: removed, nothing signalled
        Files.createDirectories(layout.stateDir());
        Files.writeString(layout.pidFile(1), Long.toString(ProcessHandle.current().pid()));
        assertThat(launcher().stop()).isZero();
        assertThat(out.toString()).contains("not running (gone or not a Viewkeeper node): replica-1");
        assertThat(layout.pidFile(1)).doesNotExist();
    }

    @Test
    void shouldRunInTheForegroundWithPrefixedOutputAndReportAReplicaThatDies() throws Exception {
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            try {
                return launcher().start(0, false, false);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(TIMEOUT).until(() -> out.toString().contains("Viewkeeper: 3 replicas listening; connect string: "
                + layout.connectString()));
        assertThat(out.toString()).contains("[r1] ").contains("[r2] ").contains("[r3] ");
        writeAndRead("/foreground");

        ProcessHandle second = replicaProcess(2);
        second.destroyForcibly();
        await().atMost(TIMEOUT).until(() -> err.toString().contains("replica 2 (PID " + second.pid()
                + ") exited with status 137."));
        try (ZooKeeper client = connect("127.0.0.1:" + layout.clientPort())) {
            assertThat(client.exists("/foreground", false)).isNotNull();
        }
        assertThat(status).isNotDone();

        replicaProcess(1).destroy();
        replicaProcess(3).destroy();
        assertThat(status.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(out.toString()).contains("[r1] Viewkeeper stopped");
    }

    @Test
    void shouldStopExactlyItsReplicasQuietlyWhenAskedToStopInTheForeground() throws Exception {
        GroupLauncher launcher = launcher();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            try {
                return launcher.start(0, false, false);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(TIMEOUT).until(() -> out.toString().contains("Viewkeeper: 3 replicas listening"));
        List<ProcessHandle> replicas = List.of(replicaProcess(1), replicaProcess(2), replicaProcess(3));

        launcher.requestStop(new ArrayList<>()); // what SIGINT or SIGTERM to the launcher does
        assertThat(status.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isZero();
        assertThat(replicas).noneMatch(ProcessHandle::isAlive);
        assertThat(err.toString()).contains("viewkeeper: stopping 3 replicas...").doesNotContain("exited with status");
    }

    /** Only a process whose command line runs the node's main class with 'node' counts as a node. */
    @Test
    void shouldTellNodesFromOtherProcessesByTheirCommandLine() throws Exception {
        List<Process> started = new ArrayList<>();
        try {
            Process node = shell("io.viewkeeper.server.Main", "node", "--config", "x.cfg");
            Process launcherLike = shell("io.viewkeeper.server.Main", "start", "--state-dir", "s");
            Process lookalike = shell("io.viewkeeper.server.MainFoo", "node");
            Process legacy = shell("io.viewkeeper.server.Main", "start", "--port", "2181", "--data-dir", "d");
            started.addAll(List.of(node, launcherLike, lookalike, legacy));
            assertThat(NodeProcesses.isNode(node.toHandle())).isTrue();
            assertThat(NodeProcesses.isNode(launcherLike.toHandle())).isFalse();
            assertThat(NodeProcesses.isNode(lookalike.toHandle())).isFalse();
            assertThat(NodeProcesses.isNode(legacy.toHandle())).isFalse();
            assertThat(NodeProcesses.isLegacyNode(legacy.toHandle())).isTrue();
            assertThat(NodeProcesses.isLegacyNode(launcherLike.toHandle())).isFalse();
            assertThat(NodeProcesses.isNode(ProcessHandle.current())).isFalse();
        } finally {
            started.forEach(Process::destroyForcibly);
        }
    }

    /** A shell that waits, with the given words after its script on its command line. */
    private static Process shell(String... words) throws IOException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "read line"));
        command.addAll(List.of(words));
        return new ProcessBuilder(command).start();
    }

    private ProcessHandle replicaProcess(int replica) {
        String config = layout.configFile(replica).toString();
        return ProcessHandle.current().children()
                .filter(p -> NodeProcesses.commandLine(p).contains(config)).findFirst()
                .orElseThrow(() -> new AssertionError("no process runs " + config));
    }

    private void writeAndRead(String path) throws Exception {
        try (ZooKeeper client = connect(layout.connectString())) {
            client.create(path, new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(client.getData(path, false, null)).containsExactly(1);
        }
    }

    private static ZooKeeper connect(String connectString) throws IOException {
        ZooKeeper client = new ZooKeeper(connectString, 30_000, event -> { });
        await().atMost(TIMEOUT).until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        return client;
    }

    /** A port free on 127.0.0.1 to 127.0.0.3 now, and the next {@code run - 1} ports too. */
    private static int freeRun(int run) throws IOException {
        return io.viewkeeper.server.TestPorts.freeRun(run, 3);
    }
}
