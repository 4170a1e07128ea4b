package io.viewkeeper.server.launch;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code viewkeeper start} and {@code viewkeeper stop}: the local group on loopback, as the source tree's launcher
 * runs them (it finds a JDK, builds the server if its sources changed, and hands the arguments here). Bad options
 * are usage errors (exit 2); a refusal (a replica already running, a port in use, a directory start did not
 * create) is one line and exit 1.
 */
public final class GroupCommands {
    /** Where the launcher keeps the group's configs, PID files, logs and token unless told otherwise. */
    static final String STATE_DIR_DEFAULT = ".viewkeeper";
    /** The class path the replicas run with when it is not this JVM's own (the launcher sets it). */
    static final String CLASSPATH_VARIABLE = "VIEWKEEPER_CLASSPATH";
    /** JVM options for every replica, e.g. -Xmx256m. */
    static final String JAVA_OPTS_VARIABLE = "VIEWKEEPER_JAVA_OPTS";

    private GroupCommands() {
    }

    static GroupLauncher launcher(GroupLayout layout, CommandSpec spec) {
        String classpath = System.getenv(CLASSPATH_VARIABLE);
        if (classpath == null || classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        List<String> options = new ArrayList<>();
        String extra = System.getenv(JAVA_OPTS_VARIABLE);
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return new GroupLauncher(layout, GroupLauncher.javaCommandLikeThisJvm(options, classpath),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    static int interrupted(PrintWriter err) {
        Thread.currentThread().interrupt();
        err.println("viewkeeper: interrupted");
        err.flush();
        return 1;
    }

    static int failed(PrintWriter err, IOException e) {
        err.println("viewkeeper: " + e);
        err.flush();
        return 1;
    }

    @Command(name = "start", sortOptions = false, usageHelpWidth = 110,
            description = {
                "Starts a replica group on loopback, each replica its own JVM, and prints the connect string "
                    + "(127.0.0.1:2181,127.0.0.2:2181,127.0.0.3:2181 by default).",
                "",
                "Without --detach the replicas run in the foreground, their output prefixed [r1], [r2], ...; Ctrl-C "
                    + "or SIGTERM stops exactly them. A replica that exits is reported and the others keep serving. "
                    + "--nodes 1 is one node on 127.0.0.1:PORT (no peers).",
                "",
                "STATE is .viewkeeper next to the launcher. Replica I's settings are written to "
                    + "STATE/replica-I.cfg (zoo.cfg format), which 'viewkeeper node --config' also takes; its "
                    + "admin endpoint and web console listen on 127.0.0.I:8080 with the token in STATE/admin.token. "
                    + "Each replica keeps its state in its data directory, so starting the group again on the same "
                    + "--data-dir brings back every acknowledged write; --fresh starts empty. "
                    + "VIEWKEEPER_JAVA_OPTS (e.g. '-Xmx256m') is passed to every replica's JVM. Linux routes all "
                    + "of 127.0.0.0/8 to loopback (elsewhere, add aliases such as 127.0.0.2)."})
    public static final class StartCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
                description = "Replicas in the group: 1, 3 or 5 (default ${DEFAULT-VALUE}); replica I listens on "
                        + "127.0.0.I.")
        private int nodes;

        @Option(names = "--observers", paramLabel = "K", defaultValue = "0",
                description = "Observers beside the replicas (0 to " + GroupLayout.OBSERVERS_MAX + ", with --nodes 3 "
                        + "or 5): replicas N+1 .. N+K, on 127.0.0.(N+1) .., hold and serve the data and vote in "
                        + "nothing (ZooKeeper's observers).")
        private int observers;

        @Option(names = "--port", paramLabel = "N", defaultValue = "2181",
                description = "Client port of every replica, each on its own address (default ${DEFAULT-VALUE}).")
        private int port;

        @Option(names = "--peer-port", paramLabel = "N", defaultValue = "2888",
                description = "Replica I talks to its peers on 127.0.0.I port N+I (default ${DEFAULT-VALUE}, so "
                        + "2889, 2890, ...).")
        private int peerPort;

        @Option(names = "--admin-port", paramLabel = "N", defaultValue = "8080",
                description = "Admin endpoint (and web console) port of every replica, each on its own address "
                        + "(default ${DEFAULT-VALUE}).")
        private int adminPort;

        @Option(names = "--data-dir", paramLabel = "D",
                description = "Replica I's data directory is D/replica-I (default STATE/data).")
        private Path dataDir;

        @Option(names = "--reads", paramLabel = "MODE", defaultValue = "linearizable",
                description = "linearizable (default) or sequential (ZooKeeper's local reads).")
        private String reads;

        @Option(names = "--detach", description = "Run in the background: replica I's output goes to "
                + "STATE/replica-I.log and its PID to STATE/replica-I.pid; returns once every replica's client port "
                + "accepts connections (at most 60 s), or stops them all and shows the log of the one that failed.")
        private boolean detach;

        @Option(names = "--replica", paramLabel = "I", description = "Start only replica I of the group the other "
                + "options describe (after it crashed or was killed): it restarts from its data directory, or "
                + "recovers from its peers when that is empty or damaged.")
        private Integer replica;

        @Option(names = "--join", description = "With --replica I beyond the group's members: start replica I as a "
                + "new server of the running group, empty, its config naming the group's servers and itself as an "
                + "observer; then './viewkeeper ctl add-learner --id I --address 127.0.0.I:PEER:CLIENT' adds it online "
                + "(and 'ctl promote' or 'ctl replace' makes it a voter).")
        private boolean join;

        @Option(names = "--fresh", description = "Start a new, empty group: first delete D/replica-1 .. "
                + "D/replica-N, but only directories 'start' created (they hold the file "
                + GroupLayout.REPLICA_DIR_MARKER + "); refuse if one exists without it.")
        private boolean fresh;

        @Option(names = "--tls", description = "Also serve TLS clients, on --secure-port of every replica, with a "
                + "throwaway CA and certificates made once (keytool) in STATE/tls; prints the settings a ZooKeeper "
                + "client uses (client certificates wanted, not required).")
        private boolean tls;

        @Option(names = "--secure-port", paramLabel = "N", defaultValue = "2281",
                description = "The TLS client port with --tls (default ${DEFAULT-VALUE}).")
        private int securePort;

        @Option(names = "--state-dir", paramLabel = "STATE", defaultValue = STATE_DIR_DEFAULT, hidden = true,
                description = "Where configs, PID files, logs and the token go (the launcher passes its own).")
        private Path stateDir;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            String problem = problem();
            if (problem != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), problem);
            }
            Path state = stateDir.toAbsolutePath().normalize();
            Path data = dataDir == null ? state.resolve("data") : dataDir.toAbsolutePath().normalize();
            GroupLayout layout = new GroupLayout(nodes, port, peerPort, adminPort, data, reads, state)
                    .withObservers(observers);
            try {
                if (tls) {
                    layout = layout.withTls(securePort, LocalTls.ensure(state.resolve("tls")));
                }
                if (join) {
                    return launcher(layout, spec).join(replica, detach);
                }
                return launcher(layout, spec).start(replica == null ? 0 : replica, detach, fresh);
            } catch (IOException e) {
                return failed(err, e);
            } catch (InterruptedException e) {
                return interrupted(err);
            }
        }

        /** What is wrong with the options together, or null. */
        String problem() {
            if (nodes != 1 && nodes != 3 && nodes != 5) {
                return "--nodes must be 1, 3 or 5, got " + nodes;
            }
            if (observers < 0 || observers > GroupLayout.OBSERVERS_MAX || observers > 0 && nodes == 1) {
                return "--observers must be 0 to " + GroupLayout.OBSERVERS_MAX + ", and needs --nodes 3 or 5, got "
                        + observers + " with --nodes " + nodes;
            }
            int members = nodes + observers;
            if (port < 1 || port > 65535) {
                return "--port must be a number from 1 to 65535, got " + port;
            }
            if (peerPort < 1 || peerPort > 65535 - members) {
                return "--peer-port must be a number from 1 to " + (65535 - members) + ", got " + peerPort;
            }
            if (adminPort < 1 || adminPort > 65535 || adminPort == port
                    || (nodes > 1 && adminPort > peerPort && adminPort <= peerPort + members)) {
                return "--admin-port must be a number from 1 to 65535 other than the client and peer ports, got "
                        + adminPort;
            }
            if (tls && (securePort < 1 || securePort > 65535 || securePort == port || securePort == adminPort
                    || (nodes > 1 && securePort > peerPort && securePort <= peerPort + members))) {
                return "--secure-port must be a number from 1 to 65535 other than the client, admin and peer ports, "
                        + "got " + securePort;
            }
            if (nodes > 1 && port > peerPort && port <= peerPort + members) {
                return "--port " + port + " is one of the peer ports " + (peerPort + 1) + "-" + (peerPort + members);
            }
            if (!reads.equals("linearizable") && !reads.equals("sequential")) {
                return "--reads must be linearizable or sequential, got '" + reads + "'";
            }
            if (join && replica == null) {
                return "--join needs --replica I, the new server's number";
            }
            if (replica != null) {
                if (nodes == 1) {
                    return "--replica needs a group (--nodes 3 or 5); a single node has no peers";
                }
                if (join && (replica <= members || replica > GroupLayout.JOINING_MAX || fresh)) {
                    return "--join starts a new server: --replica must be a number from " + (members + 1) + " to "
                            + GroupLayout.JOINING_MAX + ", without --fresh, got " + replica;
                }
                if (!join && (replica < 1 || replica > members)) {
                    return "--replica must be a number from 1 to " + members + " (or beyond, with --join), got "
                            + replica;
                }
                if (fresh) {
                    return "--fresh starts a whole new group; it does not go with --replica";
                }
            }
            return null;
        }
    }

    @Command(name = "stop", description = {"Stops the replicas started with 'start --detach': for each "
            + "STATE/replica-I.pid (and the node.pid of a single node started by an older launcher) whose process "
            + "is still a Viewkeeper node, sends SIGTERM, waits up to 30 s for them to exit and removes the PID "
            + "files. Other processes are never signalled."})
    public static final class StopCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @Option(names = "--state-dir", paramLabel = "STATE", defaultValue = STATE_DIR_DEFAULT, hidden = true,
                description = "Where the PID files are (the launcher passes its own).")
        private Path stateDir;

        @Override
        public Integer call() {
            Path state = stateDir.toAbsolutePath().normalize();
            GroupLayout layout = new GroupLayout(1, 2181, 2888, GroupLayout.ADMIN_PORT_DEFAULT, state.resolve("data"),
                    "linearizable", state);
            try {
                return launcher(layout, spec).stop();
            } catch (IOException e) {
                return failed(spec.commandLine().getErr(), e);
            } catch (InterruptedException e) {
                return interrupted(spec.commandLine().getErr());
            }
        }
    }

    @Command(name = "server-script", hidden = true, description = "The verbs of bin/vkServer.sh (zkServer.sh's) for "
            + "one replica of a zoo.cfg: start, stop, restart, status, print-cmd, and foreground-command (the "
            + "command start-foreground execs, NUL-separated).")
    public static final class ServerScriptCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        private boolean help;

        @CommandLine.Parameters(index = "0", paramLabel = "VERB",
                description = "start, stop, restart, status, print-cmd or foreground-command.")
        private String verb;

        @Option(names = "--config", paramLabel = "FILE", required = true, description = "The replica's zoo.cfg.")
        private Path config;

        @Option(names = "--conf-dir", paramLabel = "DIR", required = true,
                description = "ZOOCFGDIR: where logback.xml is looked for.")
        private Path confDir;

        @Override
        public Integer call() {
            String classpath = System.getenv(CLASSPATH_VARIABLE);
            if (classpath == null || classpath.isBlank()) {
                classpath = System.getProperty("java.class.path");
            }
            ServerScript script = new ServerScript(config.toAbsolutePath(), confDir.toAbsolutePath(), classpath,
                    System.getenv(), spec.commandLine().getOut(), spec.commandLine().getErr());
            try {
                return switch (verb) {
                    case "start" -> script.start();
                    case "stop" -> script.stop();
                    case "restart" -> script.restart();
                    case "status" -> script.status();
                    case "print-cmd" -> script.printCommand();
                    case "foreground-command" -> script.foregroundCommand();
                    default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown verb '" + verb
                            + "': start, stop, restart, status, print-cmd or foreground-command");
                };
            } catch (IOException e) {
                return failed(spec.commandLine().getErr(), e);
            } catch (InterruptedException e) {
                return interrupted(spec.commandLine().getErr());
            }
        }
    }
}
