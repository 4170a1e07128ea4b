package io.viewkeeper.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The command-line entry point: parses arguments, starts one node and keeps the process alive until SIGTERM or
 * SIGINT, when a shutdown hook closes the node. Every failure becomes one line on stderr and an exit code; this is
 * the only class that calls System.exit.
 */
@Command(name = "viewkeeper", description = "A ZooKeeper-compatible coordination service.",
        versionProvider = Main.Version.class,
        subcommands = {io.viewkeeper.server.launch.GroupCommands.StartCommand.class,
            io.viewkeeper.server.launch.GroupCommands.StopCommand.class,
            io.viewkeeper.server.launch.GroupCommands.ServerScriptCommand.class, Main.NodeCommand.class,
            Main.InspectCommand.class, Main.ReplayInputsCommand.class,
            io.viewkeeper.server.migrate.MigrationCommands.ImportCommand.class,
            io.viewkeeper.server.migrate.MigrationCommands.ExportCommand.class,
            io.viewkeeper.server.migrate.MigrationCommands.RestoreCommand.class})
public final class Main implements Callable<Integer> {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** Bounds the walk down a cause chain, which may loop. */
    private static final int CAUSE_DEPTH_MAX = 16;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    private boolean version;

    /** The version the build wrote, and the ZooKeeper protocol it speaks. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Viewkeeper " + io.viewkeeper.storage.Version.number() + " (built "
                    + io.viewkeeper.storage.Version.built() + "; ZooKeeper 3.9 client protocol; Java "
                    + Runtime.version() + ")"};
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with bad arguments reported as one line and the synopsis rather than the whole help. */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Main());
        line.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            PrintWriter err = command.getErr();
            err.println("viewkeeper: " + e.getMessage());
            err.print("Usage: " + command.getHelp().synopsis(0));
            err.println("Run 'viewkeeper " + (command.getParent() == null ? "" : command.getCommandName() + " ")
                    + "--help' for the options.");
            err.flush();
            return EXIT_USAGE;
        });
        return line;
    }

    /** Without a subcommand there is nothing to do: show what there is. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    @Command(name = "node", description = "Start one node from a zoo.cfg-style file; runs until SIGTERM or SIGINT.")
    static final class NodeCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--config", paramLabel = "FILE", required = true,
                description = "Settings in ZooKeeper's zoo.cfg format.")
        private Path configFile;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            NodeConfig config;
            try {
                config = NodeConfig.read(configFile);
            } catch (IOException e) {
                return configError(err, configFile + " cannot be read (" + describe(e) + ")");
            } catch (ConfigException e) {
                return configError(err, e.getMessage());
            }
            return serve(config, spec.commandLine().getOut(), err);
        }
    }

    @Command(name = "inspect", description = "Check a stopped replica's data directory offline: metadata, "
            + "checkpoint and log ranges, with every checksum verified. Exit 0 when every check passes, 1 when a "
            + "problem is found, 2 on bad arguments.")
    static final class InspectCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "The data directory.")
        private Path dataDir;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                int problems = io.viewkeeper.storage.DataDirInspector.inspect(dataDir,
                        spec.commandLine().getOut());
                return problems == 0 ? EXIT_OK : EXIT_FAILURE;
            } catch (IOException | RuntimeException e) {
                err.println("viewkeeper inspect: " + (e instanceof IOException io ? describe(io) : e.toString()));
                err.flush();
                return EXIT_USAGE;
            }
        }
    }

    @Command(name = "replay-inputs", description = "Run an input log (written by a node with debug.inputLog=FILE) "
            + "through a fresh consensus core and state machine, offline, and check that every op commits where it "
            + "did with the same state digest. Exit 0 when the replay matches the recording, 1 when it differs, "
            + "2 on bad arguments or a file that is not an input log.")
    static final class ReplayInputsCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @CommandLine.Parameters(paramLabel = "FILE", description = "The input log.")
        private Path file;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                io.viewkeeper.server.replay.InputReplay.Result result =
                        io.viewkeeper.server.replay.InputReplay.replay(file);
                out.printf("replayed %d inputs: %d ops committed as recorded, the last op %d, state digest %016x%s%n",
                        result.inputs(), result.commits(), result.lastCommittedOp(), result.digest(),
                        result.complete() ? "" : " (the recording ends there: cut short inside its last record or "
                                + "callback, or stopped at its size limit)");
                out.flush();
                return EXIT_OK;
            } catch (io.viewkeeper.server.replay.InputReplay.Divergence e) {
                err.println("viewkeeper replay-inputs: the replay differs from the recording at " + e.getMessage());
                err.flush();
                return EXIT_FAILURE;
            } catch (IOException e) {
                err.println("viewkeeper replay-inputs: " + file + ": " + describe(e));
                err.flush();
                return EXIT_USAGE;
            }
        }
    }

    /**
     * Runs a node until the JVM shuts down; returns only when it cannot start. The shutdown hook is in place before
     * the port opens, and waits for a start in progress, so a SIGTERM at any moment after launch closes the node.
     */
    static int serve(NodeConfig config, PrintWriter out, PrintWriter err) {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            err.println("viewkeeper: cannot create data directory " + config.dataDir() + " (" + describe(e) + ")");
            err.flush();
            return EXIT_FAILURE;
        }
        try {
            LogFiles.install(config.dataDir().resolve("logs"));
        } catch (IOException e) {
            err.println("viewkeeper: logging to the console only; cannot create " + config.dataDir().resolve("logs")
                    + " (" + describe(e) + ")");
            err.flush();
        }
        if (!isPortFree(config)) {
            return portInUse(config, err);
        }
        NodeConfig.Member self = selfMember(config);
        if (self != null && !isFree(self.host(), self.peerPort())) {
            return peerPortInUse(self, err);
        }
        AtomicReference<ViewkeeperNode> running = new AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                synchronized (running) {
                    ViewkeeperNode node = running.getAndSet(null);
                    if (node != null) {
                        node.close();
                        out.println("Viewkeeper stopped");
                        out.flush();
                    }
                }
            } finally {
                closed.countDown();
            }
        }, "viewkeeper-shutdown"));
        synchronized (running) {
            try {
                running.set(ViewkeeperNode.start(config, (code, cause) -> {
                    err.println("viewkeeper: the replica stopped (" + cause + "); exiting with " + code);
                    err.flush();
                    // Off the replica thread: the shutdown hook closes the node and waits for that thread to end.
                    Thread exit = new Thread(() -> System.exit(code), "fail-stop-exit");
                    exit.start();
                }));
            } catch (ConfigException e) {
                return configError(err, e.getMessage());
            } catch (IOException | RuntimeException e) {
                return startFailure(config, err, e);
            }
            out.println("Viewkeeper listening; connect string: " + running.get().connectString());
            out.flush();
        }
        awaitUninterruptibly(closed);
        return EXIT_OK;
    }

    /** A taken port and an I/O failure are operating errors, one line each; anything else is a bug and propagates. */
    private static int startFailure(NodeConfig config, PrintWriter err, Exception failure) {
        if (isAddressInUse(failure)) {
            NodeConfig.Member self = selfMember(config);
            return isFree(self == null ? null : self.host(), self == null ? 0 : self.peerPort())
                    ? portInUse(config, err) : peerPortInUse(self, err);
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        err.println("viewkeeper: cannot start node (" + describe((IOException) failure) + ")");
        err.flush();
        return EXIT_FAILURE;
    }

    /** This replica's server.N line in a group; null for a single node, which has no peer port. */
    private static NodeConfig.Member selfMember(NodeConfig config) {
        if (config.members().size() <= 1) {
            return null;
        }
        return config.members().get(config.replicaIndex());
    }

    private static int peerPortInUse(NodeConfig.Member self, PrintWriter err) {
        err.println("viewkeeper: peer port " + self.peerPort() + " on " + self.host() + " is already in use");
        err.flush();
        return EXIT_FAILURE;
    }

    private static int portInUse(NodeConfig config, PrintWriter err) {
        err.println("viewkeeper: port " + config.clientPort() + " on " + config.clientPortAddress()
                + " is already in use");
        err.flush();
        return EXIT_FAILURE;
    }

    /**
     * Checks before starting so a taken port is reported the same way whatever the transport throws; the node's own
     * bind failure is still handled, for a port taken between this check and the bind.
     */
    private static boolean isPortFree(NodeConfig config) {
        return isFree(config.clientPortAddress(), config.clientPort());
    }

    private static boolean isFree(String host, int port) {
        if (host == null || port == 0) {
            return true;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return !isAddressInUse(e); // any other failure is reported by the node when it binds
        }
    }

    private static int configError(PrintWriter err, String keyAndProblem) {
        err.println("viewkeeper: config error: " + keyAndProblem);
        err.flush();
        return EXIT_USAGE;
    }

    /**
     * The JDK and Netty's native transports both report a taken port (EADDRINUSE) by its text; a BindException alone
     * may also mean the address is not local (EADDRNOTAVAIL).
     */
    static boolean isAddressInUse(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < CAUSE_DEPTH_MAX; depth++, t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("already in use")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
