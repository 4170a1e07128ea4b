package io.viewkeeper.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A zoo.cfg of any text: reading it either gives a configuration or fails with ConfigException (a key and a
 * reason) or IOException (a file that is not properties), never another exception, which would reach the operator
 * as a stack trace. Seeds: a standalone file, a group member's file with TLS and SASL keys, and a refused one.
 */
class ZooCfgFuzzTest {
    private static Path file;

    static Stream<byte[]> seeds() {
        return Stream.of("""
                tickTime=2000
                dataDir=/var/lib/viewkeeper
                clientPort=2181
                4lw.commands.whitelist=srvr,ruok
                """, """
                tickTime=2000
                initLimit=10
                dataDir=/var/lib/viewkeeper
                server.1=zk1:2888:3888;2181
                server.2=zk2:2888:3888;2181
                server.3=127.0.0.3:2888:3888;127.0.0.3:2181
                serverId=2
                secureClientPort=2281
                ssl.keyStore.location=/etc/zk/keys.p12
                ssl.trustStore.location=/etc/zk/trust.p12
                sslQuorum=true
                ssl.quorum.keyStore.location=/etc/zk/keys.p12
                ssl.quorum.trustStore.location=/etc/zk/trust.p12
                peer.auth.secretFile=/etc/zk/peer.secret
                enforce.auth.enabled=true
                enforce.auth.schemes=sasl,x509
                admin.serverPort=8080
                reads=sequential
                """, """
                dataDir=
                clientPort=-1
                tickTime=\\u00zz
                """).map(text -> text.getBytes(StandardCharsets.UTF_8));
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldReadOrRefuseAnyText(byte[] bytes) throws IOException {
        if (file == null) {
            file = Files.createTempFile("fuzz-zoo", ".cfg");
            file.toFile().deleteOnExit();
        }
        Files.write(file, bytes);
        try {
            NodeConfig.read(file);
        } catch (ConfigException | IOException refused) {
            // a clear refusal naming the key, or a file that is not properties
        }
    }
}
