package io.viewkeeper.bench;

import io.viewkeeper.server.launch.LocalTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * A group of server JVMs of one system on loopback, server i (from 1) on 127.0.0.i with the same client port. The
 * group starts and stops only the processes it started; start returns once every server answers srvr with a mode
 * and one of them leads (or runs standalone).
 */
public abstract class ServerGroup implements AutoCloseable {
    static final long START_TIMEOUT_MS = 120_000;
    static final long POLL_MS = 100;

    /** Where and how the servers of a group run; jvmOptions (the heap) are the same for every system. */
    public record Settings(String system, int nodes, int clientPort, Path workDir, Path javaExecutable,
            List<String> jvmOptions, List<Path> classpath) {
        public Settings {
            if (nodes < 1 || nodes > 7) {
                throw new IllegalArgumentException("nodes in [1, 7], got " + nodes);
            }
            if (clientPort < 1024 || clientPort > 65_000) {
                throw new IllegalArgumentException("clientPort in [1024, 65000], got " + clientPort);
            }
            jvmOptions = List.copyOf(jvmOptions);
            classpath = List.copyOf(classpath);
        }
    }

    protected final Settings settings;
    /** How many of the last servers are observers (learners), in no quorum. */
    private int observers;
    /** How many of the last servers join later: only their own file lists them, until a reconfig adds them. */
    private int joining;
    /** Whether the group takes ZooKeeper's reconfig (reconfigEnabled, and the superuser's or ACL-free access). */
    private boolean reconfig;
    private final List<ServerProcess> processes = new ArrayList<>();
    private final boolean tls;
    private LocalTls certificates;

    /** @param tls clients on a TLS-only port with client certificates, and TLS between the servers */
    protected ServerGroup(Settings settings, boolean tls) {
        this.settings = settings;
        this.tls = tls;
    }

    protected boolean tls() {
        return tls;
    }

    /** The TLS port of each server, beside the plain one (which four-letter words and probes use). */
    int securePort() {
        return settings.clientPort() + 3;
    }

    /**
     * The zoo.cfg lines of TLS for clients and between servers, with the group's throwaway certificates; the secure
     * port on server {@code id}'s own address (ZooKeeper binds it on every address otherwise).
     */
    protected List<String> tlsConfigLines(int id) {
        List<String> lines = new ArrayList<>(certificates.configLines(securePort()));
        lines.add("secureClientPortAddress=" + host(id));
        return lines;
    }

    /** Where the load's clients connect: the TLS port with TLS, else the plain one. */
    public List<String> clientAddresses() {
        if (!tls) {
            return addresses();
        }
        List<String> secure = new ArrayList<>();
        for (int id = 1; id <= settings.nodes(); id++) {
            secure.add(host(id) + ":" + securePort());
        }
        return secure;
    }

