package io.viewkeeper.server.migrate;

import io.viewkeeper.server.ConfigException;
import io.viewkeeper.server.NodeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code import} and {@code export} commands of the node's command line. */
public final class MigrationCommands {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** The most replica directories one import writes (the largest group). */
    static final int REPLICAS_MAX = 7;

    private MigrationCommands() {
    }

    @Command(name = "import", description = {
        "Turn a stopped ZooKeeper server's data directory (3.4-3.9: version-2/snapshot.* plain, gzip or snappy, "
            + "and log.*) into Viewkeeper's first checkpoint: every znode with its data, ACL and Stat, every open "
            + "session with its timeout and password, zxids going on from ZooKeeper's last. Or take one snapshot "
            + "file, such as an export (a backup to restore). Nothing in the ZooKeeper directories is changed; the "
            + "target must be new or empty. With --admin instead of --data-dir, the state goes into a running group "
            + "that holds no znode outside /zookeeper, through its admin endpoint's restore (one op in the log; "
            + "its zxids move up to ZooKeeper's).",
        "Exit 0 on success, 1 when the input is refused (the reason is printed), 2 on bad arguments."})
    public static final class ImportCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @ArgGroup(exclusive = true, multiplicity = "1")
        private ImportSource from;

        static final class ImportSource {
            @Option(names = "--zookeeper-data-dir", paramLabel = "DIR",
                    description = "ZooKeeper's dataDir (the directory holding version-2/).")
            private Path zookeeperDataDir;

            @Option(names = "--zookeeper-snapshot", paramLabel = "FILE", description = "One snapshot file on its "
                    + "own, such as an export or a ZooKeeper AdminServer snapshot (a backup to restore).")
            private Path zookeeperSnapshot;
        }

