package io.viewkeeper.storage;

import static io.viewkeeper.storage.ErrorCode.BAD_ARGUMENTS;
import static io.viewkeeper.storage.ErrorCode.BAD_VERSION;
import static io.viewkeeper.storage.ErrorCode.INVALID_ACL;
import static io.viewkeeper.storage.ErrorCode.NODE_EXISTS;
import static io.viewkeeper.storage.ErrorCode.NOT_EMPTY;
import static io.viewkeeper.storage.ErrorCode.NO_AUTH;
import static io.viewkeeper.storage.ErrorCode.NO_CHILDREN_FOR_EPHEMERALS;
import static io.viewkeeper.storage.ErrorCode.NO_NODE;
import static io.viewkeeper.storage.ErrorCode.RUNTIME_INCONSISTENCY;
import static io.viewkeeper.storage.ErrorCode.SESSION_EXPIRED;
import static io.viewkeeper.storage.ErrorCode.UNIMPLEMENTED;
import static io.viewkeeper.storage.TreeFixture.BOB;
import static io.viewkeeper.storage.TreeFixture.BOB_IDENTITIES;
import static io.viewkeeper.storage.TreeFixture.LOOPBACK;
import static io.viewkeeper.storage.TreeFixture.OTHER_SESSION;
import static io.viewkeeper.storage.TreeFixture.SESSION;
import static io.viewkeeper.storage.TreeFixture.code;
import static io.viewkeeper.storage.TreeFixture.create;
import static io.viewkeeper.storage.TreeFixture.createWithAcl;
import static io.viewkeeper.storage.TreeFixture.delete;
import static io.viewkeeper.storage.TreeFixture.setData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks in ZooKeeper's order (ZK_PROTOCOL.md §2.2, §2.3), multi (§3.5), sessions and deleteContainer (§4.3). */
class ZnodeStateMachineTest {
    private static final List<Acl> BOB_ONLY = List.of(new Acl(Acl.ALL, "digest", BOB));
    private static final List<Acl> BAD_ACL = List.of(new Acl(Acl.ALL, "nosuchscheme", "x"));

    private final TreeFixture fixture = new TreeFixture().withSessions();

    private int createCode(Operation.Create op) {
        return code(fixture.run(op));
    }

    // ---- restore ----

    @Test
    void shouldReplaceTheWholeStateAtTheRestoreZxidWhenTheImageIsNotAhead() {
        assertThat(fixture.run(create("/kept", "old"))).isInstanceOf(Result.Created.class);
        byte[] earlier = TreeSnapshot.write(fixture.machine);
        byte[] knownPassword = fixture.machine.sessions().get(SESSION).password().clone();
        assertThat(fixture.run(create("/later", "new"))).isInstanceOf(Result.Created.class);
        assertThat(fixture.run(delete("/kept"))).isInstanceOf(Result.Done.class);

        assertThat(fixture.run(new Operation.RestoreState(earlier))).isInstanceOf(Result.Done.class);
        assertThat(fixture.tree().get("/kept")).isNotNull();
        assertThat(fixture.tree().get("/later")).isNull();
        assertThat(fixture.machine.lastZxid()).isEqualTo(fixture.zxid);
        assertThat(fixture.machine.sessions().get(SESSION).password()).isEqualTo(knownPassword);
        assertThat(fixture.tree().digest()).isEqualTo(fixture.tree().recomputeDigest());
        assertThat(fixture.run(create("/after", "x"))).as("writes go on after a restore")
                .isInstanceOf(Result.Created.class);
    }

