package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.*;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaveTimingScratchTest {
    @TempDir Path dir;

    @Test
    void timing() throws Exception {
        ZnodeStateMachine m = new ZnodeStateMachine(new DataTree(), new SessionTable(), true, false);
        long zxid = 0;
        byte[] v = new byte[100];
        long s = 0x0100000000000001L;
        m.apply(++zxid, new Txn(s, 1, 1, List.of(), new Operation.CreateSession(s, 30000, new byte[16])));
        int n = Integer.getInteger("n", 1_000_000);
        for (int p = 0; p < 1000; p++) m.apply(++zxid, new Txn(s, 1, 1, List.of(), new Operation.Create(1, "/p" + p, v, Acl.OPEN, 0, -1)));
        for (int i = 0; i < n; i++) m.apply(++zxid, new Txn(s, 1, 1, List.of(), new Operation.Create(1, "/p" + (i % 1000) + "/n" + i, v, Acl.OPEN, 0, -1)));
        try (CheckpointStore store = CheckpointStore.open(dir, System::nanoTime)) {
            long t = System.nanoTime();
            store.save(m, zxid, 1, new byte[0]);
            System.out.printf("full save of %d: %d ms%n", n, (System.nanoTime() - t) / 1_000_000);
            store.fullSaveRatio(0);
            java.util.Random r = new java.util.Random(1);
            for (int round = 0; round < 2; round++) {
                int changes = Integer.getInteger("changes", 100_000);
                for (int c = 0; c < changes; c++) { int i = r.nextInt(n); m.apply(++zxid, new Txn(s, 1, 1, List.of(), new Operation.SetData("/p" + (i % 1000) + "/n" + i, v, -1))); }
                t = System.nanoTime();
                store.save(m, zxid, 1, new byte[0]);
                System.out.printf("incremental save of %d changes: %d ms%n", changes, (System.nanoTime() - t) / 1_000_000);
            }
            for (int round = 0; round < 2; round++) {
                int changes = Integer.getInteger("changes", 100_000);
                for (int c = 0; c < changes; c++) { int i = n + round * changes + c; m.apply(++zxid, new Txn(s, 1, 1, List.of(), new Operation.Create(1, "/p" + (i % 1000) + "/n" + i, v, Acl.OPEN, 0, -1))); }
                t = System.nanoTime();
                store.save(m, zxid, 1, new byte[0]);
                System.out.printf("incremental save of %d creates: %d ms%n", changes, (System.nanoTime() - t) / 1_000_000);
            }
        }
    }
}
