package io.viewkeeper.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small shared shorthands for the client tests: byte strings, creates that return a Stat, error-code checks. */
final class Zk {
    static final List<ACL> OPEN = Ids.OPEN_ACL_UNSAFE;

    private Zk() {
    }

    /** A mutable ACL list: the client calls {@code contains(null)} on it, which immutable lists refuse. */
    static List<ACL> acl(ACL... entries) {
        return new java.util.ArrayList<>(List.of(entries));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** create2: creates {@code path} and returns its Stat. */
    static Stat create(ZooKeeper zk, String path, String data, CreateMode mode) throws Exception {
        Stat stat = new Stat();
        zk.create(path, data == null ? null : bytes(data), OPEN, mode, stat);
        return stat;
    }

    static Stat create(ZooKeeper zk, String path, String data) throws Exception {
        return create(zk, path, data, CreateMode.PERSISTENT);
    }

    /** Fails unless {@code call} throws a KeeperException with {@code code}. */
    static void expectCode(Code code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(KeeperException.class,
                e -> assertThat(e.code()).as("error code").isEqualTo(code));
    }

    static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(EventLog.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A Stat with the fields in a readable, comparable form (times left out). */
    static String describe(Stat s) {
        return "czxid=" + s.getCzxid() + " mzxid=" + s.getMzxid() + " pzxid=" + s.getPzxid()
                + " version=" + s.getVersion() + " cversion=" + s.getCversion() + " aversion=" + s.getAversion()
                + " ephemeralOwner=" + s.getEphemeralOwner() + " dataLength=" + s.getDataLength()
                + " numChildren=" + s.getNumChildren();
    }
}
