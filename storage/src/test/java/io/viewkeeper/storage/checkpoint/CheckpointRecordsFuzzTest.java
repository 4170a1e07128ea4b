package io.viewkeeper.storage.checkpoint;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ZnodeImage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A checkpoint's stored values with any body under a valid checksum (a record written wrong, or crafted): the
 * znode, session-owner and metadata decoders either decode or fail with CorruptCheckpointException (or, for the
 * metadata, ForeignFormatException), never another exception. The checksum is recomputed over the fuzzed body so
 * the fuzzer reaches the field decoding behind it.
 */
class CheckpointRecordsFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void shouldDecodeOrRefuseAnyRecordBody(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 2);
        boolean validBody = data.consumeBoolean();
        byte[] body = validBody ? validBody(kind, data.consumeLong()) : data.consumeRemainingAsBytes();
        try {
            switch (kind) {
                case 0 -> CheckpointRecords.decodeNode("/a", sealed(CheckpointRecords.keyBytes("/a"), body));
                case 1 -> CheckpointRecords.decodeOwner(0x42L, sealed(CheckpointRecords.keyBytes(0x42L), body));
                default -> CheckpointRecords.decodeMeta(sealed(CheckpointRecords.keyBytes(CheckpointStore.META_KEY),
                        body));
            }
        } catch (CorruptCheckpointException | CheckpointRecords.ForeignFormatException refused) {
            // a clear refusal is what a damaged record gets
        }
    }

    /** A well-formed body of that kind, without its checksum, so seeds of real records exist too. */
    private static byte[] validBody(int kind, long salt) {
        byte[] sealed = switch (kind) {
            case 0 -> CheckpointRecords.encodeNode(new ZnodeImage("/a", new byte[] {(byte) salt}, Acl.OPEN, 1, salt,
                    2, 3, 0, 0, 0, 0, 4, 0));
            case 1 -> CheckpointRecords.encodeOwner(0x42L, null, List.of("/a", "/b"));
            default -> CheckpointRecords.encodeMeta(new CheckpointRecords.Meta(salt, salt, salt, 1, 0, salt,
                    new byte[0]));
        };
        byte[] body = new byte[sealed.length - 4];
        System.arraycopy(sealed, 0, body, 0, body.length);
        return body;
    }

    private static byte[] sealed(byte[] key, byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }
}
