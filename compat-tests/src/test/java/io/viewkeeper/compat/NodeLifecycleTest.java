package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.OPEN;
import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.create;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** Containers and TTL nodes reaped by the server's background check (§4.3), with a short check interval. */
class NodeLifecycleTest extends CompatTestBase {
    private static final Duration REAP_WAIT = Duration.ofSeconds(15);

    @Override
    protected ServerSettings settings() {
        return ServerSettings.defaults().withContainerCheckIntervalMs(100);
    }

    @Test
    void shouldDeleteAContainerOnceItsLastChildGoes() throws Exception {
        TestClient c = client();
        ZooKeeper zk = c.zk();
        create(zk, "/never-used", null, CreateMode.CONTAINER);
        Stat container = create(zk, "/box", null, CreateMode.CONTAINER);
        create(zk, "/box/item", "x");
        zk.exists("/box", true);
        zk.getChildren("/box", true);
        assertThat(zk.exists("/box", false).getNumChildren()).isEqualTo(1);
        zk.delete("/box/item", -1);
        await("container reaped").atMost(REAP_WAIT).until(() -> zk.exists("/box", false) == null);
        assertThat(c.drainEvents()).containsExactly("NodeChildrenChanged /box", "NodeDeleted /box");
        assertThat(zk.exists("/never-used", false)).as("a never-used container stays").isNotNull();
        long next = create(zk, "/after-box", null).getCzxid();
        assertThat(next).as("the reaping delete took a zxid").isGreaterThanOrEqualTo(container.getCzxid() + 4);
        zk.delete("/after-box", -1);
        zk.delete("/never-used", -1);
    }

    @Test
    void shouldLetContainersHaveChildrenAndSurviveWhileTheyDo() throws Exception {
        ZooKeeper zk = client().zk();
        create(zk, "/shelf", null, CreateMode.CONTAINER);
        create(zk, "/shelf/a", null);
        create(zk, "/shelf/a/b", null);
        create(zk, "/shelf/c", null, CreateMode.EPHEMERAL);
        zk.delete("/shelf/c", -1);
        // the same check pass that would take /shelf runs many times while it still has a child
        create(zk, "/probe", null, CreateMode.CONTAINER);
        create(zk, "/probe/x", null);
        zk.delete("/probe/x", -1);
        await("probe container reaped").atMost(REAP_WAIT).until(() -> zk.exists("/probe", false) == null);
        assertThat(zk.exists("/shelf", false).getNumChildren()).isEqualTo(1);
        zk.delete("/shelf/a/b", -1);
        zk.delete("/shelf/a", -1);
        await("shelf reaped").atMost(REAP_WAIT).until(() -> zk.exists("/shelf", false) == null);
    }

    @Test
    void shouldExpireTtlNodesWithoutChildren() throws Exception {
        TestClient c = client();
        ZooKeeper zk = c.zk();
        // watched before it exists: an exists after the create could come later than the 300 ms (a slow reply)
        zk.addWatch("/ttl", AddWatchMode.PERSISTENT);
        Stat stat = new Stat();
        zk.create("/ttl", bytes("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, stat, 300);
        assertThat(stat.getEphemeralOwner()).isZero();
        String seq = zk.create("/ttls-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, new Stat(), 300);
        zk.create("/ttl-parent", null, OPEN, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 300);
        create(zk, "/ttl-parent/child", null);
        zk.create("/ttl-long", null, OPEN, CreateMode.PERSISTENT_WITH_TTL, new Stat(), 3_600_000);
        await("ttl node expired").atMost(REAP_WAIT).until(() -> zk.exists("/ttl", false) == null);
        await("sequential ttl node expired").atMost(REAP_WAIT).until(() -> zk.exists(seq, false) == null);
        assertThat(c.drainEvents()).containsExactly("NodeCreated /ttl", "NodeDeleted /ttl");
        assertThat(zk.exists("/ttl-parent", false)).as("a TTL node with children stays").isNotNull();
        assertThat(zk.exists("/ttl-long", false)).isNotNull();
        zk.delete("/ttl-parent/child", -1);
        await("ttl parent expired once empty").atMost(REAP_WAIT)
                .until(() -> zk.exists("/ttl-parent", false) == null);
        zk.delete("/ttl-long", -1);
    }
}
