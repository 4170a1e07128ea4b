package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.storage.checkpoint.CheckpointImport;
import io.viewkeeper.storage.checkpoint.EncodedZnode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.server.DataTree;
import org.junit.jupiter.api.Test;

/**
 * The walk of ZooKeeper's tree in the checkpoint's key order, on names that make the order differ from a plain
 * depth-first walk with sorted children: siblings that extend each other's names with characters below '/'.
 */
class ZooKeeperNodesTest {

    @Test
    void shouldWalkZooKeepersTreeInTheCheckpointsKeyOrder() throws Exception {
        DataTree tree = new DataTree();
        TreeSet<String> expected = new TreeSet<>(CheckpointImport.KEY_ORDER);
        long zxid = 1;
        for (String path : List.of("/a", "/a-b", "/a.c", "/a/x", "/a/x-1", "/a/x/y", "/a-b/z", "/a!", "/a!/q", "/b",
                "/ab", "/ab/c", "/a.c/d", "/a.c/d-e", "/a.c/d/f", "/ü", "/ü/é")) {
            tree.createNode(path, new byte[] {1}, Ids.OPEN_ACL_UNSAFE, 0, 0, zxid++, 0);
            expected.add(path);
        }
        expected.addAll(List.of("/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"));

        List<String> walked = paths(tree);

        assertThat(walked).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldAddViewkeepersBuiltInNodesThatZooKeepersTreeLacks() throws Exception {
        DataTree tree = new DataTree();
        tree.deleteNode("/zookeeper/config", 1);
        tree.getNode("/zookeeper").removeChild("config");

        assertThat(paths(tree)).containsExactly("/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota");
    }

    @Test
    void shouldCompareNamesAsTheWholePathsWould() {
        Random random = new Random(7);
        String alphabet = "ab-./0z";
        for (int i = 0; i < 20_000; i++) {
            String a = name(random, alphabet);
            String b = name(random, alphabet);
            assertThat(Integer.signum(ZooKeeperNodes.compareAsParents(a, b))).as("%s/ vs %s/", a, b)
                    .isEqualTo(Integer.signum((a + "/").compareTo(b + "/")));
            assertThat(Integer.signum(ZooKeeperNodes.compareWithParent(a, b))).as("%s vs %s/", a, b)
                    .isEqualTo(Integer.signum(a.compareTo(b + "/")));
        }
    }

    private static List<String> paths(DataTree tree) {
        ZooKeeperNodes nodes = new ZooKeeperNodes(new ZooKeeperDataDir.Loaded(tree, Map.of(), 1, "test", 0));
        List<String> paths = new ArrayList<>();
        for (Iterator<EncodedZnode> it = nodes.encodedInKeyOrder(); it.hasNext();) {
            paths.add(it.next().path());
        }
        return paths;
    }

    private static String name(Random random, String alphabet) {
        StringBuilder name = new StringBuilder();
        int length = 1 + random.nextInt(4);
        for (int i = 0; i < length; i++) {
            name.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return name.toString().replace('/', '+');
    }
}
