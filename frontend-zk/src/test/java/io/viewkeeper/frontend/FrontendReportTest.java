package io.viewkeeper.frontend;

import static io.viewkeeper.frontend.FrontendHarness.readAllHex;
import static io.viewkeeper.frontend.FrontendHarness.request;
import static io.viewkeeper.frontend.FrontendHarness.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.proto.GetDataRequest;
import org.junit.jupiter.api.Test;

/** What the admin endpoint and the metrics learn from the frontend: answered requests, and the report's copies. */
class FrontendReportTest {

    private final FrontendHarness harness = new FrontendHarness();
    private final List<String> answered = new ArrayList<>();
    private long clock;

    FrontendReportTest() {
        harness.core.setRequestListener(new RequestListener() {
            @Override
            public long nanoTime() {
                clock += 1_000;
                return clock;
            }

            @Override
            public void onAnswered(int opCode, long latencyNanos, int errorCode) {
                answered.add(OpCode.name(opCode) + " err=" + errorCode + " took=" + latencyNanos);
            }
        });
    }

    @Test
    void shouldTellListenerOfEachReadAndWriteWhenTheyAreAnswered() {
        EmbeddedChannel client = harness.connected();
        send(client, GoldenBytesTest.create(1, "/a", "x"));
        send(client, request(2, OpCode.GET_DATA, new GetDataRequest("/a", false)));
        send(client, request(3, OpCode.GET_DATA, new GetDataRequest("/missing", false)));
        readAllHex(client);

        assertThat(answered).containsExactly("create err=0 took=1000", "getData err=0 took=1000",
                "getData err=-101 took=1000");
    }

    @Test
    void shouldReportConnectionSessionAndTreeWhenClientHasCreatedANode() {
        EmbeddedChannel client = harness.connected();
        send(client, GoldenBytesTest.create(1, "/a", "hello"));
        send(client, request(2, OpCode.GET_DATA, new GetDataRequest("/a", true)));
        readAllHex(client);
        FrontendReport report = new FrontendReport(harness.core);

        FrontendReport.Server server = report.server();
        assertThat(server.tree().nodeCount()).isEqualTo(FourLetterWords.nodeCount(harness.stateMachine.tree()));
        assertThat(server.tree().approximateDataSize()).isEqualTo(harness.stateMachine.tree().approximateDataSize());
        assertThat(server.sessions()).isEqualTo(1);
        assertThat(server.connections()).isEqualTo(1);
        assertThat(report.connections()).singleElement().satisfies(c -> {
            assertThat(c.sessionId()).isEqualTo(FrontendHarness.FIRST_SESSION_ID);
            assertThat(c.lastOperation()).isEqualTo("GETD");
            assertThat(c.packetsReceived()).isEqualTo(3);
        });
        assertThat(report.sessions(10)).singleElement().satisfies(s -> {
            assertThat(s.sessionId()).isEqualTo(FrontendHarness.FIRST_SESSION_ID);
            assertThat(s.connectedHere()).isTrue();
            assertThat(s.timeoutMs()).isEqualTo(30_000);
        });
        assertThat(report.session(42)).isNull();
        assertThat(report.sessionsByWatchedPath()).containsEntry("/a", List.of(FrontendHarness.FIRST_SESSION_ID));
        assertThat(report.watchedPathsBySession()).containsEntry(FrontendHarness.FIRST_SESSION_ID, List.of("/a"));
        assertThat(report.watchCount()).isEqualTo(1);
    }
}
