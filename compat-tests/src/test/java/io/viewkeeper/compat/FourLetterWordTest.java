package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;

/** Four-letter words sent as the first bytes of a raw connection (§7.1). */
class FourLetterWordTest extends CompatTestBase {

    static String send(int port, String word) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            in.transferTo(text);
            return text.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldAnswerRuokAndIsroWithoutNewline() throws Exception {
        assertThat(send(server.clientPort(), "ruok")).isEqualTo("imok");
        assertThat(send(server.clientPort(), "isro")).isEqualTo("rw");
    }

    @Test
    void shouldReportStandaloneModeInSrvrAndStat() throws Exception {
        String srvr = send(server.clientPort(), "srvr");
        assertThat(srvr).startsWith("Zookeeper version: ").contains("\nMode: standalone\n")
                .containsPattern("\nZxid: 0x[0-9a-f]+\n").containsPattern("\nNode count: \\d+\n")
                .containsPattern("\nLatency min/avg/max: ");
        String stat = send(server.clientPort(), "stat");
        assertThat(stat).startsWith("Zookeeper version: ").contains("\nClients:\n").contains("Mode: standalone");
    }

    /** ZooKeeper's own four-letter-word client, which zkServer.sh status runs, half-closes after the word. */
    @Test
    void shouldAnswerAClientThatEndsItsInputAfterTheWord() throws Exception {
        String srvr = org.apache.zookeeper.client.FourLetterWordMain.send4LetterWord("127.0.0.1",
                server.clientPort(), "srvr");
        assertThat(srvr).contains("Mode: standalone");
        assertThat(org.apache.zookeeper.client.FourLetterWordMain.send4LetterWord("127.0.0.1", server.clientPort(),
                "ruok")).isEqualTo("imok\n");
    }

    @Test
    void shouldCountZnodesInMntr() throws Exception {
        ZooKeeper zk = client().zk();
        zk.create("/mntr", null, Zk.OPEN, org.apache.zookeeper.CreateMode.PERSISTENT);
        // ZooKeeper's node map holds the root under both "" and "/": getAllChildrenNumber("/") is its size - 2,
        // and the node count mntr and srvr print is the full size
        int nodes = zk.getAllChildrenNumber("/") + 2;
        String mntr = send(server.clientPort(), "mntr");
        assertThat(mntr).startsWith("zk_version\t").contains("\nzk_server_state\tstandalone\n")
                .contains("\nzk_znode_count\t" + nodes + "\n").contains("\nzk_ephemerals_count\t0\n");
        assertThat(send(server.clientPort(), "srvr")).contains("\nNode count: " + nodes + "\n");
        zk.delete("/mntr", -1);
    }

    @Test
    void shouldPrintConfAndWatchSummary() throws Exception {
        String conf = send(server.clientPort(), "conf");
        assertThat(conf).contains("clientPort=" + server.clientPort() + "\n").contains("tickTime=2000\n")
                .contains("maxClientCnxns=60\n").contains("minSessionTimeout=4000\n")
                .contains("maxSessionTimeout=40000\n");
        ZooKeeper zk = client().zk();
        zk.exists("/wchs-a", true);
        zk.exists("/wchs-b", true);
        EventLog.roundTrip(zk);
        assertThat(send(server.clientPort(), "wchs")).isEqualTo("1 connections watching 2 paths\nTotal watches:2\n");
        String wchc = send(server.clientPort(), "wchc");
        assertThat(wchc).startsWith("0x" + Long.toHexString(zk.getSessionId()) + "\n").endsWith("\n\n");
        // the paths come in the order of an internal hash set
        assertThat(wchc.lines().skip(1).filter(l -> !l.isEmpty()).toList())
                .containsExactlyInAnyOrder("\t/wchs-a", "\t/wchs-b");
        assertThat(send(server.clientPort(), "crst")).isEqualTo("Connection stats reset.\n");
        assertThat(send(server.clientPort(), "srst")).isEqualTo("Server stats reset.\n");
    }

    @Test
    void shouldRefuseWordsOutsideTheWhitelist() throws Exception {
        try (TargetServer restricted = TargetServer.start(TargetServer.Kind.selected(),
                ServerSettings.defaults().withFourLetterWords(Set.of("srvr")), classDir.resolve("restricted"))) {
            assertThat(send(restricted.clientPort(), "ruok"))
                    .isEqualTo("ruok is not executed because it is not in the whitelist.\n");
            assertThat(send(restricted.clientPort(), "mntr"))
                    .isEqualTo("mntr is not executed because it is not in the whitelist.\n");
            assertThat(send(restricted.clientPort(), "srvr")).contains("Mode: standalone");
        }
    }
}
