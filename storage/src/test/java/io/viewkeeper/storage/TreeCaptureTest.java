package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A whole checkpoint's copy of the tree: taken on the thread that applies ops, at once or a slice at a time between
 * ops, its images made later, after more ops changed, created and deleted nodes, are those of the tree when the copy
 * started.
 */
class TreeCaptureTest {

    /** The copy taken at once, then ops: the images are those of the tree when it was taken. */
    @Test
    void shouldGiveTheImagesOfTheTreeWhenTakenWhateverChangedAfter() {
        for (long seed = 1; seed <= 10; seed++) {
            captureBetweenOps(seed, Integer.MAX_VALUE);
        }
    }

    /**
     * The copy taken a few nodes at a time, with ops applied between the slices (nodes changed, created and deleted
     * before and after the walk reaches them): the images are still those of the tree when the capture started.
     */
    @Test
    void shouldGiveTheImagesOfTheTreeWhenStartedWhenTakenInSlicesBetweenOps() {
        for (long seed = 1; seed <= 20; seed++) {
            assertThat(captureBetweenOps(seed, (int) (seed % 5) + 1)).as("seed %d: taken in slices", seed)
                    .isGreaterThan(10);
        }
    }

    /** Captures a random tree {@code budget} nodes a slice, two ops between slices and more after; the slices. */
    private static int captureBetweenOps(long seed, int budget) {
        RandomWorkload workload = new RandomWorkload(seed);
        workload.run(600);
        DataTree tree = workload.machine().tree();
        List<ZnodeImage> expected = expectedImages(tree);
        long digest = tree.digest();
        TreeCapture capture = tree.startCapture(workload.zxid());
        assertThatThrownBy(() -> tree.startCapture(workload.zxid())).as("one at a time")
                .isInstanceOf(IllegalStateException.class);
        int slices = 0;
        while (!capture.step(budget)) {
            workload.run(2);
            slices++;
        }
        workload.run(600); // after the walk, changes no longer concern the capture
        assertImages(seed, capture.images(), expected, digest);
        return slices;
    }

    /**
     * A tree imported from a fuzzy ZooKeeper snapshot may hold nodes whose czxid is above the zxid the state is at:
     * they are in the capture all the same (only nodes created while it is taken are left out).
     */
    @Test
    void shouldCopyNodesWhoseCzxidIsAboveTheCapturesZxid() {
        RandomWorkload workload = new RandomWorkload(5);
        workload.run(400);
        DataTree tree = workload.machine().tree();
        List<ZnodeImage> expected = expectedImages(tree);
        long digest = tree.digest();
        TreeCapture capture = tree.startCapture(1);
        while (!capture.step(3)) {
            workload.run(2);
        }
        assertImages(5, capture.images(), expected, digest);
    }

    private static List<ZnodeImage> expectedImages(DataTree tree) {
        List<ZnodeImage> expected = new ArrayList<>();
        for (String path : tree.paths()) {
            expected.add(tree.image(path));
        }
        return expected;
    }

    private static void assertImages(long seed, List<ZnodeImage> images, List<ZnodeImage> expected, long digest) {
        assertThat(images).as("seed %d", seed).hasSameSizeAs(expected);
        assertThat(images.stream().mapToLong(ZnodeImage::digestTerm).sum()).as("seed %d", seed)
                .isEqualTo(digest);
        Set<String> seen = new HashSet<>();
        for (ZnodeImage image : images) {
            assertThat(seen.add(image.path())).as("seed %d: %s once", seed, image.path()).isTrue();
        }
        Comparator<ZnodeImage> byPath = Comparator.comparing(ZnodeImage::path);
        assertThat(images.stream().sorted(byPath).toList()).as("seed %d", seed)
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(expected.stream().sorted(byPath).toList());
    }

    @Test
    void shouldGiveItsImagesOnce() {
        TreeFixture fixture = new TreeFixture().withSessions();
        assertThat(fixture.run(TreeFixture.create("/a", "x"))).isInstanceOf(Result.Created.class);
        TreeCapture capture = fixture.tree().startCapture(fixture.zxid);
        assertThat(capture.step(Integer.MAX_VALUE)).isTrue();
        assertThat(capture.images()).extracting(ZnodeImage::path).contains("/", "/a", "/zookeeper");
        assertThatThrownBy(capture::images).isInstanceOf(IllegalStateException.class);
    }
}
