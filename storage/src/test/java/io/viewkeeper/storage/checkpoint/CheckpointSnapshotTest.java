package io.viewkeeper.storage.checkpoint;

import static io.viewkeeper.storage.StateAssertions.assertSameState;
import static io.viewkeeper.storage.StateAssertions.imageOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.RandomWorkload;
import io.viewkeeper.storage.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointSnapshotTest {
    private static final byte[] MARKER = "MARKER-0123456789-abcdefghijklmnop".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path directory;

    @Test
    void shouldReadBackTheStoredStateExactly() throws Exception {
        RandomWorkload workload = new RandomWorkload(11);
        workload.run(3000);
        byte[] snapshot = saveAndSend(directory.resolve("a"), workload);

        TreeSnapshot.Image read = CheckpointSnapshot.read(workload.zxid(), snapshot);

        assertSameState(read, imageOf(workload.machine()), true);
        assertThat(workload.machine().tree().ephemeralsBySession()).as("the workload keeps ephemerals").isNotEmpty();
        assertThat(CheckpointSnapshot.held(snapshot, snapshot.length, snapshot.length, CheckpointSnapshot.NO_BASIS))
                .as("nothing held without a basis").isEmpty();
    }

    @Test
    void shouldFindAlmostEveryBlockOfANewerCheckpointInAnOlderOne() throws Exception {
        RandomWorkload workload = new RandomWorkload(12);
        workload.apply(workload.adminSession(), new Operation.Create(1, "/big", null, Acl.OPEN, 0, -1));
        for (int i = 0; i < 5000; i++) {
            workload.apply(workload.adminSession(),
                    new Operation.Create(1, "/big/n" + i, ("value " + i).getBytes(StandardCharsets.UTF_8), Acl.OPEN,
                            0, -1));
        }
        try (CheckpointStore older = CheckpointStoreTest.open(directory.resolve("older"))) {
            older.save(workload.machine(), workload.zxid(), 0, new byte[0]);
            workload.run(200);
            for (int i = 0; i < 5000; i += 500) {
                workload.apply(workload.adminSession(), new Operation.SetData("/big/n" + i, new byte[] {7}, -1));
            }
            byte[] newer = saveAndSend(directory.resolve("newer"), workload);

            List<CheckpointSnapshot.Held> held = assertHeldMatch(newer, older.basis());

            long heldBytes = held.stream().mapToLong(h -> h.bytes().length).sum();
            assertThat(heldBytes).as("bytes of %d held of a newer checkpoint of some 5,200 changed nodes",
                    newer.length).isGreaterThan(newer.length * 7L / 10);
        }
    }

    @Test
    void shouldHoldEveryBlockButTheDamagedOneOfTheSameCheckpoint() throws Exception {
        RandomWorkload workload = new RandomWorkload(13);
        workload.run(3000);
        workload.apply(workload.adminSession(), new Operation.Create(1, "/marked", MARKER, Acl.OPEN, 0, -1));
        byte[] intact = saveAndSend(directory.resolve("intact"), workload);
        Path damaged = directory.resolve("damaged");
        try (CheckpointStore store = CheckpointStoreTest.open(damaged)) {
            store.save(workload.machine(), workload.zxid(), 0, new byte[0]);
        }
        flipInside(damaged.resolve(CheckpointStore.FILE_NAME), MARKER);

        try (CheckpointStore store = CheckpointStoreTest.open(damaged)) {
            assertThatThrownBy(store::load).isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("/marked");
            List<CheckpointSnapshot.Held> held = assertHeldMatch(intact, store.readBasis());
            int blocks = CheckpointSnapshot.blockCount(intact);
            // the damaged record's block, and the next one too if the record's key ended its block
            assertThat(held).as("blocks held of %d", blocks).hasSizeBetween(blocks - 2, blocks - 1);
        }
    }

    @Test
    void shouldWaitForTheWholeManifestAndIgnoreAForeignOne() throws Exception {
        RandomWorkload workload = new RandomWorkload(14);
        workload.run(2000);
        byte[] snapshot = saveAndSend(directory.resolve("a"), workload);
        int manifestEnd = manifestEnd(snapshot);
        CheckpointSnapshot.Basis everything = wanted -> {
            throw new AssertionError("asked for blocks before the manifest is whole");
        };

        assertThat(CheckpointSnapshot.held(snapshot, 10, snapshot.length, everything)).isNull();
        assertThat(CheckpointSnapshot.held(snapshot, manifestEnd - 1, snapshot.length, everything)).isNull();
        assertThatThrownBy(() -> CheckpointSnapshot.held(snapshot, manifestEnd, snapshot.length + 1, everything))
                .as("a manifest that does not add up to the length").isInstanceOf(CorruptCheckpointException.class);
        byte[] v1 = TreeSnapshot.write(workload.machine());
        assertThatThrownBy(() -> CheckpointSnapshot.held(v1, v1.length, v1.length, everything)).as("format 1")
                .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining("format");
        assertSameState(CheckpointSnapshot.read(1, v1), imageOf(workload.machine()), false);
    }

    @Test
    void shouldRefuseASnapshotWithAnyBlockByteFlippedOrCutShort() throws Exception {
        RandomWorkload workload = new RandomWorkload(15);
        workload.run(1000);
        byte[] snapshot = saveAndSend(directory.resolve("a"), workload);
        int manifestEnd = manifestEnd(snapshot);
        java.util.Random random = new java.util.Random(15);
        for (int i = 0; i < 50; i++) {
            byte[] flipped = snapshot.clone();
            int at = manifestEnd + random.nextInt(snapshot.length - manifestEnd);
            flipped[at] ^= (byte) (1 + random.nextInt(255));
            assertThatThrownBy(() -> CheckpointSnapshot.read(9, flipped)).as("byte %d flipped", at)
                    .isInstanceOf(CorruptCheckpointException.class);
        }
        byte[] cut = Arrays.copyOf(snapshot, snapshot.length - 1);
        assertThatThrownBy(() -> CheckpointSnapshot.read(9, cut)).isInstanceOf(CorruptCheckpointException.class);
        byte[] digestChanged = snapshot.clone();
        digestChanged[4 + 8 + 4 + 4] ^= 1;
        assertThatThrownBy(() -> CheckpointSnapshot.read(9, digestChanged))
                .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining("digest");
    }

    /** Each held part is the snapshot's bytes where it says; returns them. */
    private static List<CheckpointSnapshot.Held> assertHeldMatch(byte[] snapshot, CheckpointSnapshot.Basis basis)
            throws CorruptCheckpointException {
        List<CheckpointSnapshot.Held> held = CheckpointSnapshot.held(snapshot, snapshot.length, snapshot.length,
                basis);
        assertThat(held).isNotNull().isNotEmpty();
        for (CheckpointSnapshot.Held part : held) {
            assertThat(Arrays.copyOfRange(snapshot, part.offset(), part.offset() + part.bytes().length))
                    .as("held part at %d", part.offset()).isEqualTo(part.bytes());
        }
        return held;
    }

    private static int manifestEnd(byte[] snapshot) {
        return CheckpointSnapshot.HEADER_BYTES
                + CheckpointSnapshot.blockCount(snapshot) * CheckpointSnapshot.MANIFEST_ENTRY_BYTES;
    }

    private static byte[] saveAndSend(Path dir, RandomWorkload workload) throws Exception {
        try (CheckpointStore store = CheckpointStoreTest.open(dir)) {
            store.save(workload.machine(), workload.zxid(), 0, new byte[0]);
            return store.writeSnapshotAt(workload.zxid()).orElseThrow();
        }
    }

    private static void flipInside(Path file, byte[] marker) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i + marker.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length)) {
                bytes[i + 7] ^= 0x01;
                Files.write(file, bytes);
                return;
            }
        }
        throw new AssertionError("marker not in " + file);
    }
}
