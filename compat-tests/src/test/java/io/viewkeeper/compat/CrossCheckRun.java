package io.viewkeeper.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;

/**
 * One seeded run of random client operations against one server, written down as text lines that do not depend on
 * the server's identity: zxids as deltas from the run's first write, session ids as slot names, times left out,
 * children sorted. Two servers that behave alike produce identical lines. Operations run one at a time, and after
 * each every session's watch events are collected with a round trip, so the order of lines is deterministic.
 */
final class CrossCheckRun {
    private static final int SESSIONS = 3;
    private static final String[] NAMES = {"a", "b", "c"};
    private static final String[] DATA = {null, "", "x", "yy"};
    private static final String USER = "u1:p1";

    private final List<String> servers;
    private final String connectString;
    private final Random random;
    private final long seed;
    private final int ops;
    private final String root;
    private final List<String> out = new ArrayList<>();
    private final Slot[] slots = new Slot[SESSIONS];
    private final Map<Long, String> sessionNames = new HashMap<>();
    private final List<ZooKeeper> retired = new ArrayList<>();
    private final List<String> known = new ArrayList<>();
    private long base;

    CrossCheckRun(String connectString, long seed, int ops) {
        this(List.of(connectString), seed, ops);
    }

    /**
     * A run whose sessions are spread over {@code servers} (the replicas of one group, each a connect string of its
     * own): slot i's g-th session goes to server (i + g) mod n, and the second handle that ends a session goes to
     * the server after the session's.
     */
    CrossCheckRun(List<String> servers, long seed, int ops) {
        this.servers = List.copyOf(servers);
        this.connectString = String.join(",", servers);
        this.random = new Random(seed);
        this.seed = seed;
        this.ops = ops;
        this.root = "/cc" + seed;
    }

    /** One client session in a slot; a slot gets a new session after a close or an expiry. */
    private static final class Slot {
        ZooKeeper zk;
        EventLog events;
        int server;
        int generation;
        boolean authenticated;
    }

