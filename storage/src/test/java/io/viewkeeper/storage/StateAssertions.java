package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Compares two states field by field: every znode's data, ACL, stat and children, and every session. */
public final class StateAssertions {
    private StateAssertions() {
    }

    /** Same tree, stats and sessions; ephemerals in the same creation order when {@code ephemeralOrder}. */
    public static void assertSameState(TreeSnapshot.Image actual, TreeSnapshot.Image expected,
            boolean ephemeralOrder) {
        DataTree tree = actual.tree();
        DataTree reference = expected.tree();
        assertThat(actual.lastZxid()).as("last zxid").isEqualTo(expected.lastZxid());
        assertThat(tree.digest()).as("digest").isEqualTo(reference.digest());
        assertThat(tree.recomputeDigest()).as("recomputed digest").isEqualTo(reference.digest());
        assertThat(tree.nodeCount()).as("node count").isEqualTo(reference.nodeCount());
        assertThat(tree.approximateDataSize()).as("data size").isEqualTo(reference.approximateDataSize());
        for (String path : reference.paths()) {
            Znode want = reference.get(path);
            Znode got = tree.get(path);
            assertThat(got).as("node %s", path).isNotNull();
            assertThat(got.stat()).as("stat of %s", path).isEqualTo(want.stat());
            assertThat(got.data()).as("data of %s", path).isEqualTo(want.data());
            assertThat(got.acl()).as("acl of %s", path).isEqualTo(want.acl());
            assertThat(got.children()).as("children of %s", path).containsExactlyInAnyOrderElementsOf(want.children());
            assertThat(got.owner()).as("owner of %s", path).isEqualTo(want.owner());
        }
        assertThat(tree.containersAndTtlNodes()).containsExactlyInAnyOrderElementsOf(
                reference.containersAndTtlNodes());
        assertThat(tree.ephemeralsBySession().keySet()).isEqualTo(reference.ephemeralsBySession().keySet());
        for (long owner : reference.ephemeralsBySession().keySet()) {
            List<String> got = List.copyOf(tree.ephemeralsOf(owner));
            List<String> want = List.copyOf(reference.ephemeralsOf(owner));
            if (ephemeralOrder) {
                assertThat(got).as("ephemerals of %x in order", owner).isEqualTo(want);
            } else {
                assertThat(got).as("ephemerals of %x", owner).containsExactlyInAnyOrderElementsOf(want);
            }
        }
        assertThat(actual.sessions().size()).as("sessions").isEqualTo(expected.sessions().size());
        for (Session session : expected.sessions().all()) {
            Session got = actual.sessions().get(session.sessionId());
            assertThat(got).as("session %x", session.sessionId()).isNotNull();
            assertThat(got.timeoutMs()).isEqualTo(session.timeoutMs());
            assertThat(got.password()).isEqualTo(session.password());
        }
    }

    public static TreeSnapshot.Image imageOf(ZnodeStateMachine machine) {
        return new TreeSnapshot.Image(machine.tree(), machine.sessions(), machine.lastZxid());
    }
}
