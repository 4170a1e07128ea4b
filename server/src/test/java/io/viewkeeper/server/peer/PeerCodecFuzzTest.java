package io.viewkeeper.server.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.viewkeeper.consensus.Message;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A consensus message body of any bytes from a peer connection: decoding either gives a message that encodes back
 * to the same bytes or fails with PeerProtocolException (the connection is dropped), never another exception.
 * Seeds: every kind of message, encoded.
 */
class PeerCodecFuzzTest {

    static Stream<byte[]> seeds() {
        return PeerCodecTest.everyKind().stream().map(PeerCodec::encode);
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldDecodeOrRefuseAnyBody(byte[] bytes) {
        Message message;
        try {
            message = PeerCodec.decode(bytes);
        } catch (PeerProtocolException refused) {
            return;
        }
        assertThat(PeerCodec.encode(message)).as("what decodes is what was sent").isEqualTo(bytes);
    }
}