    List<String> execute() throws Exception {
        long started = System.nanoTime();
        try {
            return run(started);
        } finally {
            System.out.printf("crosscheck %s seed %d: closed after %d ms%n", connectString, seed,
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    private List<String> run(long started) throws Exception {
        try {
            for (int i = 0; i < SESSIONS; i++) {
                slots[i] = new Slot();
                open(i);
            }
            Stat rootStat = new Stat();
            slots[0].zk.create(root, null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, rootStat);
            base = rootStat.getCzxid();
            for (int step = 0; step < ops; step++) {
                int slot = random.nextInt(SESSIONS);
                String line = step + " s" + slot + " " + randomOp(slot);
                out.add(line);
                collectEvents(line.contains(" close") || line.contains(" expire"));
            }
            dumpTree(root);
            System.out.printf("crosscheck %s seed %d: %d ops, %d lines, %d ms%n", connectString, seed, ops,
                    out.size(), (System.nanoTime() - started) / 1_000_000);
            String dump = System.getProperty("crosscheck.dump");
            if (dump != null && !dump.isBlank()) {
                java.nio.file.Path file = java.nio.file.Path.of(dump, "seed-" + seed + "-"
                        + servers.get(0).replace(':', '_') + ".txt");
                java.nio.file.Files.createDirectories(file.getParent());
                java.nio.file.Files.write(file, out);
            }
            return out;
        } finally {
            for (Slot s : slots) {
                if (s != null && s.zk != null) {
                    s.zk.close();
                }
            }
            // a handle whose session ended elsewhere may still be waiting to reconnect; closing it can take a
            // reconnect attempt, which this run need not wait for
            List<ZooKeeper> stale = List.copyOf(retired);
            Thread closer = new Thread(() -> stale.forEach(CrossCheckRun::closeQuietly), "crosscheck-closer");
            closer.setDaemon(true);
            closer.start();
            // the run's nodes stay; each run has its own root
        }
    }

    private void open(int i) throws Exception {
        Slot s = slots[i];
        s.events = new EventLog();
        s.server = (i + s.generation) % servers.size();
        s.zk = new ZooKeeper(servers.get(s.server), 30_000, s.events);
        s.events.awaitState(KeeperState.SyncConnected);
        s.generation++;
        s.authenticated = false;
        sessionNames.put(s.zk.getSessionId(), "s" + i + "." + s.generation);
    }

    private String randomOp(int slot) throws Exception {
        ZooKeeper zk = slots[slot].zk;
        int kind = random.nextInt(100);
        String path = randomPath();
        try {
            if (kind < 22) {
                return create(zk, path);
            } else if (kind < 32) {
                int version = randomVersion();
                zk.delete(path, version);
                return "delete " + path + " v" + version + " -> ok";
            } else if (kind < 42) {
                String data = DATA[random.nextInt(DATA.length)];
                int version = randomVersion();
                Stat s = zk.setData(path, bytes(data), version);
                return "setData " + path + " " + data + " v" + version + " -> " + stat(s);
            } else if (kind < 50) {
                boolean watch = random.nextInt(4) != 0;
                Stat s = new Stat();
                byte[] d = zk.getData(path, watch, s);
                return "getData " + path + " w=" + watch + " -> " + text(d) + " " + stat(s);
            } else if (kind < 57) {
                boolean watch = random.nextInt(4) != 0;
                Stat s = zk.exists(path, watch);
                return "exists " + path + " w=" + watch + " -> " + (s == null ? "null" : stat(s));
            } else if (kind < 64) {
                boolean watch = random.nextInt(4) != 0;
                Stat s = new Stat();
                List<String> children = zk.getChildren(path, watch, s);
                return "getChildren " + path + " w=" + watch + " -> " + sorted(children) + " " + stat(s);
            } else if (kind < 68) {
                Stat s = new Stat();
                List<ACL> acl = zk.getACL(path, s);
                return "getACL " + path + " -> " + acl(acl) + " " + stat(s);
            } else if (kind < 72) {
                int choice = random.nextInt(4);
                int version = random.nextBoolean() ? -1 : 0;
                Stat s = zk.setACL(path, aclChoice(choice), version);
                return "setACL " + path + " acl" + choice + " v" + version + " -> " + stat(s);
            } else if (kind < 80) {
                return multi(zk);
            } else if (kind < 83) {
                return multiRead(zk);
            } else if (kind < 86) {
                zk.addAuthInfo("digest", bytes(USER));
                slots[slot].authenticated = true;
                return "addauth " + USER + " -> ok";
            } else if (kind < 90) {
                AddWatchMode mode = random.nextBoolean() ? AddWatchMode.PERSISTENT : AddWatchMode.PERSISTENT_RECURSIVE;
                zk.addWatch(path, mode);
                return "addWatch " + path + " " + mode + " -> ok";
            } else if (kind < 92) {
                return "getEphemerals -> " + sorted(zk.getEphemerals(root));
            } else if (kind < 94) {
                return "getAllChildrenNumber " + path + " -> " + zk.getAllChildrenNumber(path);
            } else if (kind < 97) {
                zk.close();
                open(slot);
                return "close -> reopened";
            } else {
                return expire(slot);
            }
        } catch (KeeperException e) {
            return opName(kind) + " " + path + " -> " + e.code();
        }
    }

    private static String opName(int kind) {
        String[] names = {"create", "delete", "setData", "getData", "exists", "getChildren", "getACL", "setACL",
            "multi", "multiRead", "addauth", "addWatch", "getEphemerals", "getAllChildrenNumber"};
        int[] bounds = {22, 32, 42, 50, 57, 64, 68, 72, 80, 83, 86, 90, 92, 94};
        for (int i = 0; i < bounds.length; i++) {
            if (kind < bounds[i]) {
                return names[i];
            }
        }
        return "session";
    }

    private String create(ZooKeeper zk, String path) throws Exception {
        CreateMode[] modes = {CreateMode.PERSISTENT, CreateMode.PERSISTENT, CreateMode.EPHEMERAL,
            CreateMode.PERSISTENT_SEQUENTIAL, CreateMode.EPHEMERAL_SEQUENTIAL, CreateMode.CONTAINER,
            CreateMode.PERSISTENT_WITH_TTL};
        CreateMode mode = modes[random.nextInt(modes.length)];
        String data = DATA[random.nextInt(DATA.length)];
        int choice = random.nextInt(6) < 3 ? 0 : random.nextInt(4);
        Stat s = new Stat();
        String name = mode.isTTL()
                ? zk.create(path, bytes(data), aclChoice(choice), mode, s, 3_600_000)
                : zk.create(path, bytes(data), aclChoice(choice), mode, s);
        if (known.size() < 40 && name.split("/").length <= 5) {
            known.add(name);
        }
        return "create " + path + " " + mode + " " + data + " acl" + choice + " -> " + name + " " + stat(s);
    }

    private String multi(ZooKeeper zk) throws InterruptedException {
        List<Op> batch = new ArrayList<>();
        StringBuilder text = new StringBuilder("multi [");
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            String path = randomPath();
            switch (random.nextInt(4)) {
                case 0 -> {
                    boolean seq = random.nextInt(3) == 0;
                    batch.add(Op.create(path, bytes("m"), Ids.OPEN_ACL_UNSAFE,
                            seq ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT));
                    text.append(" create ").append(path).append(seq ? " seq" : "");
                }
                case 1 -> {
                    batch.add(Op.delete(path, -1));
                    text.append(" delete ").append(path);
                }
                case 2 -> {
                    int v = randomVersion();
                    batch.add(Op.setData(path, bytes("md"), v));
                    text.append(" setData ").append(path).append(" v").append(v);
                }
                default -> {
                    int v = randomVersion();
                    batch.add(Op.check(path, v));
                    text.append(" check ").append(path).append(" v").append(v);
                }
            }
        }
        text.append(" ] -> ");
        try {
            List<OpResult> results = zk.multi(batch);
            return text.toString() + results.stream().map(this::result).collect(Collectors.joining(", "));
        } catch (KeeperException e) {
            return text.toString() + e.code() + " " + e.getResults().stream().map(this::result).collect(Collectors.joining(", "));
        }
    }

    private String multiRead(ZooKeeper zk) throws Exception {
        String a = randomPath();
        String b = randomPath();
        List<OpResult> results = zk.multi(List.of(Op.getData(a), Op.getChildren(b)));
        return "multiRead getData " + a + " getChildren " + b + " -> "
                + results.stream().map(this::result).collect(Collectors.joining(", "));
    }

    private String result(OpResult r) {
        if (r instanceof OpResult.CreateResult c) {
            return "create " + c.getPath() + (c.getStat() == null ? "" : " " + stat(c.getStat()));
        } else if (r instanceof OpResult.SetDataResult s) {
            return "setData " + stat(s.getStat());
        } else if (r instanceof OpResult.DeleteResult) {
            return "delete";
        } else if (r instanceof OpResult.CheckResult) {
            return "check";
        } else if (r instanceof OpResult.GetDataResult g) {
            return "data " + text(g.getData()) + " " + stat(g.getStat());
        } else if (r instanceof OpResult.GetChildrenResult g) {
            return "children " + sorted(g.getChildren());
        } else if (r instanceof OpResult.ErrorResult e) {
            return "error " + e.getErr();
        }
        return r.getClass().getSimpleName();
    }

    /** Ends the slot's session from a second handle on the same session, then opens a fresh one. */
    private String expire(int slot) throws Exception {
        Slot s = slots[slot];
        EventLog log = new EventLog();
        String other = servers.get((s.server + 1) % servers.size());
        ZooKeeper twin = new ZooKeeper(other, 30_000, log, s.zk.getSessionId(), s.zk.getSessionPasswd());
        try {
            log.awaitState(KeeperState.SyncConnected);
        } finally {
            twin.close();
        }
        // the old handle learns of the expiry only when it reconnects; that changes nothing on the server, so it is
        // left to find out on its own and closed at the end of the run
        retired.add(s.zk);
        open(slot);
        return "expire -> reopened";
    }

    private void collectEvents(boolean unordered) {
        for (int i = 0; i < SESSIONS; i++) {
            List<String> events = new ArrayList<>();
            for (WatchedEvent e : slots[i].events.drainRaw(slots[i].zk)) {
                long zxid = e.getZxid();
                events.add(e.getType() + " " + e.getPath() + " z" + (zxid < 0 ? zxid : zxid - base));
            }
            if (unordered) {
                // ZooKeeper does not define the order in which a closing session's ephemerals are deleted
                events.sort(null);
            }
            for (String event : events) {
                out.add("   event s" + i + ": " + event);
            }
        }
    }

    private void dumpTree(String path) throws Exception {
        ZooKeeper zk = slots[0].zk;
        zk.addAuthInfo("digest", bytes("super:" + ServerSettings.SUPER_PASSWORD));
        Stat s = new Stat();
        byte[] data = zk.getData(path, false, s);
        List<String> children = sorted(zk.getChildren(path, false));
        out.add("final " + path + " " + text(data) + " " + stat(s) + " " + acl(zk.getACL(path, new Stat())));
        for (String child : children) {
            dumpTree(path + "/" + child);
        }
    }

    /**
     * Mostly a node an earlier step created (or a child of one), so that operations find something; otherwise a
     * random shallow path. The choice depends only on earlier results, which both servers must agree on.
     */
    private String randomPath() {
        if (!known.isEmpty() && random.nextInt(10) < 7) {
            String base = known.get(random.nextInt(known.size()));
            return random.nextBoolean() ? base : base + "/" + NAMES[random.nextInt(NAMES.length)];
        }
        int depth = 1 + (random.nextInt(10) < 6 ? 0 : random.nextInt(2));
        StringBuilder p = new StringBuilder(root);
        for (int i = 0; i < depth; i++) {
            p.append('/').append(NAMES[random.nextInt(NAMES.length)]);
        }
        return p.toString();
    }

    private int randomVersion() {
        int r = random.nextInt(4);
        return r < 2 ? -1 : r - 2;
    }

    private static List<ACL> aclChoice(int choice) {
        return switch (choice) {
            case 0 -> new ArrayList<>(Ids.OPEN_ACL_UNSAFE);
            case 1 -> new ArrayList<>(Ids.READ_ACL_UNSAFE);
            case 2 -> new ArrayList<>(List.of(new ACL(Perms.ALL, new Id("digest", ServerSettings.digest(USER))),
                    new ACL(Perms.READ, Ids.ANYONE_ID_UNSAFE)));
            default -> new ArrayList<>(Ids.CREATOR_ALL_ACL);
        };
    }

    private String stat(Stat s) {
        return "[c" + rel(s.getCzxid()) + " m" + rel(s.getMzxid()) + " p" + rel(s.getPzxid()) + " v" + s.getVersion()
                + " cv" + s.getCversion() + " av" + s.getAversion() + " o=" + owner(s.getEphemeralOwner())
                + " len" + s.getDataLength() + " n" + s.getNumChildren() + "]";
    }

    private long rel(long zxid) {
        return zxid - base;
    }

    private String owner(long sessionId) {
        return sessionId == 0 ? "0" : sessionNames.getOrDefault(sessionId, "unknown");
    }

    private static String acl(List<ACL> acl) {
        return acl.stream().map(a -> a.getId().getScheme() + ":" + a.getId().getId() + ":" + a.getPerms())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static void closeQuietly(ZooKeeper zk) {
        try {
            zk.close(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? "null" : "'" + new String(b, StandardCharsets.UTF_8) + "'";
    }
}
