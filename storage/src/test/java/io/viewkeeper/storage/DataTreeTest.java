package io.viewkeeper.storage;

import static io.viewkeeper.storage.TreeFixture.SESSION;
import static io.viewkeeper.storage.TreeFixture.create;
import static io.viewkeeper.storage.TreeFixture.delete;
import static io.viewkeeper.storage.TreeFixture.setData;
import static io.viewkeeper.storage.TreeFixture.timeOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stat semantics of the tree (ZK_PROTOCOL.md §4): built-in nodes, cversion, zxids, null data, quotas. */
class DataTreeTest {
    private final TreeFixture fixture = new TreeFixture().withSessions();

    @Test
    void shouldExposeZooKeeperBuiltInNodesWhenTreeIsFresh() {
        DataTree tree = new DataTree();

        assertThat(tree.get("/").stat()).isEqualTo(new Stat(0, 0, 0, 0, 0, -1, 0, 0, 0, 1, 0));
        assertThat(tree.get("/zookeeper").stat()).isEqualTo(new Stat(0, 0, 0, 0, 0, -2, 0, 0, 0, 2, 0));
        assertThat(tree.get("/zookeeper/quota").stat()).isEqualTo(new Stat(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(tree.get("/zookeeper/config").stat()).isEqualTo(new Stat(0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0));
        assertThat(tree.get("/zookeeper/config").acl()).containsExactly(new Acl(Acl.READ, "world", "anyone"));
        assertThat(tree.get("/").acl()).containsExactly(new Acl(Acl.ALL, "world", "anyone"));
        assertThat(tree.get("/zookeeper").acl()).containsExactly(new Acl(Acl.ALL, "world", "anyone"));
        assertThat(tree.get("/").children()).containsExactly("zookeeper");
        assertThat(tree.get("/zookeeper").children()).containsExactlyInAnyOrder("quota", "config");
        for (String path : List.of("/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config")) {
            assertThat(tree.get(path).data()).as(path + " has empty, not null, data").isNotNull().isEmpty();
        }
        assertThat(tree.nodeCount()).isEqualTo(4);
        assertThat(tree.descendantCount("/")).isEqualTo(3);
    }

    @Test
    void shouldSetEveryStatFieldWhenNodeIsCreated() {
        long before = fixture.zxid;

        Result result = fixture.run(create("/a", "abc"));

        long zxid = before + 1;
        assertThat(result).isEqualTo(new Result.Created("/a", fixture.stat("/a")));
        assertThat(fixture.stat("/a")).isEqualTo(new Stat(zxid, zxid, timeOf(zxid), timeOf(zxid), 0, 0, 0, 0, 3, 0,
                zxid));
        assertThat(fixture.stat("/").pzxid()).isEqualTo(zxid);
        assertThat(fixture.stat("/").cversion()).as("-1 on a fresh tree, +1 per child create").isZero();
    }

    @Test
    void shouldReportCversionAsTwiceCreationsMinusChildrenWhenChildrenComeAndGo() {
        fixture.run(create("/s", null));
        for (int i = 0; i < 3; i++) {
            assertThat(fixture.run(create("/s/n-", null, 2))).isInstanceOf(Result.Created.class);
        }
        assertThat(fixture.tree().get("/s").children())
                .containsExactlyInAnyOrder("n-0000000000", "n-0000000001", "n-0000000002");
        assertThat(fixture.stat("/s").cversion()).isEqualTo(3);

        fixture.run(delete("/s/n-0000000001"));
        long deleteZxid = fixture.zxid;
        assertThat(fixture.stat("/s").cversion()).isEqualTo(4);
        assertThat(fixture.stat("/s").pzxid()).isEqualTo(deleteZxid);
        assertThat(fixture.tree().get("/s").childCreations()).as("a delete does not change the stored count")
                .isEqualTo(3);

        Result next = fixture.run(create("/s/n-", null, 2));
        assertThat(((Result.Created) next).path()).isEqualTo("/s/n-0000000003");
        assertThat(fixture.stat("/s").cversion()).isEqualTo(5);
    }

    @Test
    void shouldListChildrenInTheOrderOfZooKeepersHashSetOfEightWhenTheyComeAndGo() {
        // ZooKeeper's DataNode keeps child names in a new HashSet<>(8): the same adds and removes, the same order
        java.util.Set<String> zooKeeperOrder = new java.util.HashSet<>(8);
        fixture.run(create("/order", null));
        for (int i = 0; i < 300; i++) {
            String name = "c" + Integer.toString(i * 7919 % 1000, 36) + (i % 3 == 0 ? "-x" : "");
            fixture.run(create("/order/" + name, null));
            zooKeeperOrder.add(name);
            if (i % 4 == 1) {
                String gone = zooKeeperOrder.iterator().next();
                fixture.run(delete("/order/" + gone));
                zooKeeperOrder.remove(gone);
            }
        }
        assertThat(fixture.tree().get("/order").children()).containsExactlyElementsOf(zooKeeperOrder);
        // a few children keep the table of 8 that orders them (a larger first table would order them otherwise)
        fixture.run(create("/few", null));
        java.util.Set<String> few = new java.util.HashSet<>(8);
        for (String name : List.of("kafka", "brokers", "ids", "topics", "locks")) {
            fixture.run(create("/few/" + name, null));
            few.add(name);
        }
        assertThat(fixture.tree().get("/few").children()).containsExactlyElementsOf(few);
    }

    @Test
    void shouldFindNoNodeWhenThePathIsNullNotAbsoluteOrEndsInASlash() {
        fixture.run(create("/a", null));
        fixture.run(create("/a/b", null));
        assertThat(fixture.tree().get("/a/b")).isNotNull();
        for (String odd : List.of("", "a", "a/b", "/a/", "/a/b/", "//a", "/a//b", "/a/b/c", "/zookeeper/")) {
            assertThat(fixture.tree().get(odd)).as("'%s'", odd).isNull();
        }
        assertThat(fixture.tree().get("/")).isNotNull();
        assertThat(fixture.tree().get(null)).as("a null path, which setWatches may carry").isNull();
    }

    @Test
    void shouldNameRootSequentialFromStoredCountWhenRootHadTwoCreates() {
        fixture.run(create("/x", null));
        fixture.run(create("/y", null));
        assertThat(fixture.stat("/").cversion()).isEqualTo(1);

        Result seq = fixture.run(create("/seq-", null, 2));

        assertThat(((Result.Created) seq).path()).isEqualTo("/seq-0000000002");
    }

    @Test
    void shouldAppendSuffixWhenSequentialPathEndsWithSlash() {
        fixture.run(create("/s", null));

        Result seq = fixture.run(create("/s/", null, 2));

        assertThat(((Result.Created) seq).path()).isEqualTo("/s/0000000000");
    }

    @Test
    void shouldKeepNullDataApartFromEmptyDataWhenCreating() {
        fixture.run(create("/null", null));
        fixture.run(create("/empty", ""));

        assertThat(fixture.tree().get("/null").data()).isNull();
        assertThat(fixture.stat("/null").dataLength()).isZero();
        assertThat(fixture.tree().get("/empty").data()).isNotNull().isEmpty();

        fixture.run(setData("/empty", null));
        assertThat(fixture.tree().get("/empty").data()).isNull();
    }

    @Test
    void shouldRaiseVersionAndMzxidButNotPzxidWhenDataIsSetEvenIfIdentical() {
        fixture.run(create("/a", "same"));
        long created = fixture.zxid;

        fixture.run(setData("/a", "same"));
        fixture.run(setData("/a", "same"));

        Stat stat = fixture.stat("/a");
        assertThat(stat.version()).isEqualTo(2);
        assertThat(stat.mzxid()).isEqualTo(fixture.zxid);
        assertThat(stat.mtime()).isEqualTo(timeOf(fixture.zxid));
        assertThat(stat.czxid()).isEqualTo(created);
        assertThat(stat.ctime()).isEqualTo(timeOf(created));
        assertThat(stat.pzxid()).isEqualTo(created);
    }

    @Test
    void shouldRaiseOnlyAversionWhenAclIsSet() {
        fixture.run(create("/a", "d"));
        long created = fixture.zxid;

        Result result = fixture.run(new Operation.SetAcl("/a", List.of(new Acl(Acl.READ, "world", "anyone")), 0));

        assertThat(result).isEqualTo(new Result.Updated(fixture.stat("/a")));
        assertThat(fixture.stat("/a").aversion()).isEqualTo(1);
        assertThat(fixture.stat("/a").mzxid()).isEqualTo(created);
        assertThat(fixture.stat("/a").mtime()).isEqualTo(timeOf(created));
        assertThat(fixture.stat("/a").version()).isZero();
        assertThat(TreeFixture.code(fixture.run(new Operation.SetAcl("/a", Acl.OPEN, 0))))
                .as("world:r leaves no ADMIN").isEqualTo(ErrorCode.NO_AUTH);
    }

    @Test
    void shouldCheckSetAclVersionAgainstAversionWhenAdminIsGranted() {
        fixture.run(create("/a", "d"));
        fixture.run(setData("/a", "e"));

        assertThat(TreeFixture.code(fixture.run(new Operation.SetAcl("/a", Acl.OPEN, 1))))
                .isEqualTo(ErrorCode.BAD_VERSION);
        assertThat(TreeFixture.code(fixture.run(new Operation.SetAcl("/a", Acl.OPEN, 0)))).isZero();
    }

    @Test
    void shouldShowSessionAsOwnerOnlyWhenNodeIsEphemeral() {
        fixture.run(create("/e", null, 1));
        fixture.run(TreeFixture.container("/c"));
        fixture.run(TreeFixture.ttl("/t", 5000));

        assertThat(fixture.stat("/e").ephemeralOwner()).isEqualTo(SESSION);
        assertThat(fixture.stat("/c").ephemeralOwner()).isZero();
        assertThat(fixture.stat("/t").ephemeralOwner()).isZero();
        assertThat(fixture.tree().get("/c").isContainer()).isTrue();
        assertThat(fixture.tree().get("/t").ttlMs()).isEqualTo(5000);
        assertThat(fixture.tree().ephemeralsOf(SESSION)).containsExactly("/e");
        assertThat(fixture.tree().containersAndTtlNodes()).containsExactlyInAnyOrder("/c", "/t");
    }

    @Test
    void shouldReplaceQuotaStatsAtOnceAndThenInPlaceWhenSubtreeChanges() {
        fixture.run(create("/q", "abc"));
        fixture.run(create("/q/c", "def"));
        fixture.run(create("/zookeeper/quota/q", null));
        fixture.run(create("/zookeeper/quota/q/zookeeper_limits", "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"));
        fixture.run(create("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0"));
        String statsPath = "/zookeeper/quota/q/zookeeper_stats";
        long statsCreated = fixture.zxid;
        assertThat(text(statsPath)).isEqualTo("count=2,bytes=6");

        ApplyOutcome outcome = fixture.apply(SESSION, TreeFixture.LOOPBACK, create("/q/d", "xy"));
        assertThat(text(statsPath)).isEqualTo("count=3,bytes=8");
        assertThat(outcome.changes()).extracting(Change::path).containsExactly("/q/d", "/q");
        fixture.run(setData("/q/c", "d"));
        assertThat(text(statsPath)).isEqualTo("count=3,bytes=6");
        fixture.run(delete("/q/d"));
        assertThat(text(statsPath)).isEqualTo("count=2,bytes=4");
        fixture.run(create("/other", "zzzz"));
        assertThat(text(statsPath)).isEqualTo("count=2,bytes=4");

        Stat stats = fixture.stat(statsPath);
        assertThat(stats.version()).as("rewritten in place").isZero();
        assertThat(stats.mzxid()).isEqualTo(statsCreated);
        assertThat(stats.mtime()).isEqualTo(timeOf(statsCreated));
    }

    @Test
    void shouldRefuseCreateOverHardCountLimitWhenQuotaIsEnforced() {
        TreeFixture enforcing = new TreeFixture(true, true).withSessions();
        enforcing.run(create("/q", null));
        enforcing.run(create("/zookeeper/quota/q", null));
        enforcing.run(create("/zookeeper/quota/q/zookeeper_limits", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2"));
        enforcing.run(create("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0"));
        assertThat(enforcing.run(create("/q/a", null))).isInstanceOf(Result.Created.class);
        long before = enforcing.zxid;

        Result refused = enforcing.run(create("/q/b", null));

        assertThat(TreeFixture.code(refused)).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(enforcing.machine.lastZxid()).as("a refused write still uses a zxid").isEqualTo(before + 1);
        assertThat(enforcing.tree().get("/q/b")).isNull();
    }

    @Test
    void shouldTrackApproximateDataSizeWhenNodesChange() {
        long initial = fixture.tree().approximateDataSize();

        fixture.run(create("/sz", "12345"));
        fixture.run(setData("/sz", "12"));

        assertThat(fixture.tree().approximateDataSize()).isEqualTo(initial + "/sz".length() + 2);
        fixture.run(delete("/sz"));
        assertThat(fixture.tree().approximateDataSize()).isEqualTo(initial);
    }

    private String text(String path) {
        return new String(fixture.tree().get(path).data(), StandardCharsets.UTF_8);
    }
}
