package io.viewkeeper.bench.jmh;

import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.ApplyOutcome;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooDefs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Applying committed operations to the data tree (ZnodeStateMachine.apply): setData on one of 1000 keys, and
 * create of a new znode (the tree grows within an iteration and starts afresh at the next).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ApplyBenchmark {
    static final int KEYS = 1000;
    static final long SESSION = 0x1000000000001L;

    private ZnodeStateMachine machine;
    private long zxid;
    private long counter;
    private byte[] value;
    private String[] keys;

    @Setup(Level.Iteration)
    public void setUp() {
        machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), false, false);
        zxid = 0;
        counter = 0;
        value = new byte[100];
        apply(new Operation.CreateSession(SESSION, 30_000, new byte[16]));
        apply(create("/k", new byte[0]));
        keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "/k/" + i;
            apply(create(keys[i], value));
        }
        apply(create("/c", new byte[0]));
    }

    private static Operation create(String path, byte[] data) {
        return new Operation.Create(ZooDefs.OpCode.create, path, data, Acl.OPEN, 0, -1);
    }

    private ApplyOutcome apply(Operation op) {
        ApplyOutcome outcome = machine.apply(++zxid, new Txn(SESSION, (int) zxid, 1_700_000_000_000L, List.of(), op));
        if (outcome.result().errorCode() != 0) {
            throw new IllegalStateException("apply failed: " + outcome.result());
        }
        return outcome;
    }

    @Benchmark
    public ApplyOutcome setData() {
        return apply(new Operation.SetData(keys[(int) (counter++ % KEYS)], value, -1));
    }

    @Benchmark
    public ApplyOutcome createZnode() {
        return apply(create("/c/n" + counter++, value));
    }
}
