package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random stream of ops applied the way the replica applies them: creates of every kind, data and ACL
 * changes, deletes, multis that often fail and roll back, sessions opened and closed with their ephemerals, and a
 * quota whose stats node is rewritten in place. The same seed gives the same tree.
 */
public final class RandomWorkload {
    private static final List<Identity> LOOPBACK = List.of(new Identity("ip", "127.0.0.1"));
    private static final int NAMES = 400;

    private final ZnodeStateMachine machine;
    private final Random random;
    private final List<String> paths = new ArrayList<>(List.of("/", "/q"));
    private final List<Long> sessions = new ArrayList<>();
    private long nextSession = 0x0100000000000001L;
    private final long adminSession;
    private long zxid;

    public RandomWorkload(long seed) {
        this(seed, new DataTree());
    }

    public RandomWorkload(long seed, DataTree tree) {
        machine = new ZnodeStateMachine(tree, new SessionTable(), true, false);
        random = new Random(seed);
        adminSession = openSession();
        sessions.clear();
        for (String path : List.of("/q", "/zookeeper/quota/q", "/zookeeper/quota/q/zookeeper_limits",
                "/zookeeper/quota/q/zookeeper_stats")) {
            apply(adminSession, new Operation.Create(1, path, bytes("count=1000,bytes=100000"), Acl.OPEN, 0, -1));
        }
    }

    public ZnodeStateMachine machine() {
        return machine;
    }

    /** A session the random ops never close. */
    public long adminSession() {
        return adminSession;
    }

    public long zxid() {
        return zxid;
    }

    public void run(int ops) {
        for (int i = 0; i < ops; i++) {
            step();
        }
    }

    /** Sets the data of each of {@code targets}, which must exist. */
    public void setData(List<String> targets, String data) {
        for (String path : targets) {
            Result result = apply(adminSession, new Operation.SetData(path, bytes(data), -1));
            if (result instanceof Result.Error e) {
                throw new IllegalStateException("setData " + path + " failed with " + e.code());
            }
        }
    }

    public Result apply(long session, Operation op) {
        zxid++;
        return machine.apply(zxid, new Txn(session, (int) zxid, 1_700_000_000_000L + zxid, LOOPBACK, op)).result();
    }

    private void step() {
        int roll = random.nextInt(100);
        if (roll < 3 || sessions.isEmpty()) {
            openSession();
        } else if (roll < 5) {
            long session = sessions.remove(random.nextInt(sessions.size()));
            apply(session, new Operation.CloseSession(session));
        } else if (roll < 50) {
            if (apply(session(), create()) instanceof Result.Created created) {
                paths.add(created.path());
            }
        } else if (roll < 68) {
            apply(session(), new Operation.SetData(anyPath(), data(), random.nextInt(4) == 0 ? 0 : -1));
        } else if (roll < 76) {
            apply(session(), new Operation.Delete(anyPath(), -1));
        } else if (roll < 80) {
            List<Acl> acl = random.nextBoolean() ? Acl.OPEN : List.of(new Acl(Acl.ALL, "ip", "127.0.0.1"));
            apply(session(), new Operation.SetAcl(anyPath(), acl, -1));
        } else if (roll < 96) {
            apply(session(), multi());
        } else {
            apply(random.nextBoolean() ? session() : 0x7F00000000000001L, new Operation.Failed(-4));
        }
    }

    private long openSession() {
        long session = nextSession++;
        byte[] password = new byte[16];
        random.nextBytes(password);
        apply(session, new Operation.CreateSession(session, 4000 + random.nextInt(30_000), password));
        sessions.add(session);
        return session;
    }

    private long session() {
        return sessions.isEmpty() ? 0 : sessions.get(random.nextInt(sessions.size()));
    }

    private Operation.Create create() {
        String parent = anyPath();
        String path = (parent.equals("/") ? "" : parent) + "/n" + random.nextInt(NAMES);
        int kind = random.nextInt(10);
        if (kind == 0) {
            return new Operation.Create(19, path, data(), Acl.OPEN, 4, -1);
        }
        if (kind == 1) {
            return new Operation.Create(21, path, data(), Acl.OPEN, 5, 1 + random.nextInt(100_000));
        }
        int flags = kind < 5 ? 0 : kind < 7 ? 1 : kind < 9 ? 2 : 3;
        return new Operation.Create(1, path, data(), Acl.OPEN, flags, -1);
    }

    private Operation.Multi multi() {
        List<Operation> ops = new ArrayList<>();
        int size = 2 + random.nextInt(4);
        for (int i = 0; i < size; i++) {
            switch (random.nextInt(4)) {
                case 0 -> ops.add(create());
                case 1 -> ops.add(new Operation.SetData(anyPath(), data(), -1));
                case 2 -> ops.add(new Operation.Delete(anyPath(), -1));
                default -> ops.add(new Operation.Check(anyPath(), random.nextInt(3) - 1));
            }
        }
        return new Operation.Multi(ops);
    }

    private String anyPath() {
        return paths.get(random.nextInt(paths.size()));
    }

    private byte[] data() {
        if (random.nextInt(10) == 0) {
            return null;
        }
        byte[] data = new byte[random.nextInt(24)];
        random.nextBytes(data);
        return data;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
