package io.viewkeeper.server;

import static io.viewkeeper.server.peer.PeerWire.assertClosed;
import static io.viewkeeper.server.peer.PeerWire.dial;
import static io.viewkeeper.server.peer.PeerWire.frame;
import static io.viewkeeper.server.peer.PeerWire.free;
import static io.viewkeeper.server.peer.PeerWire.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.consensus.Message;
import io.viewkeeper.server.peer.PeerFrames;
import io.viewkeeper.server.peer.PeerSecurity;
import io.viewkeeper.server.peer.PeerTransport;
import io.viewkeeper.server.tls.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer connections over mutual TLS with ZooKeeper's {@code sslQuorum}, {@code portUnification} and
 * {@code ssl.quorum.*} keys: members with certificates of the group's CA talk; a plain dial to a TLS-only port, a
 * TLS dial to a plain-only port, a certificate of another CA and a dial without a certificate are dropped; with
 * port unification both kinds are taken.
 */
class PeerTlsTest {
    private static final long CLUSTER = 0x7157L;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path certificates;
    private static Map<String, String> stores;
    private static Map<String, String> otherCaStores;
    private static TestCertificates ca;

    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final List<PeerTransport> started = new ArrayList<>();
    private List<InetSocketAddress> members;

    @BeforeAll
    static void issue() throws Exception {
        ca = new TestCertificates();
        stores = stores(ca, certificates.resolve("group"));
        otherCaStores = stores(new TestCertificates(), certificates.resolve("other"));
    }

    private static Map<String, String> stores(TestCertificates authority, Path prefix) throws Exception {
        Path keys = authority.issue("CN=replica").keyStore(Path.of(prefix + "-keys.p12"));
        Path trust = authority.trustStore(Path.of(prefix + "-trust.p12"));
        return Map.of("ssl.quorum.keyStore.location", keys.toString(),
                "ssl.quorum.keyStore.password", TestCertificates.PASSWORD,
                "ssl.quorum.trustStore.location", trust.toString(),
                "ssl.quorum.trustStore.password", TestCertificates.PASSWORD);
    }

    @BeforeEach
    void addresses() throws IOException {
        members = List.of(free("127.0.0.1"), free("127.0.0.2"), free("127.0.0.3"));
    }

    @AfterEach
    void stop() {
        started.forEach(PeerTransport::close);
    }

    @Test
    void shouldDeliverBetweenMembersOverMutualTls() throws Exception {
        start(0, tls(true, false, stores), received);
        PeerTransport sender = start(1, tls(true, false, stores), new LinkedBlockingQueue<>());
        assertDelivered(sender, 1);
    }

    @Test
    void shouldDropPlainDialToTlsOnlyPort() throws Exception {
        start(0, tls(true, false, stores), received);
        try (Socket socket = dial(members.get(0), "127.0.0.2")) {
            socket.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
            socket.getOutputStream().write(frame(PeerFrames.CONSENSUS, io.viewkeeper.server.peer.PeerCodec.encode(
                    new Message.PrepareOk(3, 9, 1))));
            assertClosed(socket);
        }
        PeerTransport plain = start(1, PeerSecurity.plain(), new LinkedBlockingQueue<>());
        assertNothingFrom(plain, 1);
    }

    @Test
    void shouldDropTlsDialToPlainOnlyPort() throws Exception {
        start(0, PeerSecurity.plain(), received);
        PeerTransport secure = start(1, tls(true, false, stores), new LinkedBlockingQueue<>());
        assertNothingFrom(secure, 1);
    }

    @Test
    void shouldDropDialWithCertificateOfAnotherCa() throws Exception {
        start(0, tls(true, false, stores), received);
        PeerTransport stranger = start(1, tls(true, false, otherCaStores), new LinkedBlockingQueue<>());
        PeerTransport member = start(2, tls(true, false, stores), new LinkedBlockingQueue<>());
        assertDelivered(member, 2);
        assertNothingFrom(stranger, 1);
    }

