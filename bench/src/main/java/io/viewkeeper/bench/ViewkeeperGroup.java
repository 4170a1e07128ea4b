package io.viewkeeper.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * A Viewkeeper replica group, each replica an io.viewkeeper.server.Main JVM started with {@code node --config},
 * peers on clientPort+1 of the replica's own address. Each replica keeps its log and checkpoints in its data
 * directory with {@code fsync=always} written out (the comparison is with ZooKeeper fsyncing its transaction log)
 * and the default checkpoint interval, so a group restarted on the same directories comes back with its state.
 */
public final class ViewkeeperGroup extends ServerGroup {
    /** ZooKeeper's own jar stays: TLS (its X509Util), SASL, import and export use its classes. */
    private static final List<String> OTHER_SYSTEM_JARS = List.of("commons-cli-", "metrics-core-",
            "snappy-java-", "bench-", "jmh-", "jopt-simple-", "commons-math3-");
    private final String reads;

    /** The superuser a bench's reconfig authenticates as ("super:bench"), as ZooKeeper's superDigest names it. */
    static final String SUPER = "super:bench";
    private static final String SUPER_DIGEST = "super:cL126Z+IU/oqNpdKfBqjqSGtCms=";

    /** @param reads linearizable or sequential */
    public ViewkeeperGroup(Settings settings, String reads, boolean tls) {
        super(settings, tls);
        if (!reads.equals("linearizable") && !reads.equals("sequential")) {
            throw new IllegalArgumentException("reads must be linearizable or sequential, got " + reads);
        }
        this.reads = reads;
    }

    @Override
    protected String config(int id, Path dataDir) {
        StringBuilder config = new StringBuilder();
        config.append("tickTime=2000\n");
        config.append("dataDir=").append(dataDir).append('\n');
        config.append("clientPort=").append(settings.clientPort()).append('\n');
        config.append("clientPortAddress=").append(host(id)).append('\n');
        config.append("serverId=").append(id).append('\n');
        config.append("maxClientCnxns=0\n");
        config.append("4lw.commands.whitelist=*\n");
        config.append("reads=").append(reads).append('\n');
        config.append("fsync=always\n");
        // As for the ZooKeeper servers: no admin endpoint (all replicas would want the same default port).
        config.append("admin.enableServer=false\n");
        if (tls()) {
            tlsConfigLines(id).forEach(line -> config.append(line).append('\n'));
        }
        if (reconfig()) {
            config.append("reconfigEnabled=true\nsuperDigest=").append(SUPER_DIGEST).append('\n');
        }
        for (int peer = 1; peer <= settings.nodes(); peer++) {
            if (!listed(peer, id)) {
                continue;
            }
            config.append("server.").append(peer).append('=').append(host(peer)).append(':')
                    .append(settings.clientPort() + 1).append(observer(peer) ? ":observer" : "").append(';')
                    .append(host(peer)).append(':').append(settings.clientPort()).append('\n');
        }
        return config.toString();
    }

    /**
     * The flags every launcher gives a node's JVM: quiet, so the server logs show only the node's own lines, and
     * class data sharing beside its data, as vkServer.sh and start have it (it takes effect once a node has exited
     * cleanly).
     */
    @Override
    protected List<String> extraJvmOptions(Path dataDir) {
        List<String> options = new java.util.ArrayList<>(io.viewkeeper.server.launch.JvmFlags.quiet());
        options.addAll(io.viewkeeper.server.launch.JvmFlags.classDataSharing(dataDir.resolve("viewkeeper.jsa"),
                classpath()));
        return options;
    }

    @Override
    protected String mainClass() {
        return "io.viewkeeper.server.Main";
    }

    @Override
    protected List<String> arguments(Path configFile) {
        return List.of("node", "--config", configFile.toString());
    }

    @Override
    protected boolean onClasspath(Path jar) {
        String name = fileName(jar);
        return OTHER_SYSTEM_JARS.stream().noneMatch(name::startsWith);
    }
}