    @Test
    void shouldMoveZxidsUpToAnImageThatIsAheadAndRefuseADamagedOneChangingNothing() {
        TreeFixture ahead = new TreeFixture().withSessions();
        for (int i = 0; i < 20; i++) {
            ahead.run(create("/n" + i, "x"));
        }
        byte[] future = TreeSnapshot.write(ahead.machine);
        assertThat(fixture.run(create("/mine", "x"))).isInstanceOf(Result.Created.class);
        long digest = fixture.tree().digest();
        assertThat(code(fixture.run(new Operation.RestoreState(new byte[] {0, 0, 0, 1, 9})))).isEqualTo(BAD_ARGUMENTS);
        assertThat(fixture.tree().digest()).isEqualTo(digest);
        assertThat(fixture.tree().get("/mine")).isNotNull();

        assertThat(fixture.zxid).as("the restore's own zxid is below the image's").isLessThan(ahead.zxid);
        assertThat(code(fixture.run(new Operation.RestoreState(future, Operation.RestoreState.Mode.NOT_AHEAD))))
                .as("a restore logged before zxids could move keeps its meaning: refused").isEqualTo(BAD_ARGUMENTS);
        assertThat(fixture.tree().get("/n19")).isNull();
        assertThat(fixture.run(new Operation.RestoreState(future))).isInstanceOf(Result.Done.class);
        assertThat(fixture.tree().get("/n19")).isNotNull();
        assertThat(fixture.machine.lastZxid()).as("zxids never go back below the image's")
                .isEqualTo(ahead.machine.lastZxid());
        assertThatThrownBy(() -> fixture.machine.apply(ahead.machine.lastZxid(), new Txn(SESSION, 1, 0, List.of(),
                create("/again", "x")))).as("the next op must take a zxid above the image's")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldImportIntoAnEmptyStateOnlyAndRefuseWithNotEmptyOtherwise() {
        TreeFixture source = new TreeFixture().withSessions();
        source.run(create("/imported", "x"));
        byte[] image = TreeSnapshot.write(source.machine);
        TreeFixture empty = new TreeFixture().withSessions();
        assertThat(empty.run(new Operation.RestoreState(image, Operation.RestoreState.Mode.INTO_EMPTY))).isInstanceOf(Result.Done.class);
        assertThat(empty.tree().get("/imported")).isNotNull();

        assertThat(fixture.run(create("/mine", "x"))).isInstanceOf(Result.Created.class);
        long digest = fixture.tree().digest();
        assertThat(code(fixture.run(new Operation.RestoreState(image, Operation.RestoreState.Mode.INTO_EMPTY)))).isEqualTo(NOT_EMPTY);
        assertThat(fixture.tree().digest()).as("nothing changed").isEqualTo(digest);
        assertThat(fixture.tree().get("/imported")).isNull();
    }

    /** The image cut into parts of the sizes given (the rest in the last), as one restore in parts. */
    private static List<Operation.RestorePart> parts(byte[] image, long restoreId, int... sizes) {
        List<Operation.RestorePart> parts = new java.util.ArrayList<>();
        int from = 0;
        for (int i = 0; i <= sizes.length; i++) {
            int to = i < sizes.length ? from + sizes[i] : image.length;
            parts.add(new Operation.RestorePart(restoreId, i, i == sizes.length, Operation.RestoreState.Mode.RAISE,
                    java.util.Arrays.copyOfRange(image, from, to)));
            from = to;
        }
        return parts;
    }

    @Test
    void shouldStageTheRestorePartsAndReplaceTheStateAtTheLastWhileOtherWritesGoOn() {
        TreeFixture source = new TreeFixture().withSessions();
        for (int i = 0; i < 20; i++) {
            source.run(create("/n" + i, "value " + i));
        }
        byte[] image = TreeSnapshot.write(source.machine);
        List<Operation.RestorePart> parts = parts(image, 7, 10, image.length / 2);
        assertThat(fixture.run(create("/mine", "x"))).isInstanceOf(Result.Created.class);

        assertThat(fixture.run(parts.get(0))).isInstanceOf(Result.Done.class);
        assertThat(fixture.machine.restoreStaged()).isTrue();
        assertThat(fixture.run(create("/during", "x"))).as("writes go on while parts are staged")
                .isInstanceOf(Result.Created.class);
        assertThat(fixture.run(parts.get(1))).isInstanceOf(Result.Done.class);
        assertThat(fixture.tree().get("/n0")).as("nothing is restored before the last part").isNull();
        assertThat(fixture.tree().get("/mine")).isNotNull();

        assertThat(fixture.run(parts.get(2))).isInstanceOf(Result.Done.class);
        assertThat(fixture.machine.restoreStaged()).isFalse();
        assertThat(fixture.tree().get("/n19")).isNotNull();
        assertThat(fixture.tree().get("/mine")).isNull();
        assertThat(fixture.tree().get("/during")).isNull();
        assertThat(fixture.tree().digest()).isEqualTo(source.tree().digest());
    }

    @Test
    void shouldRefuseAPartThatDoesNotFollowTheStagedOnesAndKeepAnotherRestoresStaging() {
        byte[] image = TreeSnapshot.write(fixture.machine);
        List<Operation.RestorePart> first = parts(image, 1, 4, 4);
        assertThat(code(fixture.run(first.get(1)))).as("no part 0 before it").isEqualTo(RUNTIME_INCONSISTENCY);
        assertThat(fixture.machine.restoreStaged()).isFalse();
        fixture.run(first.get(0));
        assertThat(code(fixture.run(first.get(2)))).as("a part skipped").isEqualTo(RUNTIME_INCONSISTENCY);
        assertThat(fixture.machine.restoreStaged()).as("the broken staging is dropped").isFalse();
        assertThat(code(fixture.run(first.get(1)))).isEqualTo(RUNTIME_INCONSISTENCY);

        fixture.run(first.get(0));
        assertThat(code(fixture.run(new Operation.RestorePart(1, Integer.MAX_VALUE, true,
                Operation.RestoreState.Mode.RAISE, new byte[0])))).as("how a receiver abandons its restore")
                .isEqualTo(RUNTIME_INCONSISTENCY);
        assertThat(fixture.machine.restoreStaged()).isFalse();

        List<Operation.RestorePart> second = parts(image, 2, 4);
        List<Operation.RestorePart> third = parts(image, 3, 4);
        fixture.run(second.get(0));
        assertThat(code(fixture.run(third.get(1)))).as("a part of another restore").isEqualTo(RUNTIME_INCONSISTENCY);
        assertThat(fixture.machine.restoreStaged()).as("changes nothing").isTrue();
        assertThat(fixture.run(second.get(1))).isInstanceOf(Result.Done.class);

        fixture.run(second.get(0));
        assertThat(fixture.run(third.get(0))).as("part 0 of another restore replaces the staging")
                .isInstanceOf(Result.Done.class);
        assertThat(code(fixture.run(second.get(1)))).isEqualTo(RUNTIME_INCONSISTENCY);
        assertThat(fixture.run(third.get(1))).isInstanceOf(Result.Done.class);
    }

    @Test
    void shouldDropAStagingIdleForItsOpsOrReplacedByAWholeRestoreAndRefuseADamagedWhole() {
        byte[] image = TreeSnapshot.write(fixture.machine);
        List<Operation.RestorePart> parts = parts(image, 5, 4);
        fixture.run(parts.get(0));
        for (long i = 0; i < Operation.RestorePart.STAGING_IDLE_OPS; i++) {
            fixture.run(new Operation.Failed(ErrorCode.MARSHALLING_ERROR));
        }
        assertThat(fixture.machine.restoreStaged()).as("kept for as many ops").isTrue();
        fixture.run(new Operation.Failed(ErrorCode.MARSHALLING_ERROR));
        assertThat(fixture.machine.restoreStaged()).as("dropped after one more").isFalse();
        assertThat(code(fixture.run(parts.get(1)))).isEqualTo(RUNTIME_INCONSISTENCY);

        fixture.run(parts.get(0));
        assertThat(fixture.run(new Operation.RestoreState(image))).isInstanceOf(Result.Done.class);
        assertThat(fixture.machine.restoreStaged()).as("a whole restore replaces the state it would replace")
                .isFalse();

        byte[] damaged = java.util.Arrays.copyOf(image, image.length - 1);
        List<Operation.RestorePart> bad = parts(damaged, 6, 4);
        fixture.run(bad.get(0));
        long digest = fixture.tree().digest();
        assertThat(code(fixture.run(bad.get(1)))).as("the whole does not read back").isEqualTo(BAD_ARGUMENTS);
        assertThat(fixture.tree().digest()).as("nothing changed").isEqualTo(digest);
        assertThat(fixture.machine.restoreStaged()).isFalse();
        assertThatThrownBy(() -> new Operation.RestorePart(1, 0, true, Operation.RestoreState.Mode.RAISE,
                new byte[Operation.RestorePart.PART_BYTES_MAX + 1])).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- create ----

    @Test
    void shouldAnswerInvalidAclNotNoNodeWhenBadAclIsUnderMissingParent() {
        assertThat(createCode(createWithAcl("/missing/child", BAD_ACL))).isEqualTo(INVALID_ACL);
        assertThat(createCode(createWithAcl("/missing/child", List.of()))).isEqualTo(INVALID_ACL);
        assertThat(createCode(createWithAcl("/missing/child", Acl.OPEN))).isEqualTo(NO_NODE);
    }

    @Test
    void shouldAnswerInvalidAclWhenAuthSchemeHasNoAuthenticatedIdentity() {
        List<Acl> auth = List.of(new Acl(Acl.ALL, "auth", ""));

        assertThat(createCode(createWithAcl("/a", auth))).isEqualTo(INVALID_ACL);
        assertThat(createCode(createWithAcl("/a", List.of(new Acl(Acl.ALL, "digest", "nocolon")))))
                .isEqualTo(INVALID_ACL);
        assertThat(code(fixture.apply(SESSION, BOB_IDENTITIES, createWithAcl("/a", auth)).result())).isZero();
        assertThat(fixture.tree().get("/a").acl()).as("auth is stored expanded")
                .containsExactly(new Acl(Acl.ALL, "digest", BOB));
    }

    @Test
    void shouldAnswerNoAuthBeforeNodeExistsWhenParentDeniesCreate() {
        fixture.apply(SESSION, BOB_IDENTITIES, createWithAcl("/locked", BOB_ONLY));
        fixture.apply(SESSION, BOB_IDENTITIES, create("/locked/x", null));

        assertThat(createCode(create("/locked/x", null))).isEqualTo(NO_AUTH);
        assertThat(createCode(create("/locked/y", null))).isEqualTo(NO_AUTH);
        assertThat(code(fixture.apply(SESSION, BOB_IDENTITIES, create("/locked/x", null)).result()))
                .isEqualTo(NODE_EXISTS);
    }

    @Test
    void shouldAnswerBadArgumentsWhenFlagsOrTtlDoNotMatch() {
        assertThat(createCode(create("/f", null, 7))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/f", null, -1))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/f", null, 5))).as("TTL flag on a plain create (ttl -1)")
                .isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(TreeFixture.ttl("/f", 0))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(TreeFixture.ttl("/f", Znode.TTL_MAX + 1))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(TreeFixture.ttl("/f", Znode.TTL_MAX))).isZero();
    }

    @Test
    void shouldAnswerUnimplementedBeforeAnythingElseWhenTtlIsDisabled() {
        TreeFixture plain = new TreeFixture(false, false).withSessions();

        assertThat(code(plain.run(TreeFixture.ttl("/missing/t", 0)))).isEqualTo(UNIMPLEMENTED);
        assertThat(code(plain.apply(0x77, LOOPBACK, TreeFixture.ttl("/t", 1000)).result())).isEqualTo(UNIMPLEMENTED);
    }

    @Test
    void shouldAnswerSessionExpiredWhenSessionIsUnknown() {
        long unknown = 0x0100000000000099L;

        assertThat(code(fixture.apply(unknown, LOOPBACK, create("/a", null)).result())).isEqualTo(SESSION_EXPIRED);
        assertThat(code(fixture.apply(unknown, LOOPBACK, delete("/zookeeper/quota")).result()))
                .isEqualTo(SESSION_EXPIRED);
        assertThat(code(fixture.apply(unknown, LOOPBACK, setData("/", "x")).result())).isEqualTo(SESSION_EXPIRED);
    }

    @Test
    void shouldAnswerBadArgumentsOrNoNodeWhenPathIsMalformed() {
        assertThat(createCode(create("noslash", null))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/nul\0", null))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/a/b/", null))).as("parent /a/b is missing").isEqualTo(NO_NODE);
        assertThat(createCode(create("/a//b", null))).isEqualTo(NO_NODE);
        assertThat(createCode(create("/trailing/", null))).as("parent /trailing is missing").isEqualTo(NO_NODE);
        fixture.run(create("/p", null));
        assertThat(createCode(create("/p/", null))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/p/..", null))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/p/bad\u0001", null))).isEqualTo(BAD_ARGUMENTS);
        assertThat(createCode(create("/", null))).isEqualTo(NODE_EXISTS);
    }

    @Test
    void shouldRefuseChildrenOfEphemeralButNotOfContainerOrTtlNode() {
        fixture.run(create("/e", null, 1));
        fixture.run(TreeFixture.container("/c"));
        fixture.run(TreeFixture.ttl("/t", 1000));

        assertThat(createCode(create("/e/x", null))).isEqualTo(NO_CHILDREN_FOR_EPHEMERALS);
        assertThat(createCode(create("/c/x", null))).isZero();
        assertThat(createCode(create("/t/x", null))).isZero();
    }

    @Test
    void shouldUseZxidWhenWriteFails() {
        fixture.run(create("/a", null));
        long before = fixture.machine.lastZxid();

        fixture.run(create("/a", null));

        assertThat(fixture.machine.lastZxid()).isEqualTo(before + 1);
        assertThatThrownBy(() -> fixture.machine.apply(before, new Txn(SESSION, 0, 0, LOOPBACK, create("/z", null))))
                .as("zxids only rise").isInstanceOf(IllegalStateException.class);
    }

    // ---- delete, setData, check ----

    @Test
    void shouldAnswerNoAuthWhenMissingNodeIsUnderParentWithoutDelete() {
        fixture.apply(SESSION, BOB_IDENTITIES, createWithAcl("/locked", BOB_ONLY));

        assertThat(code(fixture.run(delete("/locked/missing")))).isEqualTo(NO_AUTH);
        assertThat(code(fixture.apply(SESSION, BOB_IDENTITIES, delete("/locked/missing")).result()))
                .isEqualTo(NO_NODE);
        assertThat(code(fixture.run(delete("/missing/child")))).isEqualTo(NO_NODE);
    }

    @Test
    void shouldCheckDeleteInZooKeeperOrder() {
        fixture.run(create("/d", null));
        fixture.run(create("/d/c", null));
        fixture.run(setData("/d", "v1"));

        assertThat(code(fixture.run(new Operation.Delete("/d", 0)))).isEqualTo(BAD_VERSION);
        assertThat(code(fixture.run(new Operation.Delete("/d", -2)))).isEqualTo(BAD_VERSION);
        assertThat(code(fixture.run(new Operation.Delete("/d", 1)))).as("version before children")
                .isEqualTo(NOT_EMPTY);
        for (String special : List.of("/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config")) {
            assertThat(code(fixture.run(delete(special)))).as(special).isEqualTo(BAD_ARGUMENTS);
        }
        assertThat(code(fixture.run(delete("/d/c")))).isZero();
        assertThat(code(fixture.run(delete("/d")))).isZero();
        assertThat(fixture.tree().get("/d")).isNull();
    }

    @Test
    void shouldCheckWriteBeforeVersionWhenSettingData() {
        fixture.apply(SESSION, BOB_IDENTITIES, createWithAcl("/locked", BOB_ONLY));

        assertThat(code(fixture.run(new Operation.SetData("/locked", null, 7)))).isEqualTo(NO_AUTH);
        assertThat(code(fixture.apply(SESSION, BOB_IDENTITIES, new Operation.SetData("/locked", null, 7)).result()))
                .isEqualTo(BAD_VERSION);
        assertThat(code(fixture.run(setData("/missing", "x")))).isEqualTo(NO_NODE);
        assertThat(code(fixture.run(setData("/zookeeper/config", "x")))).as("world:r only").isEqualTo(NO_AUTH);
        assertThat(code(fixture.apply(SESSION, List.of(Identity.SUPER), setData("/zookeeper/config", "x")).result()))
                .isZero();
    }

    // ---- multi ----

    @Test
    void shouldApplyAllOpsAtOneZxidWhenMultiSucceeds() {
        long zxid = fixture.zxid + 1;

        ApplyOutcome outcome = fixture.apply(SESSION, LOOPBACK, new Operation.Multi(List.of(
                create("/m", null), create("/m/s-", null, 2), create("/m/s-", null, 2), setData("/m", "x"),
                new Operation.Check("/m", 1))));

        assertThat(outcome.result()).isInstanceOf(Result.MultiDone.class);
        List<Result> results = ((Result.MultiDone) outcome.result()).results();
        assertThat(results).hasSize(5);
        assertThat(((Result.Created) results.get(1)).path()).isEqualTo("/m/s-0000000000");
        assertThat(((Result.Created) results.get(2)).path()).isEqualTo("/m/s-0000000001");
        assertThat(results.get(4)).isEqualTo(new Result.Done());
        assertThat(fixture.stat("/m").czxid()).isEqualTo(zxid);
        assertThat(fixture.stat("/m").mzxid()).isEqualTo(zxid);
        assertThat(fixture.stat("/m/s-0000000001").czxid()).isEqualTo(zxid);
        assertThat(outcome.changes()).extracting(Change::type).containsExactly(Change.Type.CREATED,
                Change.Type.CHILDREN_CHANGED, Change.Type.CREATED, Change.Type.CHILDREN_CHANGED,
                Change.Type.CREATED, Change.Type.CHILDREN_CHANGED, Change.Type.DATA_CHANGED);
    }

    @Test
    void shouldRollBackAndReportPerOpErrorsWhenMultiOpFails() {
        fixture.run(create("/m", "orig"));
        fixture.run(create("/e", null, 1));
        Stat rootBefore = fixture.stat("/");
        Stat mBefore = fixture.stat("/m");
        long sizeBefore = fixture.tree().approximateDataSize();
        int nodesBefore = fixture.tree().nodeCount();

        ApplyOutcome outcome = fixture.apply(SESSION, LOOPBACK, new Operation.Multi(List.of(
                create("/m/b", "x"), create("/n", null, 1), setData("/m", "changed"), delete("/e"),
                delete("/nonexist"), setData("/m", "again"), new Operation.Check("/m", 0))));

        assertThat(((Result.MultiDone) outcome.result()).results()).extracting(Result::errorCode)
                .containsExactly(0, 0, 0, 0, NO_NODE, RUNTIME_INCONSISTENCY, RUNTIME_INCONSISTENCY);
        assertThat(outcome.changes()).isEmpty();
        assertThat(fixture.tree().get("/m/b")).isNull();
        assertThat(fixture.tree().get("/n")).isNull();
        assertThat(fixture.tree().get("/e")).isNotNull();
        assertThat(fixture.tree().get("/m").data()).isEqualTo(TreeFixture.bytes("orig"));
        assertThat(fixture.stat("/")).isEqualTo(rootBefore);
        assertThat(fixture.stat("/m")).isEqualTo(mBefore);
        assertThat(fixture.tree().approximateDataSize()).isEqualTo(sizeBefore);
        assertThat(fixture.tree().nodeCount()).isEqualTo(nodesBefore);
        assertThat(fixture.tree().ephemeralsOf(SESSION)).containsExactly("/e");
        assertThat(fixture.machine.lastZxid()).as("a failed multi uses a zxid").isEqualTo(fixture.zxid);
    }

    @Test
    void shouldFailMultiWithBadVersionWhenCheckDoesNotMatch() {
        fixture.run(create("/m", null));

        Result result = fixture.run(new Operation.Multi(List.of(new Operation.Check("/m", 3), create("/m/x", null))));

        assertThat(((Result.MultiDone) result).results()).extracting(Result::errorCode)
                .containsExactly(BAD_VERSION, RUNTIME_INCONSISTENCY);
    }

    @Test
    void shouldAnswerNodeExistsWhenMultiCreatesSameNodeTwice() {
        Result result = fixture.run(new Operation.Multi(List.of(create("/dup", null), create("/dup", null))));

        assertThat(((Result.MultiDone) result).results()).extracting(Result::errorCode)
                .containsExactly(0, NODE_EXISTS);
        assertThat(fixture.tree().get("/dup")).isNull();
    }

    @Test
    void shouldUseZxidAndReturnNoResultsWhenMultiIsEmpty() {
        long before = fixture.machine.lastZxid();

        Result result = fixture.run(new Operation.Multi(List.of()));

        assertThat(result).isEqualTo(new Result.MultiDone(List.of()));
        assertThat(fixture.machine.lastZxid()).isEqualTo(before + 1);
    }

    @Test
    void shouldRollBackQuotaStatsWhenMultiFails() {
        fixture.run(create("/q", "ab"));
        fixture.run(create("/zookeeper/quota/q", null));
        fixture.run(create("/zookeeper/quota/q/zookeeper_limits", "count=-1,bytes=-1"));
        fixture.run(create("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0"));
        byte[] before = fixture.tree().get("/zookeeper/quota/q/zookeeper_stats").data();

        fixture.run(new Operation.Multi(List.of(create("/q/a", "12345"), delete("/nonexist"))));

        assertThat(fixture.tree().get("/zookeeper/quota/q/zookeeper_stats").data()).isEqualTo(before);
    }

    // ---- sessions ----

    @Test
    void shouldDeleteEphemeralsAndBumpParentWhenSessionCloses() {
        fixture.run(create("/p", null));
        fixture.run(create("/p/e1", null, 1));
        fixture.run(create("/p/e2", null, 3));
        fixture.apply(OTHER_SESSION, LOOPBACK, create("/p/other", null, 1));
        fixture.run(create("/p/persistent", null));
        int cversionBefore = fixture.stat("/p").cversion();

        ApplyOutcome outcome = fixture.apply(SESSION, List.of(), new Operation.CloseSession(SESSION));

        long closeZxid = fixture.zxid;
        assertThat(outcome.result()).isEqualTo(new Result.Done());
        assertThat(fixture.tree().get("/p").children()).containsExactlyInAnyOrder("other", "persistent");
        assertThat(fixture.stat("/p").pzxid()).isEqualTo(closeZxid);
        assertThat(fixture.stat("/p").cversion()).isEqualTo(cversionBefore + 2);
        assertThat(fixture.tree().ephemeralsOf(SESSION)).isEmpty();
        assertThat(fixture.tree().ephemeralsOf(OTHER_SESSION)).containsExactly("/p/other");
        assertThat(fixture.machine.sessions().contains(SESSION)).isFalse();
        assertThat(outcome.changes()).extracting(Change::type, Change::path).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Change.Type.DELETED, "/p/e1"),
                org.assertj.core.groups.Tuple.tuple(Change.Type.CHILDREN_CHANGED, "/p"),
                org.assertj.core.groups.Tuple.tuple(Change.Type.DELETED, "/p/e20000000001"),
                org.assertj.core.groups.Tuple.tuple(Change.Type.CHILDREN_CHANGED, "/p"));
        assertThat(code(fixture.run(create("/late", null)))).isEqualTo(SESSION_EXPIRED);
    }

    @Test
    void shouldRecordPasswordWhenSessionIsCreated() {
        byte[] password = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

        fixture.apply(0x55, List.of(), new Operation.CreateSession(0x55, 6000, password));

        assertThat(fixture.machine.sessions().get(0x55).password()).isEqualTo(password);
        assertThat(fixture.machine.sessions().get(0x55).timeoutMs()).isEqualTo(6000);
    }

    // ---- deleteContainer ----

    @Test
    void shouldApplyDeleteContainerRulesWhenReaping() {
        fixture.run(TreeFixture.container("/c"));
        fixture.run(create("/c/x", null));
        fixture.run(create("/e", null, 1));
        fixture.run(create("/plain", null));

        assertThat(code(fixture.run(new Operation.DeleteContainer("/missing")))).isEqualTo(NO_NODE);
        assertThat(code(fixture.run(new Operation.DeleteContainer("/c")))).isEqualTo(NOT_EMPTY);
        assertThat(code(fixture.run(new Operation.DeleteContainer("/e")))).isEqualTo(BAD_VERSION);
        fixture.run(delete("/c/x"));
        ApplyOutcome reaped = fixture.apply(0, List.of(), new Operation.DeleteContainer("/c"));
        assertThat(reaped.result()).isEqualTo(new Result.Done());
        assertThat(reaped.changes()).extracting(Change::type)
                .containsExactly(Change.Type.DELETED, Change.Type.CHILDREN_CHANGED);
        assertThat(fixture.tree().get("/c")).isNull();
        assertThat(fixture.tree().containersAndTtlNodes()).isEmpty();
        assertThat(code(fixture.apply(0, List.of(), new Operation.DeleteContainer("/plain")).result()))
                .as("no session or ACL check; a plain node goes too").isZero();
    }

    @Test
    void shouldReturnRecordedErrorWhenOperationFailedToDecode() {
        long before = fixture.machine.lastZxid();

        Result result = fixture.run(new Operation.Failed(ErrorCode.MARSHALLING_ERROR));

        assertThat(code(result)).isEqualTo(ErrorCode.MARSHALLING_ERROR);
        assertThat(fixture.machine.lastZxid()).isEqualTo(before + 1);
    }

    @Test
    void shouldAnswerErrorNotThrowWhenCreatePathIsNull() {
        long before = fixture.machine.lastZxid();

        Result result = fixture.run(new Operation.Create(1, null, null, Acl.OPEN, 0, -1));

        assertThat(result).as("ZooKeeper answers MarshallingError for an unexpected failure in prep")
                .isInstanceOf(Result.Error.class);
        assertThat(fixture.machine.lastZxid()).isEqualTo(before + 1);
    }
}
