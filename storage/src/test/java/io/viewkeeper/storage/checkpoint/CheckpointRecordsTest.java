package io.viewkeeper.storage.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ZnodeImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The znode record's bytes against the layout every checkpoint written so far has: length-prefixed data (-1 for
 * none), the ACL entries, six longs, four ints, then a CRC32C over the key and the body. A replica of any version
 * reads what an import or a full save writes only if these stay the same.
 */
class CheckpointRecordsTest {

    @Test
    void shouldEncodeAZnodeInTheLayoutCheckpointsHaveAlwaysHad() throws Exception {
        List<ZnodeImage> nodes = List.of(
                new ZnodeImage("/a", new byte[] {1, 2, 3}, Acl.OPEN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                new ZnodeImage("/a/b", null, List.of(), -1, Long.MAX_VALUE, 0, 0, -1, 0, 0, Long.MIN_VALUE, 3, 0),
                new ZnodeImage("/é/ü", new byte[0], List.of(new Acl(Acl.READ, "digest", "usér:hash="),
                        new Acl(Acl.ALL, "ip", "10.0.0.0/8")), 7, 7, 7, 7, 0, 2, 1, 0xFF00000000001234L, 7, 2));
        for (ZnodeImage node : nodes) {
            byte[] encoded = CheckpointRecords.encodeNode(node);
            assertThat(encoded).as(node.path()).isEqualTo(layout(node));
            ZnodeImage decoded = CheckpointRecords.decodeNode(node.path(), encoded);
            assertThat(decoded.digestTerm()).as(node.path()).isEqualTo(node.digestTerm());
            assertThat(decoded.acl()).isEqualTo(node.acl());
            assertThat(decoded.data()).isEqualTo(node.data());
            assertThat(decoded.numChildren()).isEqualTo(node.numChildren());
        }
    }

    /** The record as the original stream encoder wrote it, field by field. */
    private static byte[] layout(ZnodeImage node) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        writeBytes(out, node.data());
        out.writeInt(node.acl().size());
        for (Acl acl : node.acl()) {
            out.writeInt(acl.perms());
            writeBytes(out, acl.scheme().getBytes(StandardCharsets.UTF_8));
            writeBytes(out, acl.id().getBytes(StandardCharsets.UTF_8));
        }
        for (long v : new long[] {node.czxid(), node.mzxid(), node.ctime(), node.mtime(), node.owner(),
            node.pzxid()}) {
            out.writeLong(v);
        }
        for (int v : new int[] {node.version(), node.childCreations(), node.aversion(), node.numChildren()}) {
            out.writeInt(v);
        }
        CRC32C crc = new CRC32C();
        crc.update(node.path().getBytes(StandardCharsets.UTF_8));
        crc.update(buffer.toByteArray());
        out.writeInt((int) crc.getValue());
        return buffer.toByteArray();
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }
}
