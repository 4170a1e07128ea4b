package io.viewkeeper.compat;

import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Viewkeeper node configured from {@link ServerSettings}. */
final class ViewkeeperTarget implements TargetServer {
    private final ViewkeeperNode node;

    private ViewkeeperTarget(ViewkeeperNode node) {
        this.node = node;
    }

    static ViewkeeperTarget start(ServerSettings settings, Path dataDir) throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve("viewkeeper"));
        return new ViewkeeperTarget(ViewkeeperNode.start(configure(NodeConfig.forTesting(dir), settings)));
    }

    /** {@code config} with what {@code settings} asks for. */
    static NodeConfig configure(NodeConfig base, ServerSettings settings) {
        NodeConfig config = base
                .withTickTimeMs(settings.tickTimeMs())
                .withContainerCheckIntervalMs(settings.containerCheckIntervalMs())
                .withMaxClientCnxns(settings.maxClientCnxns());
        if (settings.superDigest() != null) {
            config = config.withSuperDigest(settings.superDigest());
        }
        if (settings.fourLetterWords() != null) {
            config = config.withFourLetterWords(settings.fourLetterWords());
        }
        return config;
    }

    @Override
    public String connectString() {
        return node.connectString();
    }

    @Override
    public int clientPort() {
        return node.clientPort();
    }

    @Override
    public String name() {
        return "viewkeeper";
    }

    @Override
    public Kind kind() {
        return Kind.VIEWKEEPER;
    }

    @Override
    public void close() {
        node.close();
    }
}
