package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.Adler32;
import java.util.zip.CheckedInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot reader's own buffer against ZooKeeper's stream stack (a DataInputStream over a CheckedInputStream):
 * the same fields, and at every point the checksum of exactly the bytes handed out, across buffer refills.
 */
class SnapshotInputTest {
    @TempDir
    Path dir;

    @Test
    void shouldDecodeTheFieldsAndChecksumTheBytesAsZooKeepersStreamDoes() throws Exception {
        Random random = new Random(5);
        byte[] bytes = new byte[300_000];
        random.nextBytes(bytes);
        Path file = Files.write(dir.resolve("snapshot.1"), bytes);
        try (CheckedInputStream opened = SnapshotInput.open(file.toFile());
                CheckedInputStream reference = new CheckedInputStream(new ByteArrayInputStream(bytes), new Adler32())) {
            assertThat(opened).isInstanceOf(SnapshotInput.class);
            SnapshotInput ours = (SnapshotInput) opened;
            DataInputStream theirs = new DataInputStream(reference);
            int consumed = 0;
            while (consumed < bytes.length - 200) {
                switch (random.nextInt(4)) {
                    case 0 -> assertThat(ours.readInt()).isEqualTo(theirs.readInt());
                    case 1 -> assertThat(ours.readLong()).isEqualTo(theirs.readLong());
                    case 2 -> assertThat(ours.readBoolean()).isEqualTo(theirs.readBoolean());
                    default -> {
                        byte[] a = new byte[random.nextInt(150)];
                        byte[] b = new byte[a.length];
                        ours.readFully(a);
                        theirs.readFully(b);
                        assertThat(a).isEqualTo(b);
                    }
                }
                consumed = bytes.length - reference.available();
                assertThat(ours.getChecksum().getValue()).as("after %d bytes", consumed)
                        .isEqualTo(reference.getChecksum().getValue());
            }
            ours.skipBytes(bytes.length);
            assertThatThrownBy(ours::readLong).isInstanceOf(EOFException.class);
        }
    }
}
