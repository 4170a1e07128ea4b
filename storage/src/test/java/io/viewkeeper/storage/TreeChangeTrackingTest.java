package io.viewkeeper.storage;

import static io.viewkeeper.storage.TreeFixture.create;
import static io.viewkeeper.storage.TreeFixture.delete;
import static io.viewkeeper.storage.TreeFixture.setData;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The digest the tree keeps as it changes, and the changed paths a checkpoint store takes. */
class TreeChangeTrackingTest {

    @Test
    void shouldKeepDigestEqualToRecomputedWhenRandomOpsAndRolledBackMultisApply() {
        for (long seed = 1; seed <= 20; seed++) {
            RandomWorkload workload = new RandomWorkload(seed);
            for (int round = 0; round < 10; round++) {
                workload.run(100);
                DataTree tree = workload.machine().tree();
                assertThat(tree.digest()).as("seed %d round %d", seed, round).isEqualTo(tree.recomputeDigest());
            }
        }
    }

    @Test
    void shouldAgreeOnDigestWhenTwoTreesApplySameOps() {
        RandomWorkload left = new RandomWorkload(7);
        RandomWorkload right = new RandomWorkload(7);
        left.run(2000);
        right.run(2000);

        RandomWorkload other = new RandomWorkload(8);
        other.run(2000);

        assertThat(left.machine().tree().digest()).isEqualTo(right.machine().tree().digest())
                .isNotEqualTo(other.machine().tree().digest());
    }

    @Test
    void shouldReportEverythingWhenTreeIsFresh() {
        DataTree tree = new DataTree();

        assertThat(tree.takeChangedPaths().everything()).isTrue();
        assertThat(tree.takeChangedPaths()).isEqualTo(new ChangeTracker.Changes<String>(false, java.util.Set.of()));
    }

    @Test
    void shouldMarkNodeAndParentWhenNodeIsCreatedChangedOrDeleted() {
        TreeFixture fixture = new TreeFixture().withSessions();
        fixture.run(create("/a", "x"));
        fixture.tree().takeChangedPaths();

        fixture.run(create("/a/b", "y"));
        assertThat(fixture.tree().takeChangedPaths().keys()).containsExactlyInAnyOrder("/a", "/a/b");
        fixture.run(setData("/a/b", "z"));
        assertThat(fixture.tree().takeChangedPaths().keys()).containsExactly("/a/b");
        fixture.run(delete("/a/b"));
        assertThat(fixture.tree().takeChangedPaths().keys()).containsExactlyInAnyOrder("/a", "/a/b");
        fixture.run(setData("/missing", "z"));
        assertThat(fixture.tree().takeChangedPaths().keys()).isEmpty();
    }

    @Test
    void shouldMarkOwnerAndSessionWhenEphemeralIsCreatedAndSessionCloses() {
        TreeFixture fixture = new TreeFixture().withSessions();
        fixture.run(create("/e", "x", 1));
        fixture.tree().takeChangedPaths();
        fixture.tree().takeChangedOwners();
        fixture.machine.sessions().takeChangedSessions();

        fixture.run(create("/f", "x", 1));
        assertThat(fixture.tree().takeChangedOwners().keys()).containsExactly(TreeFixture.SESSION);
        fixture.tree().takeChangedPaths();
        fixture.apply(TreeFixture.SESSION, List.of(), new Operation.CloseSession(TreeFixture.SESSION));

        assertThat(fixture.tree().takeChangedOwners().keys()).containsExactly(TreeFixture.SESSION);
        assertThat(fixture.machine.sessions().takeChangedSessions().keys()).containsExactly(TreeFixture.SESSION);
        assertThat(fixture.tree().takeChangedPaths().keys()).containsExactlyInAnyOrder("/", "/e", "/f");
    }

    @Test
    void shouldKeepDigestButMayMarkPathsWhenMultiRollsBack() {
        TreeFixture fixture = new TreeFixture().withSessions();
        fixture.run(create("/a", "x"));
        long digest = fixture.tree().digest();
        fixture.tree().takeChangedPaths();

        Result result = fixture.run(new Operation.Multi(List.of(setData("/a", "changed"), create("/a/b", "y"),
                delete("/missing"))));

        assertThat(result).isInstanceOf(Result.MultiDone.class);
        assertThat(fixture.tree().get("/a/b")).isNull();
        assertThat(fixture.tree().digest()).isEqualTo(digest).isEqualTo(fixture.tree().recomputeDigest());
        assertThat(fixture.tree().takeChangedPaths().keys()).containsExactlyInAnyOrder("/a", "/a/b");
    }

    @Test
    void shouldReportEverythingWhenMoreKeysChangeThanTheLimit() {
        RandomWorkload workload = new RandomWorkload(3, new DataTree(8));
        workload.machine().tree().takeChangedPaths();
        workload.run(300);

        ChangeTracker.Changes<String> changes = workload.machine().tree().takeChangedPaths();

        assertThat(changes.everything()).isTrue();
        assertThat(changes.keys()).isEmpty();
        assertThat(workload.machine().tree().takeChangedPaths().everything()).isFalse();
    }
}