        @Option(names = "--zookeeper-log-dir", paramLabel = "DIR",
                description = "With --zookeeper-data-dir: ZooKeeper's dataLogDir when it is not the dataDir.")
        private Path zookeeperLogDir;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Without --replicas: "
                + "the data directory to write (copy it to every member's dataDir before the group first starts). "
                + "With --replicas N: DIR/replica-1 .. DIR/replica-N, as './viewkeeper start --data-dir DIR' uses.")
        private Path dataDir;

        @Option(names = "--replicas", paramLabel = "N", description = "Write N replica directories (1 to 7).")
        private Integer replicas;

        @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Instead of --data-dir: a running, "
                + "empty group's admin endpoint (any replica's); the node needs an admin token.")
        private String admin;

        @Option(names = "--auth", paramLabel = "SCHEME[:DATA]", description = "With --admin: the Authorization "
                + "header, 'digest user:password' (ALL permissions on /) or 'Bearer <token>'.")
        private String authorization;

        @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:VKCTL_TLS_CA}",
                description = "With --admin: speak HTTPS, trusting the CA certificates of this PEM file (or a "
                        + ".p12/.jks trust store without a password); also VKCTL_TLS_CA.")
        private Path tlsCa;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if ((dataDir == null) == (admin == null)) {
                err.println("viewkeeper import: give either --data-dir (new data directories) or --admin (a running, "
                        + "empty group)");
                return EXIT_USAGE;
            }
            if (admin != null && replicas != null) {
                err.println("viewkeeper import: --replicas goes with --data-dir");
                return EXIT_USAGE;
            }
            if (replicas != null && (replicas < 1 || replicas > REPLICAS_MAX)) {
                err.println("viewkeeper import: --replicas must be 1 to " + REPLICAS_MAX + ", not " + replicas);
                return EXIT_USAGE;
            }
            List<Path> targets = new ArrayList<>();
            if (replicas == null) {
                targets.add(dataDir);
            } else {
                for (int i = 1; i <= replicas; i++) {
                    targets.add(dataDir.resolve("replica-" + i));
                }
            }
            long started = System.nanoTime();
            try {
                if (from.zookeeperSnapshot != null && zookeeperLogDir != null) {
                    err.println("viewkeeper import: --zookeeper-log-dir goes with --zookeeper-data-dir");
                    return EXIT_USAGE;
                }
                ZooKeeperDataDir.Loaded loaded = from.zookeeperSnapshot != null
                        ? ZooKeeperDataDir.readSnapshotFile(from.zookeeperSnapshot)
                        : ZooKeeperDataDir.read(from.zookeeperDataDir,
                                zookeeperLogDir == null ? from.zookeeperDataDir : zookeeperLogDir);
                long read = System.nanoTime();
                if (admin != null) {
                    String answer = OnlineImport.intoRunningGroup(loaded, admin, authorization, tlsCa);
                    out.printf(Locale.ROOT, "imported %d znodes and %d sessions at zxid 0x%x (%s) into the group "
                            + "at %s: %s%n", loaded.tree().getNodeCount(), loaded.sessions().size(), loaded.lastZxid(),
                            loaded.source(), admin, answer.strip());
                    out.flush();
                    return EXIT_OK;
                }
                ZooKeeperImport.Imported imported = ZooKeeperImport.write(loaded, targets);
                long done = System.nanoTime();
                out.printf(Locale.ROOT, "imported %d znodes and %d sessions (%d ephemerals) at zxid 0x%x: snapshot "
                        + "%s and %d logged transactions after it%n", imported.nodeCount(), imported.sessionCount(),
                        imported.ephemeralCount(), imported.zxid(), loaded.source(), loaded.transactions());
                out.printf(Locale.ROOT, "digest %x; wrote %s%n", imported.digest(), targets);
                out.printf(Locale.ROOT, "took %.1f s: reading ZooKeeper's files %.1f s, writing %.1f s (%.0f znodes/s "
                        + "overall)%n", (done - started) / 1e9, (read - started) / 1e9, (done - read) / 1e9,
                        imported.nodeCount() / ((done - started) / 1e9));
                out.flush();
                return EXIT_OK;
            } catch (MigrationException e) {
                err.println("viewkeeper import: " + e.getMessage() + "; nothing was written");
                return EXIT_FAILURE;
            } catch (IOException e) {
                err.println("viewkeeper import: " + e + "; nothing was written");
                return EXIT_FAILURE;
            }
        }
    }

    @Command(name = "restore", description = {
        "Replace a running group's whole state with a ZooKeeper snapshot (an export, or what ZooKeeper 3.9's "
            + "AdminServer snapshot streams; uncompressed) through the admin endpoint's restore command: one op in "
            + "the log, which every replica applies at the same zxid; client connections are then closed and "
            + "the snapshot's sessions can resume. Everything written since the snapshot is gone, so --yes is "
            + "required. The node needs an admin token. A snapshot whose zxids are above the group's moves the "
            + "group's zxids up to them.",
        "Exit 0 on success, 1 when refused (the reason is printed), 2 on bad arguments."})
    public static final class RestoreCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--zookeeper-snapshot", paramLabel = "FILE", required = true,
                description = "The snapshot file to restore.")
        private Path snapshotFile;

        @Option(names = "--admin", paramLabel = "HOST:PORT", required = true,
                description = "A running replica's admin endpoint.")
        private String admin;

        @Option(names = "--auth", paramLabel = "SCHEME[:DATA]", description = "The Authorization header: "
                + "'digest user:password' (ALL permissions on /) or 'Bearer <token>'.")
        private String authorization;

        @Option(names = "--yes", description = "Confirm that the group's current state is to be replaced.")
        private boolean confirmed;

        @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:VKCTL_TLS_CA}",
                description = "Speak HTTPS to the admin endpoint, trusting the CA certificates of this PEM file (or "
                        + "a .p12/.jks trust store without a password); also VKCTL_TLS_CA.")
        private Path tlsCa;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!confirmed) {
                err.println("viewkeeper restore: this replaces the group's whole state with " + snapshotFile
                        + "; run it again with --yes to confirm");
                return EXIT_USAGE;
            }
            if (!Files.isRegularFile(snapshotFile)) {
                err.println("viewkeeper restore: " + snapshotFile + " is not a file");
                return EXIT_USAGE;
            }
            try {
                String answer = AdminSnapshotClient.restore(admin, authorization, snapshotFile, tlsCa, false);
                out.println("restored " + snapshotFile + " through " + admin + ": " + answer.strip());
                out.flush();
                return EXIT_OK;
            } catch (MigrationException | IOException e) {
                err.println("viewkeeper restore: " + e.getMessage());
                return EXIT_FAILURE;
            }
        }
    }

    @Command(name = "export", description = {
        "Write the group's state as a ZooKeeper snapshot file that ZooKeeper 3.9 and its tools load: from a "
            + "running replica's admin endpoint (its state at an applied, hence committed, op), or from a stopped "
            + "replica's data directory (its checkpoint and the log up to the op it knew committed), which is "
            + "not changed.",
        "Exit 0 on success, 1 when the source is refused (the reason is printed), 2 on bad arguments."})
    public static final class ExportCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--zookeeper-snapshot", paramLabel = "FILE", required = true, description = "The snapshot "
                + "file to write; name it snapshot.<zxid in hex> in a version-2 directory for a ZooKeeper server "
                + "to load it. It is written uncompressed, so the name must not end in .gz or .snappy.")
        private Path snapshotFile;

        @ArgGroup(exclusive = true, multiplicity = "1")
        private Source source;

        static final class Source {
            @Option(names = "--data-dir", paramLabel = "DIR", description = "A stopped replica's data directory.")
            private Path dataDir;

            @Option(names = "--admin", paramLabel = "HOST:PORT",
                    description = "A running replica's admin endpoint (admin.serverAddress:admin.serverPort).")
            private String admin;
        }

        @Option(names = "--config", paramLabel = "FILE", description = "With --data-dir: that replica's zoo.cfg, "
                + "for the settings its ops were applied with (extended types, quota enforcement).")
        private Path configFile;

        @Option(names = "--auth", paramLabel = "SCHEME[:DATA]", description = "With --admin: the Authorization "
                + "header, as ZooKeeper's AdminServer takes it ('digest user:password'), or 'Bearer <token>'.")
        private String authorization;

        @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:VKCTL_TLS_CA}",
                description = "With --admin: speak HTTPS, trusting the CA certificates of this PEM file (or "
                        + "a .p12/.jks trust store without a password); also VKCTL_TLS_CA.")
        private Path tlsCa;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Path parent = snapshotFile.toAbsolutePath().getParent();
                if (!Files.isDirectory(parent)) {
                    throw new MigrationException("directory " + parent + " does not exist");
                }
                if (source.admin != null) {
                    return fromAdmin(out);
                }
                NodeConfig config = configFile == null ? NodeConfig.defaults(source.dataDir, 0) : load(configFile);
                StoppedReplicaState.State state = StoppedReplicaState.read(source.dataDir,
                        config.extendedTypesEnabled(), config.enforceQuota());
                ZooKeeperSnapshotWriter.Written written = ZooKeeperSnapshotWriter.write(state.image(), snapshotFile);
                out.printf(Locale.ROOT, "exported %d znodes and %d sessions at zxid 0x%x to %s (%d bytes): the "
                        + "checkpoint at zxid 0x%x and %d committed log entries after it (%d later entries, not known "
                        + "committed, left out)%n", written.znodes(), written.sessions(), written.lastZxid(),
                        written.file(), written.bytes(), state.checkpointOp(), state.entriesApplied(),
                        state.entriesLeftOut());
                if (state.entriesLeftOut() > 0) {
                    err.printf(Locale.ROOT, "viewkeeper export: warning: %d log entries after zxid 0x%x were left "
                            + "out because this replica did not know them committed; some may be committed writes. "
                            + "Export from a running replica (--admin) to have every committed write%n",
                            state.entriesLeftOut(), written.lastZxid());
                    err.flush();
                }
                out.flush();
                return EXIT_OK;
            } catch (MigrationException e) {
                err.println("viewkeeper export: " + e.getMessage());
                return EXIT_FAILURE;
            } catch (ConfigException e) {
                err.println("viewkeeper export: config error: " + e.getMessage());
                return EXIT_USAGE;
            } catch (IOException e) {
                err.println("viewkeeper export: " + e);
                return EXIT_FAILURE;
            }
        }

        private int fromAdmin(PrintWriter out) throws IOException, MigrationException {
            AdminSnapshotClient.Fetched fetched = AdminSnapshotClient.fetch(source.admin, authorization,
                    snapshotFile, tlsCa);
            out.printf(Locale.ROOT, "exported the snapshot at zxid %s from %s to %s (%d bytes)%n",
                    fetched.lastZxid(), source.admin, snapshotFile.toAbsolutePath(), fetched.bytes());
            out.flush();
            return EXIT_OK;
        }

        private static NodeConfig load(Path file) throws ConfigException, MigrationException {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new MigrationException(file + " cannot be read (" + e.getMessage() + ")", e);
            }
            return NodeConfig.parse(properties);
        }
    }
}
