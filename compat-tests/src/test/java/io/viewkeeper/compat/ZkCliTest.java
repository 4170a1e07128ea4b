package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.ZooKeeperMain;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * zkCli (ZooKeeperMain) driven line by line as a user types, with its printed output compared to what it prints
 * against ZooKeeper. Values that depend on the moment (zxids, times, session ids) come from the same server
 * through the Java client.
 */
class ZkCliTest extends CompatTestBase {
    /** What zkCli writes, to System.out and System.err alike, since the last {@link #clear()}. */
    private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();

    static {
        // zkCli's commands keep the System.out and System.err they saw when their class loaded, so the capture must
        // be in place before ZooKeeperMain is first touched; the original streams still get everything.
        System.setOut(new PrintStream(new Tee(System.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(System.err), true, StandardCharsets.UTF_8));
    }

    private ZooKeeperMain cli;
    private ZooKeeper zk;

    @BeforeEach
    void connect() throws Exception {
        clear();
        cli = new ZooKeeperMain(new String[] {"-server", nextConnectString()});
        closeAfterTest(() -> cli.executeLine("close"));
        await("zkCli connected").atMost(EventLog.TIMEOUT).until(() -> output().contains("state:SyncConnected"));
        clear();
        zk = client().zk();
    }

    /** Runs one command line and returns what it printed. */
    private String run(String line) throws Exception {
        clear();
        cli.executeLine(line);
        return output();
    }

    @Test
    void shouldCreateGetSetAndDeleteLikeZookeeper() throws Exception {
        assertThat(run("create /cli hello")).isEqualTo("Created /cli\n");
        assertThat(run("get /cli")).isEqualTo("hello\n");
        assertThat(run("create /cli/nodata")).isEqualTo("Created /cli/nodata\n");
        assertThat(run("get /cli/nodata")).isEqualTo("null\n");
        assertThat(run("create -s /cli/seq- x")).isEqualTo("Created /cli/seq-0000000001\n");
        assertThat(run("create -e /cli/eph x")).isEqualTo("Created /cli/eph\n");
        assertThat(run("create /cli hello")).isEqualTo("Node already exists: /cli\n");
        assertThat(run("set /cli world")).isEmpty();
        assertThat(run("set -v 7 /cli again")).isEqualTo("version No is not valid : /cli\n");
        assertThat(run("get /cli")).isEqualTo("world\n");
        assertThat(run("get /missing")).isEqualTo("Node does not exist: /missing\n");
        assertThat(run("create /missing/child")).isEqualTo("Node does not exist: /missing/child\n");
        assertThat(run("delete /cli")).isEqualTo("Node not empty: /cli\n");
        assertThat(run("delete /cli/nodata")).isEmpty();
        assertThat(run("ls /cli")).isIn("[eph, seq-0000000001]\n", "[seq-0000000001, eph]\n");
        assertThat(run("deleteall /cli")).isEmpty();
        assertThat(zk.exists("/cli", false)).isNull();
        assertThat(run("create /cli/eph/x")).isEqualTo("Node does not exist: /cli/eph/x\n");
    }

    @Test
    void shouldPrintStatExactly() throws Exception {
        run("create /st abc");
        run("create /st/child");
        run("set /st abcd");
        Stat stat = zk.exists("/st", false);
        assertThat(run("stat /st")).isEqualTo(statText(stat));
        assertThat(run("get -s /st")).isEqualTo("abcd\n" + statText(stat));
        assertThat(run("ls -s /st")).isEqualTo("[child]\n" + statText(stat));
        assertThat(run("set -s /st xyz")).isEqualTo(statText(zk.exists("/st", false)));
        run("create -e /st/e");
        Stat eph = zk.exists("/st/e", false);
        assertThat(run("stat /st/e")).isEqualTo(statText(eph)).contains("ephemeralOwner = 0x"
                + Long.toHexString(eph.getEphemeralOwner()) + "\n");
        assertThat(run("stat /zookeeper")).isEqualTo(statText(zk.exists("/zookeeper", false)));
        assertThat(run("stat /nope")).isEqualTo("Node does not exist: /nope\n");
        run("deleteall /st");
    }

    @Test
    void shouldListChildrenRecursivelyAndTheRoot() throws Exception {
        run("create /lr");
        run("create /lr/a");
        run("create /lr/a/b");
        assertThat(run("ls -R /lr")).isEqualTo("/lr\n/lr/a\n/lr/a/b\n");
        assertThat(run("ls /zookeeper")).isIn("[config, quota]\n", "[quota, config]\n");
        assertThat(run("getAllChildrenNumber /lr")).isEqualTo("2\n");
        assertThat(run("ls /nope")).isEqualTo("Node does not exist: /nope\n");
        run("deleteall /lr");
    }

    @Test
    void shouldShowAndChangeAclsWithAddauth() throws Exception {
        run("create /acl data");
        assertThat(run("getAcl /acl")).isEqualTo("'world,'anyone\n: cdrwa\n");
        assertThat(run("getAcl /zookeeper/config")).isEqualTo("'world,'anyone\n: r\n");
        String digest = ServerSettings.digest("alice:pw");
        assertThat(run("setAcl /acl digest:" + digest + ":cdrwa,world:anyone:r")).isEmpty();
        assertThat(run("getAcl /acl")).isEqualTo("'digest,'alice:x\n: cdrwa\n'world,'anyone\n: r\n");
        assertThat(run("get /acl")).isEqualTo("data\n");
        assertThat(run("set /acl other")).isEqualTo("Insufficient permission : /acl\n");
        assertThat(run("addauth digest alice:pw")).isEmpty();
        assertThat(run("getAcl -s /acl")).isEqualTo("'digest,'" + digest + "\n: cdrwa\n'world,'anyone\n: r\n"
                + statText(zk.exists("/acl", false)));
        assertThat(run("set /acl other")).isEmpty();
        assertThat(run("setAcl -v 0 /acl world:anyone:cdrwa")).isEqualTo("version No is not valid : /acl\n");
        assertThat(run("setAcl /acl auth::cdrwa")).isEmpty();
        assertThat(run("getAcl /acl")).isEqualTo("'digest,'" + digest + "\n: cdrwa\n");
        assertThat(run("whoami")).isIn("Auth scheme: User\nip: 127.0.0.1\ndigest: alice\n",
                "Auth scheme: User\ndigest: alice\nip: 127.0.0.1\n");
        assertThat(run("delete /acl")).isEmpty();
    }

    @Test
    void shouldPrintWatchEventsFromAddWatch() throws Exception {
        run("create /watched");
        // zkCli keeps one AddWatchCommand per JVM and its mode outlives a "-m" given earlier, so the default
        // (recursive) is named explicitly: another test class in this JVM may have run addWatch -m PERSISTENT.
        assertThat(run("addWatch -m PERSISTENT_RECURSIVE /watched")).isEmpty();
        zk.create("/watched/child", bytes("x"), Zk.OPEN, CreateMode.PERSISTENT);
        long czxid = zk.exists("/watched/child", false).getCzxid();
        String expected = "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeCreated path:/watched/child zxid: "
                + czxid + "\n";
        await("event printed").atMost(EventLog.TIMEOUT).until(() -> output().equals(expected));
        clear();
        assertThat(run("addWatch -m PERSISTENT /watched")).isEmpty();
        zk.setData("/watched", bytes("y"), -1);
        long mzxid = zk.exists("/watched", false).getMzxid();
        String changed = "\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/watched zxid: "
                + mzxid + "\n";
        await("event printed").atMost(EventLog.TIMEOUT).until(() -> output().equals(changed));
        run("deleteall /watched");
    }

    @Test
    void shouldListTheSessionsEphemerals() throws Exception {
        run("create /eph");
        run("create -e /eph/one");
        run("create -e -s /eph/s-");
        String all = run("getEphemerals");
        assertThat(all).isIn("[/eph/one, /eph/s-0000000001]\n", "[/eph/s-0000000001, /eph/one]\n");
        assertThat(run("getEphemerals /eph/o")).isEqualTo("[/eph/one]\n");
        assertThat(run("getEphemerals /nothing")).isEqualTo("[]\n");
        zk.create("/eph/other", null, Zk.OPEN, CreateMode.EPHEMERAL);
        assertThat(run("getEphemerals /eph/ot")).isEqualTo("[]\n");
    }

    @Test
    void shouldPrintTheConfigAndSyncResult() throws Exception {
        if (target() == TargetServer.Kind.CLUSTER) {
            // zkCli prints the members a ZooKeeper ensemble member shows (its own file, with reconfig off)
            assertThat(run("config")).matches("(server\\.[1-3]=127\\.0\\.0\\.[1-3]:\\d+:\\d+:participant;"
                    + "(127\\.0\\.0\\.[1-3]|0\\.0\\.0\\.0):\\d+\n){3}version=0\n");
        } else {
            assertThat(run("config")).isEqualTo("\n");
        }
        assertThat(run("sync /")).isEqualTo("Sync is OK\n");
    }

    /** The stat block zkCli prints (StatPrinter), from a Stat read through the Java client. */
    static String statText(Stat s) {
        return "cZxid = 0x" + Long.toHexString(s.getCzxid()) + "\n"
                + "ctime = " + new Date(s.getCtime()) + "\n"
                + "mZxid = 0x" + Long.toHexString(s.getMzxid()) + "\n"
                + "mtime = " + new Date(s.getMtime()) + "\n"
                + "pZxid = 0x" + Long.toHexString(s.getPzxid()) + "\n"
                + "cversion = " + s.getCversion() + "\n"
                + "dataVersion = " + s.getVersion() + "\n"
                + "aclVersion = " + s.getAversion() + "\n"
                + "ephemeralOwner = 0x" + Long.toHexString(s.getEphemeralOwner()) + "\n"
                + "dataLength = " + s.getDataLength() + "\n"
                + "numChildren = " + s.getNumChildren() + "\n";
    }

    private static void clear() {
        synchronized (CAPTURED) {
            CAPTURED.reset();
        }
    }

    private static String output() {
        synchronized (CAPTURED) {
            return CAPTURED.toString(StandardCharsets.UTF_8);
        }
    }

    /** Copies everything to the original stream and to the capture buffer. */
    private static final class Tee extends OutputStream {
        private final PrintStream original;

        Tee(PrintStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            original.write(b);
            synchronized (CAPTURED) {
                CAPTURED.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            original.write(b, off, len);
            synchronized (CAPTURED) {
                CAPTURED.write(b, off, len);
            }
        }
    }
}
