package io.viewkeeper.compat;

import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica group of Viewkeeper nodes in this JVM, replica N listening for clients and peers on its own loopback
 * address 127.0.0.N, every node configured from the same {@link ServerSettings}. Reads are linearizable (the
 * default). {@link #start} returns once one replica reports {@code Mode: leader} and every other one
 * {@code Mode: follower}.
 */
final class ClusterTarget implements TargetServer {
    static final int DEFAULT_REPLICAS = 3;

    private final List<ViewkeeperNode> nodes;

    private ClusterTarget(List<ViewkeeperNode> nodes) {
        this.nodes = nodes;
    }

    static ClusterTarget start(ServerSettings settings, Path dataDir, int replicas) throws IOException {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int id = 1; id <= replicas; id++) {
            String host = host(id);
            members.add(new NodeConfig.Member(id, host, freePort(host), freePort(host)));
        }
        Path root = Files.createTempDirectory(Files.createDirectories(dataDir), "cluster");
        List<ViewkeeperNode> nodes = new ArrayList<>();
        try {
            for (NodeConfig.Member m : members) {
                NodeConfig config = ViewkeeperTarget.configure(
                        NodeConfig.forTesting(Files.createDirectories(root.resolve("replica-" + m.id()))), settings)
                        .withMembers(members, m.id());
                nodes.add(ViewkeeperNode.start(onHost(config, m.host())));
            }
            ClusterTarget cluster = new ClusterTarget(List.copyOf(nodes));
            if (settings.fourLetterWords() == null || settings.fourLetterWords().contains("srvr")) {
                cluster.awaitRoles();
            }
            return cluster;
        } catch (IOException | RuntimeException | Error e) {
            nodes.forEach(ViewkeeperNode::close);
            throw e;
        }
    }

    /** The config with its client listener on {@code host}, where the group's member line puts this replica. */
    private static NodeConfig onHost(NodeConfig c, String host) {
        return c.withClientPortAddress(host).withAdmin(AdminSettings.disabled());
    }

    static String host(int id) {
        return "127.0.0." + id;
    }

    /** A port nothing listens on at {@code host} right now, found by binding port 0 there. */
    private static int freePort(String host) throws IOException {
        return io.viewkeeper.server.TestPorts.free(host);
    }

    /** Waits (bounded) for one leader and followers everywhere else, as srvr reports them. */
    private void awaitRoles() {
        await("one leader and " + (nodes.size() - 1) + " followers").atMost(EventLog.TIMEOUT)
                .ignoreExceptions().until(() -> {
                    int leaders = 0;
                    int followers = 0;
                    for (int i = 0; i < nodes.size(); i++) {
                        String srvr = srvr(clientAddress(i));
                        leaders += srvr.contains("\nMode: leader\n") ? 1 : 0;
                        followers += srvr.contains("\nMode: follower\n") ? 1 : 0;
                    }
                    return leaders == 1 && followers == nodes.size() - 1;
                });
    }

    private static String srvr(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every replica, comma-separated, in id order. */
    @Override
    public String connectString() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            all.add(connectString(i));
        }
        return String.join(",", all);
    }

    @Override
    public int replicaCount() {
        return nodes.size();
    }

    @Override
    public InetSocketAddress clientAddress(int replica) {
        return new InetSocketAddress(host(replica + 1), nodes.get(replica).clientPort());
    }

    /** The first replica's client port; tests that need one replica ask for {@link #clientAddress}. */
    @Override
    public int clientPort() {
        return nodes.get(0).clientPort();
    }

    @Override
    public String name() {
        return "viewkeeper cluster of " + nodes.size();
    }

    @Override
    public Kind kind() {
        return Kind.CLUSTER;
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }
}
