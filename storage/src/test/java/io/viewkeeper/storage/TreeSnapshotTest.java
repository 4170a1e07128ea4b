package io.viewkeeper.storage;

import static io.viewkeeper.storage.TreeFixture.create;
import static io.viewkeeper.storage.TreeFixture.delete;
import static io.viewkeeper.storage.TreeFixture.setData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TreeSnapshotTest {

    private static TreeFixture workload() {
        TreeFixture fixture = new TreeFixture().withSessions();
        fixture.run(create("/a", "one"));
        fixture.run(create("/a/b", null));
        fixture.run(create("/a/s-", "x", 2));
        fixture.run(create("/a/s-", "y", 2));
        fixture.run(delete("/a/s-0000000001"));
        fixture.run(setData("/a", "two"));
        fixture.run(create("/e", "", 1));
        fixture.run(create("/emptied", "w")); // a leaf again: pzxid and cversion are its children's
        fixture.run(create("/emptied/caf\u00e9", "c"));
        fixture.run(delete("/emptied/caf\u00e9"));
        fixture.run(create("/caf\u00e9", "c"));
        fixture.run(create("/caf\u00e9/\u00fcber", "u"));
        return fixture;
    }

    @Test
    void shouldReproduceTreeSessionsAndDigestWhenSnapshotIsReadBack() throws Exception {
        TreeFixture fixture = workload();

        TreeSnapshot.Image image = TreeSnapshot.read(TreeSnapshot.write(fixture.machine));

        assertThat(image.lastZxid()).isEqualTo(fixture.machine.lastZxid());
        assertThat(image.tree().digest()).isEqualTo(fixture.tree().digest());
        assertThat(image.tree().nodeCount()).isEqualTo(fixture.tree().nodeCount());
        assertThat(fixture.tree().get("/emptied").stat().pzxid()).isGreaterThan(
                fixture.tree().get("/emptied").stat().czxid());
        assertThat(fixture.tree().get("/emptied").stat().cversion()).isEqualTo(2);
        for (String path : new String[] {"/", "/a", "/a/b", "/a/s-0000000002", "/e", "/zookeeper/config",
            "/zookeeper", "/emptied", "/caf\u00e9", "/caf\u00e9/\u00fcber"}) {
            assertThat(image.tree().get(path).stat()).as(path).isEqualTo(fixture.tree().get(path).stat());
            assertThat(image.tree().get(path).acl()).as(path).isEqualTo(fixture.tree().get(path).acl());
        }
        assertThat(image.tree().get("/a/b").data()).isNull();
        assertThat(image.tree().ephemeralsBySession()).isEqualTo(fixture.tree().ephemeralsBySession());
        assertThat(image.sessions().all()).extracting(Session::sessionId)
                .containsExactlyElementsOf(fixture.machine.sessions().all().stream().map(Session::sessionId).toList());
    }

    @Test
    void shouldChangeDigestWhenAnyNodeChanges() {
        TreeFixture left = workload();
        TreeFixture right = workload();
        assertThat(left.tree().digest()).isEqualTo(right.tree().digest());

        right.run(setData("/a/b", "z"));

        assertThat(right.tree().digest()).isNotEqualTo(left.tree().digest());
    }

    @Test
    void shouldRejectEveryTruncationOfASnapshot() {
        byte[] image = TreeSnapshot.write(workload().machine);
        for (int length = 0; length < image.length; length++) {
            byte[] truncated = Arrays.copyOf(image, length);
            assertThatThrownBy(() -> TreeSnapshot.read(truncated)).as("length %d", length)
                    .isInstanceOf(OperationCodec.MalformedOperationException.class);
        }
    }
}
