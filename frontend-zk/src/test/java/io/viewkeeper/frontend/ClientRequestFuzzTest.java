package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.MultiHeader;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetWatches;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.AddWatchRequest;

/**
 * Any bytes as a request on an established session, through the whole frontend (frame decoding, jute decoding,
 * conversion to an operation, the replica-thread handling, apply and reply): the frontend answers, waits for the
 * rest of a frame, or closes the connection; nothing throws, since an exception on the replica thread stops the
 * node; and a new session is served afterwards. Seeds: whole frames of the common requests.
 */
class ClientRequestFuzzTest {
    private static final List<ACL> OPEN = List.of(new ACL(31, new Id("world", "anyone")));
    private static final int EPHEMERAL_SEQUENTIAL = 3;
    private static final int PERSISTENT_WITH_TTL = 5;

    static Stream<byte[]> seeds() {
        byte[] data = "value".getBytes(StandardCharsets.US_ASCII);
        return Stream.of(
                FrontendHarness.request(1, OpCode.CREATE, new CreateRequest("/a", data, OPEN, 0)),
                FrontendHarness.request(2, OpCode.CREATE2, new CreateRequest("/s-", data, OPEN,
                        EPHEMERAL_SEQUENTIAL)),
                FrontendHarness.request(3, OpCode.CREATE_TTL, new CreateTTLRequest("/t", data, OPEN,
                        PERSISTENT_WITH_TTL, 1000)),
                FrontendHarness.request(4, OpCode.SET_DATA, new SetDataRequest("/a", data, -1)),
                FrontendHarness.request(5, OpCode.GET_DATA, new GetDataRequest("/a", true)),
                FrontendHarness.request(6, OpCode.GET_CHILDREN2, new GetChildren2Request("/", true)),
                FrontendHarness.request(7, OpCode.SET_ACL, new SetACLRequest("/a", OPEN, -1)),
                FrontendHarness.request(8, OpCode.DELETE, new DeleteRequest("/a", -1)),
                FrontendHarness.request(9, OpCode.CHECK, new CheckVersionRequest("/a", 0)),
                FrontendHarness.request(10, OpCode.SET_WATCHES, new SetWatches(0, List.of("/a"), List.of("/b"),
                        List.of("/c"))),
                FrontendHarness.request(-4, OpCode.AUTH, new AuthPacket(0, "digest",
                        "bob:secret".getBytes(StandardCharsets.US_ASCII))),
                FrontendHarness.request(11, OpCode.ADD_WATCH, new AddWatchRequest("/", 1)),
                multi(),
                FrontendHarness.request(-2, OpCode.PING, null));
    }

    private static byte[] multi() {
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(payload)) {
            out.writeInt(12);
            out.writeInt(OpCode.MULTI);
            org.apache.jute.BinaryOutputArchive archive = org.apache.jute.BinaryOutputArchive.getArchive(out);
            new MultiHeader(OpCode.CREATE, false, -1).serialize(archive, "h");
            new CreateRequest("/m", new byte[0], OPEN, 0).serialize(archive, "op");
            new MultiHeader(OpCode.CHECK, false, -1).serialize(archive, "h");
            new CheckVersionRequest("/m", 0).serialize(archive, "op");
            new MultiHeader(-1, true, -1).serialize(archive, "h");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return FrontendHarness.framed(payload.toByteArray());
    }

    @org.junit.jupiter.params.provider.MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldAnswerOrCloseOnAnyRequest(byte[] bytes) {
        FrontendHarness harness = new FrontendHarness(FrontendHarness.settings(1 << 16, 16, Set.of("srvr", "ruok")));
        harness.writes.autoCommit = true;
        EmbeddedChannel channel = harness.connected();
        FrontendHarness.send(channel, bytes);
        harness.writes.commitAll();
        FrontendHarness.readAllHex(channel);
        channel.checkException();
        // the frontend still serves others: a new session is made
        assertThat(harness.connected().isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }
}
