package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A log entry's payload of any bytes (a damaged or hostile entry that got past its record's checksum): decoding
 * either gives an operation that encodes back to the same bytes or fails with MalformedOperationException, never
 * another exception. Seeds: every kind of operation, encoded.
 */
class OperationCodecFuzzTest {

    static Stream<byte[]> seeds() {
        return OperationCodecTest.everyKind().map(op -> OperationCodec.encode(OperationCodecTest.txn(op)));
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldDecodeOrRefuseAnyBytes(byte[] bytes) throws OperationCodec.MalformedOperationException {
        Txn txn;
        try {
            txn = OperationCodec.decode(bytes);
        } catch (OperationCodec.MalformedOperationException refused) {
            return;
        }
        // what decodes encodes and decodes again to the same operation (the re-decoding must not fail)
        assertThat(OperationCodec.decode(OperationCodec.encode(txn))).usingRecursiveComparison().isEqualTo(txn);
    }
}
