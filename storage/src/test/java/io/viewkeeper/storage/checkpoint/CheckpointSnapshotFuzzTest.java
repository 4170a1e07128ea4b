package io.viewkeeper.storage.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.RandomWorkload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A checkpoint of any bytes offered by a peer, its records' checksums and its block hashes recomputed so the fuzzer
 * reaches the fields behind them: reading it gives a tree or fails with CorruptCheckpointException, and finding the blocks a receiver holds
 * gives parts inside the snapshot or none, never another exception. Seeds: the snapshots of small stored trees.
 */
class CheckpointSnapshotFuzzTest {

    static Stream<byte[]> seeds() throws Exception {
        Path directory = Files.createTempDirectory("checkpoint-snapshot-seeds");
        try {
            RandomWorkload small = new RandomWorkload(1);
            small.run(60);
            RandomWorkload marked = new RandomWorkload(2);
            marked.apply(marked.adminSession(), new Operation.Create(1, "/m", new byte[] {1}, Acl.OPEN, 0, -1));
            return Stream.of(snapshot(directory.resolve("a"), small), snapshot(directory.resolve("b"), marked));
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> {
                    try {
                        Files.delete(path);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldReadOrRefuseAnyBytes(byte[] bytes) {
        byte[] resealed = resealed(bytes);
        try {
            CheckpointSnapshot.read(7, resealed);
        } catch (CorruptCheckpointException refused) {
            // a clear refusal is what a damaged checkpoint gets
        }
        try {
            List<CheckpointSnapshot.Held> held = CheckpointSnapshot.held(resealed, resealed.length, resealed.length,
                    wanted -> Map.of());
            if (held != null && !held.isEmpty()) {
                throw new AssertionError("parts held of a basis that holds nothing");
            }
        } catch (CorruptCheckpointException refused) {
            // a manifest that cannot be one: nothing is held of it
        }
    }

    /** Recomputes the CRC32C over key and value that ends each record value of the block, as far as they read. */
    private static void resealRecords(byte[] bytes, int offset, int length) {
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        while (in.remaining() > 1) {
            byte kind = in.get();
            byte[] key;
            if (kind == 'o' && in.remaining() >= Long.BYTES) {
                key = CheckpointRecords.keyBytes(in.getLong());
            } else if (kind == 'n' && in.remaining() >= Integer.BYTES) {
                int keyLength = in.getInt();
                if (keyLength < 0 || keyLength > in.remaining()) {
                    return;
                }
                key = new byte[keyLength];
                in.get(key);
            } else {
                return;
            }
            if (in.remaining() < Integer.BYTES) {
                return;
            }
            int valueLength = in.getInt();
            if (valueLength < 4 || valueLength > in.remaining()) {
                return;
            }
            int valueStart = in.position();
            CRC32C crc = new CRC32C();
            crc.update(key);
            crc.update(bytes, valueStart, valueLength - 4);
            in.position(valueStart + valueLength - 4);
            in.putInt((int) crc.getValue());
        }
    }

    private static byte[] snapshot(Path directory, RandomWorkload workload) throws Exception {
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            store.save(workload.machine(), workload.zxid(), 0, new byte[0]);
            return store.writeSnapshotAt(workload.zxid()).orElseThrow();
        }
    }

    /**
     * The bytes with each record's checksum and each block's hash in the manifest recomputed, as far as the manifest
     * and the records read.
     */
    private static byte[] resealed(byte[] bytes) {
        byte[] copy = bytes.clone();
        try {
            ByteBuffer in = ByteBuffer.wrap(copy);
            in.position(CheckpointSnapshot.HEADER_BYTES - 4);
            int count = in.getInt();
            long offset = CheckpointSnapshot.HEADER_BYTES + (long) count * CheckpointSnapshot.MANIFEST_ENTRY_BYTES;
            for (int i = 0; i < count && offset <= copy.length; i++) {
                int length = in.getInt();
                if (length < 0 || offset + length > copy.length) {
                    break;
                }
                resealRecords(copy, (int) offset, length);
                CheckpointSnapshot.BlockHash hash = CheckpointSnapshot.BlockHash.of(copy, (int) offset, length);
                in.putLong(hash.high()).putLong(hash.low());
                offset += length;
            }
        } catch (BufferUnderflowException | BufferOverflowException | IllegalArgumentException
                | IndexOutOfBoundsException e) {
            // too short for a manifest: the bytes as they are
        }
        return copy;
    }
}