    @Test
    void shouldRefuseHandshakeWithoutClientCertificate() throws Exception {
        start(0, tls(true, false, stores), received);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(Path.of(stores.get(
                "ssl.quorum.trustStore.location")))) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (Socket raw = dial(members.get(0), "127.0.0.2");
                SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw,
                        members.get(0).getHostString(), members.get(0).getPort(), true)) {
            assertThatThrownBy(() -> {
                socket.startHandshake();
                socket.getOutputStream().write(frame(PeerFrames.HELLO, hello(1, CLUSTER)));
                socket.getOutputStream().flush();
                while (socket.getInputStream().read() >= 0) {
                    // a TLS 1.3 server refuses the missing certificate after the client's handshake ends
                }
                throw new IOException("closed without an alert");
            }).as("a dial without a certificate is refused").isInstanceOf(IOException.class);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void shouldTakeBothKindsWithPortUnification() throws Exception {
        start(0, tls(false, true, stores), received);
        PeerTransport plain = start(1, PeerSecurity.plain(), new LinkedBlockingQueue<>());
        PeerTransport secure = start(2, tls(true, true, stores), new LinkedBlockingQueue<>());
        assertDelivered(plain, 1);
        assertDelivered(secure, 2);
    }

    /**
     * Store files replaced on disk (a renewal): new connections use them, without a restart, and a connection made
     * before goes on. Replica 1 starts with a certificate of another CA, refused, and is taken once its key store
     * holds one of the group's; replica 0's own certificate is then renewed under replica 2's open connection.
     */
    @Test
    void shouldUseReplacedStoresForNewConnectionsAndKeepEstablishedOnes() throws Exception {
        Path keys0 = ca.issue("CN=replica-0").keyStore(certificates.resolve("reload-0.p12"));
        Path keys1 = new TestCertificates().issue("CN=replica-1").keyStore(certificates.resolve("reload-1.p12"));
        java.util.concurrent.atomic.AtomicLong clock0 = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong clock1 = new java.util.concurrent.atomic.AtomicLong();
        List<String> events2 = new java.util.concurrent.CopyOnWriteArrayList<>();
        start(0, tls(withKeyStore(keys0), clock0), received);
        PeerTransport member = start(2, tls(true, false, stores), new LinkedBlockingQueue<>(), events2);
        assertDelivered(member, 2);
        PeerTransport renewing = start(1, tls(withKeyStore(keys1), clock1), new LinkedBlockingQueue<>());
        assertNothingFrom(renewing, 1);

        ca.issue("CN=replica-1-renewed").keyStore(keys1);
        clock1.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        assertDelivered(renewing, 1);

        ca.issue("CN=replica-0-renewed").keyStore(keys0);
        clock0.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        received.clear();
        assertDelivered(member, 2);
        assertThat(events2).as("replica 2's connection to replica 0, made before the renewal, was never lost")
                .doesNotContain("lost 0");
        received.clear();
        assertDelivered(renewing, 1);
    }

    private static Map<String, String> withKeyStore(Path keys) {
        Map<String, String> ssl = new java.util.HashMap<>(stores);
        ssl.put("ssl.quorum.keyStore.location", keys.toString());
        return ssl;
    }

    private static PeerSecurity tls(Map<String, String> ssl, java.util.concurrent.atomic.AtomicLong clock) {
        PeerSecuritySettings settings = new PeerSecuritySettings(true, false, ssl, null, false);
        return PeerSecurity.of(true, false, PeerSslEngines.create(settings, clock::get), null, false);
    }

    @Test
    void shouldRefuseConfigWithoutQuorumStores() {
        Properties p = new Properties();
        p.setProperty("dataDir", certificates.toString());
        p.setProperty("portUnification", "true");
        p.setProperty("ssl.quorum.keyStore.location", stores.get("ssl.quorum.keyStore.location"));
        assertThatThrownBy(() -> NodeConfig.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl.quorum.trustStore.location");
        Properties wrongPassword = new Properties();
        stores.forEach(wrongPassword::setProperty);
        wrongPassword.setProperty("ssl.quorum.keyStore.password", "not-it");
        wrongPassword.setProperty("dataDir", certificates.toString());
        wrongPassword.setProperty("sslQuorum", "true");
        PeerSecuritySettings settings = NodeConfig.parse(wrongPassword).peerSecurity();
        assertThatThrownBy(() -> PeerSslEngines.create(settings, System::currentTimeMillis))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.quorum.keyStore.location");
    }

    private static PeerSecurity tls(boolean sslQuorum, boolean portUnification, Map<String, String> ssl) {
        PeerSecuritySettings settings = new PeerSecuritySettings(sslQuorum, portUnification, ssl, null, false);
        return PeerSecurity.of(sslQuorum, portUnification, PeerSslEngines.create(settings,
                System::currentTimeMillis), null, false);
    }

    private PeerTransport start(int index, PeerSecurity security, BlockingQueue<Message> into) throws Exception {
        return start(index, security, into, new ArrayList<>());
    }

    /** A transport delivering into {@code into}, telling {@code lost} of every peer connection lost ("lost 0"). */
    private PeerTransport start(int index, PeerSecurity security, BlockingQueue<Message> into, List<String> lost)
            throws Exception {
        PeerTransport transport = new PeerTransport(index, CLUSTER, members,
                io.viewkeeper.server.peer.PeerWire.receiver(into, lost), 1 << 20, security);
        transport.start();
        started.add(transport);
        return transport;
    }

    private void assertDelivered(PeerTransport sender, int index) {
        await().atMost(WAIT).until(() -> {
            sender.send(0, new Message.PrepareOk(3, 9, index));
            sender.flushWrites();
            return received.stream().anyMatch(m -> m.from() == index);
        });
    }

    private void assertNothingFrom(PeerTransport sender, int index) {
        await("nothing from replica " + index + " while it keeps sending").during(Duration.ofSeconds(2))
                .atMost(WAIT).until(() -> {
                    sender.send(0, new Message.PrepareOk(3, 9, index));
                    sender.flushWrites();
                    return received.stream().noneMatch(m -> m.from() == index);
                });
    }





}
