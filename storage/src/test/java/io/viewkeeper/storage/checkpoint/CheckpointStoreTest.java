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
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
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
            store.fullSaveRatio(0);
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
    void shouldStoreTheStateAtThePreparedOpWhenTheTreeChangesBeforeTheCommit() throws Exception {
        RandomWorkload workload = new RandomWorkload(11);
        TreeSnapshot.Image atPrepare = null;
        long op = 0;
        try (CheckpointStore store = open(directory)) {
            store.fullSaveRatio(0);
            for (int round = 0; round < 4; round++) {
                workload.run(300);
                op = workload.zxid();
                atPrepare = TreeSnapshot.read(TreeSnapshot.write(workload.machine()));
                CheckpointStore.Prepared prepared = store.prepare(workload.machine(), op, op * 7, clients(op));
                assertThat(prepared.full()).as("round %d full", round).isEqualTo(round == 0);
                // a full save's copy is taken a few nodes at a time, the state changing in between
                while (!prepared.step(7)) {
                    workload.run(3);
                }
                // the state goes on changing while the save is written elsewhere; those changes go in the next
                workload.run(200);
                int records = prepared.records();
                assertThat(store.commit(prepared)).isTrue();
                if (prepared.full()) {
                    // a full save lets its copy of the tree go once it made the images from it
                    assertThat(records).isEqualTo(prepared.nodeCount());
                    assertThatThrownBy(prepared.whole()::images).isInstanceOf(IllegalStateException.class);
                }
            }
        }
        StoredCheckpoint stored;
        try (CheckpointStore store = open(directory)) {
            stored = store.load().orElseThrow();
        }
        assertThat(stored.op()).isEqualTo(op);
        assertThat(stored.chain()).isEqualTo(op * 7);
        assertThat(stored.digest()).isEqualTo(atPrepare.tree().digest()).isNotEqualTo(workload.machine().tree()
                .digest());
        assertSameState(stored.image(), atPrepare, false);
    }

    @Test
    void shouldNotWriteASavePreparedBeforeTheStoreWasReplaced() throws Exception {
        RandomWorkload workload = new RandomWorkload(12);
        RandomWorkload installed = new RandomWorkload(13);
        installed.run(200);
        try (CheckpointStore store = open(directory)) {
            workload.run(200);
            store.save(workload.machine(), workload.zxid(), 1, clients(workload.zxid()));
            workload.run(100);
            CheckpointStore.Prepared prepared = store.prepare(workload.machine(), workload.zxid(), 2,
                    clients(workload.zxid()));
            TreeSnapshot.Image image = imageOf(installed.machine());
            store.replaceAll(image, workload.zxid() + 50, 3, clients(0));
            assertThatThrownBy(() -> store.commit(prepared)).as("a peer's checkpoint was installed meanwhile")
                    .isInstanceOf(CheckpointStore.SupersededException.class);
            StoredCheckpoint stored = store.load().orElseThrow();
            assertThat(stored.op()).isEqualTo(workload.zxid() + 50);
            assertSameState(stored.image(), image, false);
        }
    }

    @Test
    void shouldRewriteWholeFileWhenMoreThanASixteenthOfTheNodesChanged() throws Exception {
        RandomWorkload workload = new RandomWorkload(3);
        workload.apply(workload.adminSession(), new Operation.Create(1, "/many", null, Acl.OPEN, 0, -1));
        for (int i = 0; i < 1600; i++) {
            workload.apply(workload.adminSession(), new Operation.Create(1, "/many/n" + i, null, Acl.OPEN, 0, -1));
        }
        try (CheckpointStore store = open(directory)) {
            store.save(workload.machine(), workload.zxid(), 1, clients(1));
            for (int i = 0; i < 90; i++) {
                workload.apply(workload.adminSession(), new Operation.SetData("/many/n" + i, new byte[] {1}, -1));
            }
            store.save(workload.machine(), workload.zxid(), 2, clients(2));
            assertThat(store.figures().lastSaveFull()).as("90 of some 1,600 nodes changed").isFalse();
            for (int i = 0; i < 200; i++) {
                workload.apply(workload.adminSession(), new Operation.SetData("/many/n" + i, new byte[] {2}, -1));
            }
            store.save(workload.machine(), workload.zxid(), 3, clients(3));
            assertThat(store.figures().lastSaveFull()).as("200 of some 1,600 nodes changed").isTrue();
        }
        try (CheckpointStore store = open(directory)) {
            StoredCheckpoint loaded = store.load().orElseThrow();
            assertThat(loaded.op()).isEqualTo(workload.zxid());
            assertThat(loaded.digest()).isEqualTo(workload.machine().tree().digest());
            assertSameState(loaded.image(), imageOf(workload.machine()), true);
        }
    }

    @Test
    void shouldRewriteEverythingNextWhenMapDbFailsWritingTheChanges() throws Exception {
        RandomWorkload workload = new RandomWorkload(8);
        workload.run(300);
        try (CheckpointStore store = open(directory)) {
            store.fullSaveRatio(0); // saves of changes, however many
            store.save(workload.machine(), workload.zxid(), 1, clients(1));
            long savedOp = workload.zxid();
            workload.run(20);
            store.beforeChangeWrite(path -> {
                throw new IndexOutOfBoundsException("Index: 6 Size: 6"); // as MapDB's store failed once
            });
            CheckpointStore.Prepared failing = store.prepare(workload.machine(), workload.zxid(), 2, clients(2));
            assertThat(failing.full()).isFalse();

            assertThat(store.commit(failing)).as("not saved").isFalse();
            assertThat(store.load().orElseThrow().op()).as("the last checkpoint stays").isEqualTo(savedOp);

            store.beforeChangeWrite(path -> { });
            workload.run(5);
            CheckpointStore.Prepared next = store.prepare(workload.machine(), workload.zxid(), 3, clients(3));
            assertThat(next.full()).as("the next save rewrites everything").isTrue();
            assertThatThrownBy(() -> store.commit(next)).as("its copy of the tree is not taken yet")
                    .isInstanceOf(IllegalStateException.class);
            assertThat(next.step(Integer.MAX_VALUE)).isTrue();
            assertThat(store.commit(next)).isTrue();
        }
        try (CheckpointStore store = open(directory)) {
            StoredCheckpoint loaded = store.load().orElseThrow();
            assertThat(loaded.op()).isEqualTo(workload.zxid());
            assertSameState(loaded.image(), imageOf(workload.machine()), true);
        }
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

    @Test
    void shouldLoadNothingWhenNothingWasSaved() throws Exception {
        try (CheckpointStore store = open(directory)) {
            assertThat(store.load()).isEmpty();
            assertThat(store.writeSnapshotAt(0)).isEmpty();
            assertThat(store.figures().op()).isEqualTo(-1);
        }
    }

    @Test
    void shouldRefuseToOpenAndKeepTheFileWhenItHoldsAnotherFormatVersion() throws Exception {
        RandomWorkload workload = new RandomWorkload(2);
        workload.run(100);
        try (CheckpointStore store = open(directory)) {
            save(store, workload);
        }
        rewriteMeta(value -> CheckpointRecords.encodeMeta(new CheckpointRecords.Meta(1, 1, 0, 4, 0, 0, new byte[0]),
                CheckpointRecords.FORMAT_VERSION + 1));
        byte[] before = Files.readAllBytes(directory.resolve(CheckpointStore.FILE_NAME));

        assertThatThrownBy(() -> open(directory)).isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining("format version " + (CheckpointRecords.FORMAT_VERSION + 1));
        assertThat(Files.readAllBytes(directory.resolve(CheckpointStore.FILE_NAME))).isEqualTo(before);
    }

    @Test
    void shouldReportDamagedMetadataAndRewriteAllWhenNextSaved() throws Exception {
        RandomWorkload workload = new RandomWorkload(4);
        workload.run(300);
        try (CheckpointStore store = open(directory)) {
            save(store, workload);
        }
        rewriteMeta(value -> {
            value[10] ^= 0x40;
            return value;
        });

        try (CheckpointStore store = open(directory)) {
            assertThatThrownBy(store::load).isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("metadata").hasMessageContaining("checksum");
            save(store, workload);
            assertThat(store.figures().lastSaveFull()).isTrue();
        }
        try (CheckpointStore store = open(directory)) {
            assertSameState(store.load().orElseThrow().image(), imageOf(workload.machine()), true);
        }
    }

    @Test
    void shouldStoreTransferredStateWholeAndThenOnlyChangesWhenReplacedAll() throws Exception {
        RandomWorkload local = new RandomWorkload(6);
        local.run(500);
        RandomWorkload remote = new RandomWorkload(7);
        remote.run(800);
        try (CheckpointStore store = open(directory)) {
            save(store, local);
            TreeSnapshot.Image transferred = TreeSnapshot.read(TreeSnapshot.write(remote.machine()));
            store.replaceAll(transferred, remote.zxid(), 99, clients(99));
            assertThat(store.figures().lastSaveFull()).isTrue();
            assertSameState(CheckpointSnapshot.read(remote.zxid(), store.writeSnapshotAt(remote.zxid()).orElseThrow()),
                    transferred,
                    false);
            assertThat(store.writeSnapshotAt(local.zxid())).as("a checkpoint replaced since").isEmpty();

            ZnodeStateMachine installed = new ZnodeStateMachine(new io.viewkeeper.storage.DataTree(),
                    new io.viewkeeper.storage.SessionTable(), true, false);
            installed.install(transferred);
            installed.apply(remote.zxid() + 1, new io.viewkeeper.storage.Txn(0, 1, 1, List.of(),
                    new Operation.CreateSession(0x0200000000000001L, 5000, new byte[16])));
            store.save(installed, remote.zxid() + 1, 100, clients(100));
            assertThat(store.figures().lastSaveFull()).isFalse();

            StoredCheckpoint loaded = store.load().orElseThrow();
            assertThat(loaded.op()).isEqualTo(remote.zxid() + 1);
            assertSameState(loaded.image(), imageOf(installed), false);
        }
    }

    @Test
    void shouldRewriteEverythingWhenSavingAnotherTreeThanTheOneLoaded() throws Exception {
        RandomWorkload first = new RandomWorkload(12);
        first.run(300);
        RandomWorkload second = new RandomWorkload(13);
        second.run(200);
        try (CheckpointStore store = open(directory)) {
            save(store, first);
            store.save(second.machine(), first.zxid() + second.zxid(), 0, new byte[0]);
            assertThat(store.figures().lastSaveFull()).isTrue();
            assertSameState(store.load().orElseThrow().image(), imageOf(second.machine()), true);
        }
    }

    private void rewriteMeta(java.util.function.UnaryOperator<byte[]> change) {
        DB db = DBMaker.fileDB(directory.resolve(CheckpointStore.FILE_NAME).toFile()).transactionEnable().make();
        try {
            BTreeMap<String, byte[]> meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY)
                    .createOrOpen();
            meta.put(CheckpointStore.META_KEY, change.apply(meta.get(CheckpointStore.META_KEY)));
            db.commit();
        } finally {
            db.close();
        }
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
