package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Identity;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints what a checkpoint costs: the first (full) save of a tree of N znodes of 100 bytes, then a save after
 * changing K of them, then a load, then the whole snapshot bytes for a peer; first, what listing, sorting and
 * encoding every record costs (the part of a whole save that a save off the replica thread would still do on
 * it). Not a test and not a benchmark harness; run by hand:
 * {@code java -cp <test classpath> io.viewkeeper.storage.checkpoint.CheckpointCostMeasurement [N] [K] [dir]}.
 */
public final class CheckpointCostMeasurement {
    private static final List<Identity> LOOPBACK = List.of(new Identity("ip", "127.0.0.1"));
    private static final int PARENTS = 1_000;
    private static final int DATA_BYTES = 100;

    private CheckpointCostMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int changed = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Path directory = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("checkpoint-cost");
        ZnodeStateMachine machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), true, false);
        long[] zxid = {0};
        long session = 0x0100000000000001L;
        apply(machine, zxid, session, new Operation.CreateSession(session, 30_000, new byte[16]));
        for (int p = 0; p < PARENTS; p++) {
            apply(machine, zxid, session, new Operation.Create(1, "/p" + p, null, Acl.OPEN, 0, -1));
        }
        for (int i = 0; i < nodes - PARENTS; i++) {
            apply(machine, zxid, session, new Operation.Create(1, "/p" + (i % PARENTS) + "/n" + i,
                    new byte[DATA_BYTES], Acl.OPEN, 0, -1));
        }
        encodeWhole(machine.tree());
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            store.save(machine, zxid[0], 0, new byte[0]);
            print("first save", store.figures());
            int stride = (nodes - PARENTS) / changed;
            for (int i = 0; i < changed; i++) {
                int n = i * stride;
                apply(machine, zxid, session, new Operation.SetData("/p" + (n % PARENTS) + "/n" + n,
                        new byte[DATA_BYTES], -1));
            }
            store.save(machine, zxid[0], 0, new byte[0]);
            print("save after " + changed + " setData", store.figures());
            store.save(machine, zxid[0], 0, new byte[0]);
            print("save with nothing changed", store.figures());
        }
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            long started = System.nanoTime();
            StoredCheckpoint loaded = store.load().orElseThrow();
            System.out.printf("load: %d nodes, digest %s, %d ms%n", loaded.image().tree().nodeCount(),
                    loaded.digest() == machine.tree().digest() ? "matches" : "DIFFERS",
                    (System.nanoTime() - started) / 1_000_000);
            started = System.nanoTime();
            byte[] snapshot = store.writeSnapshotAt(loaded.op()).orElseThrow();
            System.out.printf("writeSnapshot: %.1f MB, %d ms%n", snapshot.length / 1e6,
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * What a whole save taken off the thread that changes the tree would still do on it: list and sort the paths
     * and encode every znode's record (the writing could then go on elsewhere), with the heap those records hold.
     */
    private static void encodeWhole(DataTree tree) {
        for (int round = 1; round <= 3; round++) {
            System.gc();
            long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            long started = System.nanoTime();
            List<String> paths = tree.paths();
            long listed = System.nanoTime();
            paths.sort(CheckpointRewrite.KEY_ORDER);
            long sorted = System.nanoTime();
            List<EncodedZnode> encoded = new java.util.ArrayList<>(paths.size());
            for (String path : paths) {
                encoded.add(EncodedZnode.of(tree.image(path)));
            }
            long done = System.nanoTime();
            long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            System.out.printf("encode whole tree (round %d): %d records; list %d ms, sort %d ms, encode %d ms; about "
                    + "%d MB more heap%n", round, encoded.size(), (listed - started) / 1_000_000,
                    (sorted - listed) / 1_000_000, (done - sorted) / 1_000_000, (heapAfter - heapBefore) >> 20);
        }
    }

    private static void apply(ZnodeStateMachine machine, long[] zxid, long session, Operation op) {
        zxid[0]++;
        machine.apply(zxid[0], new Txn(session, (int) zxid[0], zxid[0], LOOPBACK, op));
    }

    private static void print(String what, CheckpointFigures figures) {
        System.out.printf("%s: %d ms, %d nodes written, full %s, %d nodes stored, %.1f MB on disk%n", what,
                figures.lastSaveNanos() / 1_000_000, figures.lastSaveNodesWritten(), figures.lastSaveFull(),
                figures.nodeCount(), figures.bytesOnDisk() / 1e6);
    }
}
