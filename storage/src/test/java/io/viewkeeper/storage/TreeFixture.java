package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A state machine driven the way the replica drives it: each op gets the next zxid and a time derived from it,
 * so a test can name the zxid and time every Stat field must carry.
 */
final class TreeFixture {
    static final long SESSION = 0x0100000000000001L;
    static final long OTHER_SESSION = 0x0100000000000002L;
    static final List<Identity> LOOPBACK = List.of(new Identity("ip", "127.0.0.1"));
    static final String BOB = AccessControl.digest("bob:secret");
    static final List<Identity> BOB_IDENTITIES = List.of(new Identity("ip", "127.0.0.1"), new Identity("digest", BOB));

    final ZnodeStateMachine machine;
    long zxid;

    TreeFixture() {
        this(true, false);
    }

    TreeFixture(boolean extendedTypes, boolean enforceQuota) {
        machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), extendedTypes, enforceQuota);
    }

    static long timeOf(long zxid) {
        return 1_700_000_000_000L + zxid;
    }

    DataTree tree() {
        return machine.tree();
    }

    Stat stat(String path) {
        return tree().get(path).stat();
    }

    ApplyOutcome apply(long session, List<Identity> identities, Operation op) {
        zxid++;
        return machine.apply(zxid, new Txn(session, (int) zxid, timeOf(zxid), identities, op));
    }

    Result run(Operation op) {
        return apply(SESSION, LOOPBACK, op).result();
    }

    TreeFixture withSessions() {
        apply(SESSION, List.of(), new Operation.CreateSession(SESSION, 30_000, new byte[16]));
        apply(OTHER_SESSION, List.of(), new Operation.CreateSession(OTHER_SESSION, 30_000, new byte[16]));
        return this;
    }

    static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    static Operation.Create create(String path, String data) {
        return new Operation.Create(1, path, bytes(data), Acl.OPEN, 0, -1);
    }

    static Operation.Create create(String path, String data, int flags) {
        return new Operation.Create(1, path, bytes(data), Acl.OPEN, flags, -1);
    }

    static Operation.Create createWithAcl(String path, List<Acl> acl) {
        return new Operation.Create(1, path, new byte[0], acl, 0, -1);
    }

    static Operation.Create container(String path) {
        return new Operation.Create(19, path, null, Acl.OPEN, 4, -1);
    }

    static Operation.Create ttl(String path, long ttlMs) {
        return new Operation.Create(21, path, new byte[0], Acl.OPEN, 5, ttlMs);
    }

    static Operation.Delete delete(String path) {
        return new Operation.Delete(path, -1);
    }

    static Operation.SetData setData(String path, String data) {
        return new Operation.SetData(path, bytes(data), -1);
    }

    static int code(Result result) {
        return result.errorCode();
    }
}
