package io.viewkeeper.ctl;

import static org.awaitility.Awaitility.await;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A live replica group of three in-process nodes: replica N on 127.0.0.N with free client and peer ports, and its
 * admin endpoint on 127.0.0.N port 0 with a token. {@link #start} returns once vkctl sees a healthy group.
 */
final class LiveGroup implements AutoCloseable {
    static final String TOKEN = "live-group-token-0123456789";
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final List<ViewkeeperNode> nodes;
    private final List<String> adminServers;
    private final Path tokenFile;
    private final List<NodeConfig.Member> members;
    private final Path dir;

    private LiveGroup(List<ViewkeeperNode> nodes, Path tokenFile, List<NodeConfig.Member> members, Path dir) {
        this.nodes = new ArrayList<>(nodes);
        this.tokenFile = tokenFile;
        this.members = members;
        this.dir = dir;
        this.adminServers = new ArrayList<>(nodes.stream().map(LiveGroup::admin).toList());
    }

    private static String admin(ViewkeeperNode node) {
        InetSocketAddress a = node.adminAddress();
        return a.getHostString() + ":" + a.getPort();
    }

    /**
     * Starts server {@code id} beyond the group's three, empty, its own file naming the group's servers and itself
     * as an observer (as './viewkeeper start --join' writes it); returns its address for {@code add-learner}
     * (host:peerPort:clientPort). Its admin endpoint joins the --servers vkctl is given.
     */
    String join(int id) throws IOException {
        String host = "127.0.0." + id;
        NodeConfig.Member joining = new NodeConfig.Member(id, host, freePort(host), freePort(host), true);
        List<NodeConfig.Member> lines = new ArrayList<>(members);
        lines.add(joining);
        NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + id)));
        ViewkeeperNode node = ViewkeeperNode.start(base.withMembers(lines, id)
                .withAdmin(base.admin().withAddress(host).withToken(TOKEN)));
        nodes.add(node);
        adminServers.add(admin(node));
        return host + ":" + joining.peerPort() + ":" + joining.clientPort();
    }

    /** Whether server {@code id}'s node stopped (a removed replica stops). */
    boolean stopped(int id) {
        return nodes.get(id - 1).stoppedBy() != null;
    }

    static LiveGroup start(Path dir) throws IOException {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            String host = "127.0.0." + id;
            members.add(new NodeConfig.Member(id, host, freePort(host), freePort(host)));
        }
        Path tokenFile = Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
        List<ViewkeeperNode> nodes = new ArrayList<>();
        try {
            for (NodeConfig.Member m : members) {
                NodeConfig base = NodeConfig.forTesting(Files.createDirectories(dir.resolve("replica-" + m.id())));
                NodeConfig config = base.withMembers(members, m.id())
                        .withAdmin(base.admin().withAddress(m.host()).withToken(TOKEN));
                nodes.add(ViewkeeperNode.start(config));
            }
        } catch (IOException | RuntimeException e) {
            nodes.forEach(ViewkeeperNode::close);
            throw e;
        }
        LiveGroup group = new LiveGroup(nodes, tokenFile, members, dir);
        await("a healthy group").atMost(TIMEOUT).until(() -> group.vkctl("status").exitCode() == 0);
        return group;
    }

    private static int freePort(String host) throws IOException {
        return io.viewkeeper.server.TestPorts.free(host);
    }

    /** The --servers value naming every replica's admin endpoint. */
    String servers() {
        return String.join(",", adminServers);
    }

    String connectString() {
        return nodes.stream().map(ViewkeeperNode::connectString).collect(Collectors.joining(","));
    }

    Path tokenFile() {
        return tokenFile;
    }

    /** Stops replica {@code id} (1-based), as a crash would stop serving it. */
    void stop(int id) {
        nodes.get(id - 1).close();
    }

    /** Runs vkctl with --servers and --token-file of this group before {@code args}. */
    VkctlRun vkctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--servers", servers(), "--token-file", tokenFile.toString()));
        all.addAll(List.of(args));
        return VkctlRun.run(all.toArray(String[]::new));
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }
}