    /** A client's settings: ZooKeeper's Netty TLS client with the group's CA and a client certificate. */
    public ZKClientConfig clientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        if (tls) {
            config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            config.setProperty("zookeeper.ssl.trustStore.location", certificates.trustStore().toString());
            config.setProperty("zookeeper.ssl.trustStore.password", certificates.password());
            config.setProperty("zookeeper.ssl.keyStore.location", certificates.clientStore().toString());
            config.setProperty("zookeeper.ssl.keyStore.password", certificates.password());
        }
        return config;
    }

    public String system() {
        return settings.system();
    }

    static String host(int id) {
        return "127.0.0." + id;
    }

    /** The configuration file of server id (from 1). */
    protected abstract String config(int id, Path dataDir);

    /** Writes anything beyond the config file the server needs in its data directory. */
    protected void prepareDataDir(int id, Path dataDir) throws IOException {
    }

    protected abstract String mainClass();

    protected abstract List<String> arguments(Path configFile);

    /** Keeps the jars this system's servers load; the two systems share a directory of copies. */
    protected abstract boolean onClasspath(Path jar);

    /** JVM options of this system's server whose data is in {@code dataDir}, beyond the bench's own. */
    protected List<String> extraJvmOptions(Path dataDir) {
        return List.of();
    }

    public void start() throws IOException, InterruptedException {
        for (int id = 1; id <= settings.nodes(); id++) {
            if (FourLetterWord.accepts(host(id), settings.clientPort())) {
                throw new IOException("port " + settings.clientPort() + " on " + host(id) + " is already in use; "
                        + "choose another --base-port");
            }
        }
        makeCertificates();
        launch();
        awaitServing();
    }

    /**
     * Starts every server again on the data directories of the first start, once all have exited (after
     * {@link #killAll}); returns at once, without waiting for them to serve, so the caller can time that.
     */
    public void restart() throws IOException {
        for (ServerProcess process : processes) {
            if (process.isAlive()) {
                throw new IllegalStateException(process.name() + " (pid " + process.pid() + ") is still running");
            }
        }
        if (processes.size() != settings.nodes() - joining) {
            throw new IllegalStateException("restart of a group that was not started");
        }
        processes.clear();
        launch();
    }

    /** SIGKILL (kill -9) to every server of the group first, then waits for each to exit. */
    public void killAll() throws InterruptedException {
        ServerProcess.killAll(processes);
    }

    /** Makes the last {@code count} servers observers (ZooKeeper's {@code :observer}); before {@link #start}. */
    public ServerGroup withObservers(int count) {
        if (count < 0 || settings.nodes() - count < 3) {
            throw new IllegalArgumentException(count + " observers of " + settings.nodes() + " servers leave fewer "
                    + "than 3 voters");
        }
        observers = count;
        return this;
    }

    /**
     * Makes the last {@code count} servers new ones that join the running group (see {@link #startJoining}), as
     * observers, and turns ZooKeeper's reconfig on; before {@link #start}.
     */
    public ServerGroup withJoining(int count) {
        withObservers(count);
        joining = count;
        reconfig = true;
        return this;
    }

    /** Whether the group takes ZooKeeper's reconfig. */
    protected boolean reconfig() {
        return reconfig;
    }

    /** Whether server {@code peer}'s line is in server {@code self}'s file: a joining server's only in its own. */
    protected boolean listed(int peer, int self) {
        return peer <= settings.nodes() - joining || peer == self;
    }

    /** The line a reconfig adds server {@code id} with: ZooKeeper's dynamic form, as {@code role}. */
    public String serverLine(int id, String role) {
        return "server." + id + "=" + host(id) + ":" + (settings.clientPort() + 1) + ":" + (settings.clientPort() + 2)
                + ":" + role + ";" + host(id) + ":" + settings.clientPort();
    }

    /** Starts the joining servers and waits until each answers srvr (whatever it says). */
    public void startJoining() throws IOException, InterruptedException {
        for (int id = settings.nodes() - joining + 1; id <= settings.nodes(); id++) {
            launch(id);
        }
        long deadline = System.nanoTime() + START_TIMEOUT_MS * 1_000_000;
        for (int id = settings.nodes() - joining + 1; id <= settings.nodes(); id++) {
            while (!FourLetterWord.accepts(host(id), settings.clientPort())) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("joining server " + id + " did not listen within " + START_TIMEOUT_MS
                            + " ms");
                }
                Thread.sleep(POLL_MS);
            }
        }
    }

    /** Whether server {@code id} (from 1) is an observer. */
    protected boolean observer(int id) {
        return id > settings.nodes() - observers;
    }

    /** The addresses of the voters (participants) only. */
    public List<String> voterAddresses() {
        return addresses().subList(0, settings.nodes() - observers);
    }

    /** The directory server id (from 1) keeps its state in; the same across restarts. */
    public Path dataDir(int id) {
        return settings.workDir().resolve(settings.system()).resolve("data-" + id);
    }

    /** With TLS: the group's throwaway CA and certificates (keytool), made once in its directory. */
    void makeCertificates() throws IOException, InterruptedException {
        if (tls && certificates == null) {
            certificates = LocalTls.ensure(settings.workDir().resolve(settings.system()).resolve("tls"));
        }
    }

    private void launch() throws IOException {
        for (int id = 1; id <= settings.nodes() - joining; id++) {
            launch(id);
        }
    }

    private void launch(int id) throws IOException {
        Path groupDir = settings.workDir().resolve(settings.system());
        Files.createDirectories(groupDir);
        Path dataDir = dataDir(id);
        Files.createDirectories(dataDir);
        prepareDataDir(id, dataDir);
        Path configFile = groupDir.resolve("server-" + id + ".cfg");
        Files.writeString(configFile, config(id, dataDir));
        List<String> jvmOptions = new ArrayList<>(settings.jvmOptions());
        jvmOptions.addAll(extraJvmOptions(dataDir));
        ServerProcess.ServerSpec spec = new ServerProcess.ServerSpec(settings.system() + "-" + id, host(id),
                settings.clientPort(), settings.javaExecutable(), jvmOptions, classpath(), mainClass());
        processes.add(ServerProcess.start(spec, arguments(configFile), groupDir.resolve("server-" + id + ".log")));
    }

    protected String classpath() {
        List<String> entries = new ArrayList<>();
        for (Path entry : settings.classpath()) {
            if (Files.isDirectory(entry) || onClasspath(entry)) {
                entries.add(entry.toString());
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private void awaitServing() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (ServerProcess process : processes) {
                if (!process.isAlive()) {
                    close();
                    throw new IOException(process.name() + " exited during startup; see its log under "
                            + settings.workDir().resolve(settings.system()));
                }
            }
            if (allAnswer() && leaderIndex().isPresent()) {
                return;
            }
            Thread.sleep(POLL_MS);
        }
        close();
        throw new IOException(settings.system() + " did not serve within " + START_TIMEOUT_MS + " ms");
    }

    private boolean allAnswer() {
        for (ServerProcess process : processes) {
            if (process.isAlive() && FourLetterWord.mode(process.host(), process.clientPort()).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** The index (from 0) of the live server whose srvr says Mode: leader or standalone. */
    public Optional<Integer> leaderIndex() {
        for (int i = 0; i < processes.size(); i++) {
            ServerProcess process = processes.get(i);
            if (!process.isAlive()) {
                continue;
            }
            Optional<String> mode = FourLetterWord.mode(process.host(), process.clientPort());
            if (mode.isPresent() && (mode.get().equals("leader") || mode.get().equals("standalone"))) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    public String settingsSummary() {
        return settings.nodes() + " JVMs, 127.0.0.1-" + settings.nodes() + ":" + settings.clientPort() + ", "
                + String.join(" ", settings.jvmOptions());
    }

    public List<ServerProcess> processes() {
        return List.copyOf(processes);
    }

    public List<String> addresses() {
        return processes.stream().map(ServerProcess::address).toList();
    }

    @Override
    public void close() throws InterruptedException {
        for (ServerProcess process : processes) {
            process.stop();
        }
    }

    static String fileName(Path jar) {
        return jar.getFileName().toString();
    }
}
