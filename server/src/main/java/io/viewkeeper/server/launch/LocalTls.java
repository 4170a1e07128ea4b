package io.viewkeeper.server.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway TLS material for a local group ({@code viewkeeper start --tls}), made once with the JDK's keytool in
 * {@code STATE/tls}: a CA, a server key store (PKCS12) whose certificate names 127.0.0.1-5 and localhost, a client
 * key store, and a trust store holding the CA, used for clients and between the replicas. For trying TLS on one
 * machine; production groups bring their own certificates through the ssl.* and ssl.quorum.* keys.
 */
public final class LocalTls {
    static final String SERVER_STORE = "server.p12";
    static final String CLIENT_STORE = "client.p12";
    static final String TRUST_STORE = "truststore.p12";
    static final String PASSWORD_FILE = "password";
    private static final int KEYTOOL_TIMEOUT_SECONDS = 60;
    private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1,ip:127.0.0.2,ip:127.0.0.3,ip:127.0.0.4,"
            + "ip:127.0.0.5";

    private final Path dir;
    private final String password;

    private LocalTls(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** The material in {@code dir}, made first when it is not there (or is incomplete). */
    public static LocalTls ensure(Path dir) throws IOException, InterruptedException {
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        if (Files.isRegularFile(passwordFile) && Files.isRegularFile(dir.resolve(SERVER_STORE))
                && Files.isRegularFile(dir.resolve(CLIENT_STORE)) && Files.isRegularFile(dir.resolve(TRUST_STORE))) {
            return new LocalTls(dir, Files.readString(passwordFile, StandardCharsets.UTF_8).trim());
        }
        Files.createDirectories(dir);
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // keys and their password: for the owner only
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        try (var old = Files.list(dir)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        LocalTls tls = new LocalTls(dir, HexFormat.of().formatHex(random));
        tls.make();
        Files.writeString(passwordFile, tls.password, StandardCharsets.UTF_8);
        return tls;
    }

    private void make() throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", "CN=Viewkeeper local CA", "-ext", "bc:c", "-keystore", "ca.p12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        issue(SERVER_STORE, "CN=Viewkeeper local server");
        issue(CLIENT_STORE, "CN=Viewkeeper local client");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", TRUST_STORE);
    }

    /** A key pair in {@code store}, its certificate signed by the CA, the chain imported back. */
    private void issue(String store, String subject) throws IOException, InterruptedException {
        String name = store.substring(0, store.indexOf('.'));
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", subject, "-keystore", store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr", "-outfile",
                name + ".pem", "-validity", "825", "-ext", SAN, "-ext", "EKU=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
        keytool("-importcert", "-alias", name, "-file", name + ".pem", "-keystore", store);
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("keytool " + args[0] + " failed: " + output.trim());
        }
    }

    public Path serverStore() {
        return dir.resolve(SERVER_STORE);
    }

    public Path clientStore() {
        return dir.resolve(CLIENT_STORE);
    }

    public Path trustStore() {
        return dir.resolve(TRUST_STORE);
    }

    public String password() {
        return password;
    }

    /**
     * The zoo.cfg lines that give a replica TLS on {@code securePort} with this material, and mutual TLS between
     * the replicas (sslQuorum, the server certificate on both sides).
     */
    public List<String> configLines(int securePort) {
        return List.of("secureClientPort=" + securePort,
                "ssl.keyStore.location=" + serverStore(), "ssl.keyStore.password=" + password,
                "ssl.trustStore.location=" + trustStore(), "ssl.trustStore.password=" + password,
                "ssl.clientAuth=want", "sslQuorum=true",
                "ssl.quorum.keyStore.location=" + serverStore(), "ssl.quorum.keyStore.password=" + password,
                "ssl.quorum.trustStore.location=" + trustStore(), "ssl.quorum.trustStore.password=" + password);
    }

    /** What a ZooKeeper Java client (zkCli's CLIENT_JVMFLAGS, say) sets to connect with it. */
    public String clientFlags() {
        return "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty -Dzookeeper.client.secure=true"
                + " -Dzookeeper.ssl.trustStore.location=" + trustStore() + " -Dzookeeper.ssl.trustStore.password="
                + password + " -Dzookeeper.ssl.keyStore.location=" + clientStore()
                + " -Dzookeeper.ssl.keyStore.password=" + password;
    }
}
