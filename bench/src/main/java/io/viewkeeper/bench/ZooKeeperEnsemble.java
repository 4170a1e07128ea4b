package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Apache ZooKeeper 3.9 from Maven Central, a 3-node ensemble (or standalone) with production-like settings:
 * tickTime 2000, initLimit 10, syncLimit 5, fsync on unless forceSync is turned off for a labelled extra run.
 * Each server is a QuorumPeerMain JVM with its own zoo.cfg and myid; peers use clientPort+1 (quorum) and
 * clientPort+2 (election) on the server's own address.
 */
public final class ZooKeeperEnsemble extends ServerGroup {
    private static final List<String> OTHER_SYSTEM_JARS = List.of("server-", "frontend-zk-", "storage-",
            "consensus-", "bench-", "jmh-", "HdrHistogram-", "picocli-", "jopt-simple-", "commons-math3-");
    private final boolean forceSync;

    public ZooKeeperEnsemble(Settings settings, boolean forceSync, boolean tls) {
        super(settings, tls);
        this.forceSync = forceSync;
    }

    @Override
    protected String config(int id, Path dataDir) {
        StringBuilder config = new StringBuilder();
        config.append("tickTime=2000\ninitLimit=10\nsyncLimit=5\n");
        config.append("dataDir=").append(dataDir).append('\n');
        config.append("clientPort=").append(settings.clientPort()).append('\n');
        config.append("clientPortAddress=").append(host(id)).append('\n');
        config.append("maxClientCnxns=0\n");
        config.append("admin.enableServer=false\n");
        config.append("4lw.commands.whitelist=*\n");
        if (!forceSync) {
            config.append("forceSync=no\n");
        }
        if (tls()) {
            // the secure port is served by the Netty connection factory only, as ZooKeeper documents
            config.append("serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n");
            tlsConfigLines(id).forEach(line -> config.append(line).append('\n'));
        }
        if (observer(id)) {
            config.append("peerType=observer\n");
        }
        if (reconfig()) {
            config.append("reconfigEnabled=true\nstandaloneEnabled=false\n");
        }
        if (settings.nodes() > 1) {
            for (int peer = 1; peer <= settings.nodes(); peer++) {
                if (!listed(peer, id)) {
                    continue;
                }
                config.append("server.").append(peer).append('=').append(host(peer)).append(':')
                        .append(settings.clientPort() + 1).append(':').append(settings.clientPort() + 2)
                        .append(observer(peer) ? ":observer" : "").append(';').append(host(peer)).append(':').append(settings.clientPort()).append('\n');
            }
        }
        return config.toString();
    }

    @Override
    protected void prepareDataDir(int id, Path dataDir) throws IOException {
        Files.writeString(dataDir.resolve("myid"), id + "\n");
        Path logback = dataDir.getParent().resolve("logback.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, """
                    <configuration>
                      <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
                      </appender>
                      <root level="INFO"><appender-ref ref="CONSOLE"/></root>
                    </configuration>
                    """);
        }
    }

    @Override
    protected List<String> extraJvmOptions(Path dataDir) {
        // ZooKeeper's distribution logs at INFO; without a file logback would log at DEBUG.
        String logback = "-Dlogback.configurationFile=" + settings.workDir().resolve(settings.system())
                .resolve("logback.xml");
        // reconfig is the superuser's: the bench's client is that user (the digest of "super:bench")
        return reconfig() ? List.of(logback, "-Dzookeeper.DigestAuthenticationProvider.superDigest="
                + "super:cL126Z+IU/oqNpdKfBqjqSGtCms=") : List.of(logback);
    }

    @Override
    protected String mainClass() {
        return "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    }

    @Override
    protected List<String> arguments(Path configFile) {
        return List.of(configFile.toString());
    }

    @Override
    protected boolean onClasspath(Path jar) {
        String name = fileName(jar);
        return OTHER_SYSTEM_JARS.stream().noneMatch(name::startsWith);
    }
}
