package io.viewkeeper.storage.checkpoint;

import static io.viewkeeper.storage.StateAssertions.assertSameState;
import static io.viewkeeper.storage.StateAssertions.imageOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.RandomWorkload;
import io.viewkeeper.storage.Result;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path directory;

    static CheckpointStore open(Path directory) throws Exception {
        return CheckpointStore.open(directory, System::nanoTime);
    }

    static byte[] clients(long op) {
        return ("clients at " + op).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldLoadExactlyTheFullSnapshotWhenSavedIncrementallySeveralTimes() throws Exception {
        RandomWorkload workload = new RandomWorkload(42);
        try (CheckpointStore store = open(directory)) {
            for (int round = 0; round < 6; round++) {
                workload.run(400);
                store.save(workload.machine(), workload.zxid() + 3, workload.zxid() * 31, clients(workload.zxid()));
                assertThat(store.figures().lastSaveFull()).as("round %d full", round).isEqualTo(round == 0);
            }
        }
        ZnodeStateMachine machine = workload.machine();
        TreeSnapshot.Image reference = TreeSnapshot.read(TreeSnapshot.write(machine));

        StoredCheckpoint loaded;
        try (CheckpointStore store = open(directory)) {
            loaded = store.load().orElseThrow();
        }

        assertThat(loaded.op()).isEqualTo(workload.zxid() + 3);
        assertThat(loaded.chain()).isEqualTo(workload.zxid() * 31);
        assertThat(loaded.consensusClients()).isEqualTo(clients(workload.zxid()));
        assertThat(loaded.digest()).isEqualTo(machine.tree().digest());
        assertSameState(loaded.image(), reference, false);
        assertSameState(loaded.image(), imageOf(machine), true);
        assertThat(machine.sessions().size()).as("the workload keeps sessions").isGreaterThan(3);
        assertThat(machine.tree().ephemeralsBySession()).as("and ephemerals").isNotEmpty();
    }

    @Test
    void shouldWriteOnlyChangedNodesWhenFewOfManyChange() throws Exception {
        RandomWorkload workload = new RandomWorkload(1);
        workload.apply(workload.adminSession(), new Operation.Create(1, "/big", null, Acl.OPEN, 0, -1));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            paths.add("/big/n" + i);
            workload.apply(workload.adminSession(), new Operation.Create(1, "/big/n" + i, new byte[100], Acl.OPEN, 0, -1));
        }
        try (CheckpointStore store = open(directory)) {
            save(store, workload);
            assertThat(store.figures().lastSaveNodesWritten()).isEqualTo(workload.machine().tree().nodeCount());

            workload.setData(paths.subList(100, 150), "changed");
            save(store, workload);
            assertThat(store.figures().lastSaveNodesWritten()).isEqualTo(50);
            assertThat(store.figures().lastSaveFull()).isFalse();

            save(store, workload);
            assertThat(store.figures().lastSaveNodesWritten()).as("nothing changed").isZero();

            workload.apply(workload.adminSession(), new Operation.SetAcl("/big/n7", Acl.READ_ONLY, -1));
            workload.apply(workload.adminSession(), new Operation.Create(1, "/big/new", null, Acl.OPEN, 0, -1));
            workload.apply(workload.adminSession(), new Operation.Delete("/big/n9", -1));
            save(store, workload);
            assertThat(store.figures().lastSaveNodesWritten()).as("n7 acl, new node, its parent").isEqualTo(3);
            assertThat(store.figures().lastSaveNodesDeleted()).isEqualTo(1);

            Result failed = workload.apply(workload.adminSession(), new Operation.Multi(List.of(
                    new Operation.SetData("/big/n1", new byte[3], -1), new Operation.Delete("/big/none", -1))));
            assertThat(failed).isInstanceOf(Result.MultiDone.class);
            save(store, workload);
            assertThat(store.figures().lastSaveNodesWritten()).as("rolled back, same bytes").isZero();

            assertSameState(store.load().orElseThrow().image(), imageOf(workload.machine()), true);
        }
    }

    @Test
    void shouldReportTheDamagedNodeWhenAByteOfItsRecordIsFlipped() throws Exception {
        RandomWorkload workload = new RandomWorkload(5);
        workload.run(300);
        byte[] marker = "MARKER-0123456789-abcdefghijklmnop".getBytes(StandardCharsets.US_ASCII);
        workload.apply(workload.adminSession(), new Operation.Create(1, "/marked", marker, Acl.OPEN, 0, -1));
        try (CheckpointStore store = open(directory)) {
            save(store, workload);
        }
        Path file = directory.resolve(CheckpointStore.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        int at = indexOf(bytes, marker);
        assertThat(at).as("the record is in the main file after close").isPositive();
        bytes[at + 7] ^= 0x01;
        Files.write(file, bytes);

        try (CheckpointStore store = open(directory)) {
            assertThatThrownBy(store::load).isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("/marked").hasMessageContaining("checksum");
        }
    }

    @Test
    void shouldLoadTheSameTreeOrFailClearlyWhenAnyByteOfTheFileIsFlipped() throws Exception {
        RandomWorkload workload = new RandomWorkload(9);
        workload.run(600);
        try (CheckpointStore store = open(directory)) {
            save(store, workload);
            workload.run(200);
            save(store, workload);
        }
        Path file = directory.resolve(CheckpointStore.FILE_NAME);
        byte[] original = Files.readAllBytes(file);
        Random random = new Random(11);
        int detected = 0;
        for (int trial = 0; trial < 60; trial++) {
            byte[] damaged = original.clone();
            int at = random.nextInt(damaged.length);
            while (trial % 2 == 0 && damaged[at] == 0) {
                at = random.nextInt(damaged.length);
            }
            damaged[at] ^= (byte) (1 << random.nextInt(8));
            Files.write(file, damaged);
            Optional<StoredCheckpoint> loaded;
            try (CheckpointStore store = open(directory)) {
                loaded = store.load();
            } catch (CorruptCheckpointException e) {
                detected++;
                continue;
            }
            assertThat(loaded).as("flip at %d", at).isPresent();
            assertSameState(loaded.get().image(), imageOf(workload.machine()), true);
        }
        Files.write(file, original);
        assertThat(detected).as("some flips land in records").isPositive();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static void save(CheckpointStore store, RandomWorkload workload) throws Exception {
        store.save(workload.machine(), workload.zxid(), 0, new byte[0]);
    }
}
