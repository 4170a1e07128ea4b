package io.viewkeeper.storage.checkpoint;

import static io.viewkeeper.storage.StateAssertions.assertSameState;
import static io.viewkeeper.storage.StateAssertions.imageOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.RandomWorkload;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.ZnodeImage;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first checkpoint streamed record by record, as an import writes it: the store loads it as the same state as a
 * full save of the tree would hold, and a stream that is not one tree, or whose owners do not match its ephemerals,
 * is refused with nothing left in the directory.
 */
class CheckpointImportTest {
    @TempDir
    Path directory;

    @Test
    void shouldLoadTheStreamedRecordsAsTheTreeTheyCameFrom() throws Exception {
        ZnodeStateMachine machine = workload().machine();
        CheckpointImport.Written written = CheckpointImport.write(directory, state(machine, UnaryOperator.identity(),
                owners(machine)));

        assertThat(written.digest()).isEqualTo(machine.tree().digest());
        assertThat(written.nodeCount()).isEqualTo(machine.tree().nodeCount());
        assertThat(written.sessionCount()).isEqualTo(machine.sessions().size());
        assertThat(written.ephemeralCount()).isEqualTo(machine.tree().ephemeralCount()).isPositive();
        try (CheckpointStore store = CheckpointStore.open(directory, System::nanoTime)) {
            StoredCheckpoint loaded = store.load().orElseThrow();
            assertThat(loaded.op()).isEqualTo(machine.lastZxid());
            assertThat(loaded.chain()).as("an import's chain is its digest").isEqualTo(written.digest());
            assertSameState(loaded.image(), imageOf(machine), true);
        }
    }

    @Test
    void shouldRefuseNodesOutOfKeyOrder() throws Exception {
        ZnodeStateMachine machine = workload().machine();
        List<ZnodeImage> nodes = images(machine.tree());
        nodes.add(nodes.remove(1));
        assertThatThrownBy(() -> CheckpointImport.write(directory, new CheckpointImport.State(
                nodes.stream().map(EncodedZnode::of).iterator(), () -> owners(machine), machine.lastZxid(),
                new byte[0])))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key order");
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void shouldRefuseChildCountsThatAreNotOneTree() throws Exception {
        ZnodeStateMachine machine = workload().machine();
        assertThatThrownBy(() -> CheckpointImport.write(directory, state(machine, node -> node.path().equals("/")
                ? withChildren(node, node.numChildren() + 1) : node, owners(machine))))
                .isInstanceOf(OperationCodec.MalformedOperationException.class).hasMessageContaining("one tree");
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void shouldRefuseAnOwnerWhoseEphemeralsAreNotTheNodesItOwns() throws Exception {
        ZnodeStateMachine machine = workload().machine();
        List<CheckpointImport.Owner> owners = new ArrayList<>(owners(machine));
        CheckpointImport.Owner first = owners.stream().filter(o -> !o.ephemerals().isEmpty()).findFirst()
                .orElseThrow();
        owners.set(owners.indexOf(first), new CheckpointImport.Owner(first.id(), first.session(), List.of()));
        assertThatThrownBy(() -> CheckpointImport.write(directory, state(machine, UnaryOperator.identity(), owners)))
                .isInstanceOf(OperationCodec.MalformedOperationException.class).hasMessageContaining("ephemerals");
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void shouldRefuseADirectoryThatHasACheckpoint() throws Exception {
        ZnodeStateMachine machine = workload().machine();
        CheckpointImport.write(directory, state(machine, UnaryOperator.identity(), owners(machine)));
        assertThatThrownBy(() -> CheckpointImport.write(directory, state(machine, UnaryOperator.identity(),
                owners(machine)))).hasMessageContaining("exists");
        assertThat(Files.list(directory).map(p -> p.getFileName().toString()).toList())
                .containsExactly(CheckpointStore.FILE_NAME);
    }

    private static RandomWorkload workload() {
        RandomWorkload workload = new RandomWorkload(11);
        workload.run(500);
        return workload;
    }

    private static CheckpointImport.State state(ZnodeStateMachine machine, UnaryOperator<ZnodeImage> change,
            List<CheckpointImport.Owner> owners) {
        List<ZnodeImage> nodes = images(machine.tree()).stream().map(change).toList();
        return new CheckpointImport.State(nodes.stream().map(EncodedZnode::of).iterator(), () -> owners,
                machine.lastZxid(), new byte[0]);
    }

    private static List<ZnodeImage> images(DataTree tree) {
        List<String> paths = tree.paths();
        paths.sort(CheckpointImport.KEY_ORDER);
        List<ZnodeImage> images = new ArrayList<>();
        for (String path : paths) {
            images.add(tree.image(path));
        }
        return images;
    }

    private static List<CheckpointImport.Owner> owners(ZnodeStateMachine machine) {
        Set<Long> ids = new TreeSet<>(machine.tree().ephemeralsBySession().keySet());
        for (Session session : machine.sessions().all()) {
            ids.add(session.sessionId());
        }
        List<CheckpointImport.Owner> owners = new ArrayList<>();
        for (long id : ids) {
            owners.add(new CheckpointImport.Owner(id, machine.sessions().get(id),
                    List.copyOf(machine.tree().ephemeralsOf(id))));
        }
        return owners;
    }

    private static ZnodeImage withChildren(ZnodeImage node, int numChildren) {
        return new ZnodeImage(node.path(), node.data(), node.acl(), node.czxid(), node.mzxid(), node.ctime(),
                node.mtime(), node.version(), node.childCreations(), node.aversion(), node.owner(), node.pzxid(),
                numChildren);
    }
}
