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
 * A whole checkpoint's copy of the tree: taken on the thread that applies ops, its images made later, after more
 * ops changed, created and deleted nodes, are those of the tree when it was taken.
 */
class TreeCaptureTest {

    @Test
    void shouldGiveTheImagesOfTheTreeWhenTakenWhateverChangedAfter() {
        for (long seed = 1; seed <= 10; seed++) {
            RandomWorkload workload = new RandomWorkload(seed);
            workload.run(600);
            DataTree tree = workload.machine().tree();
            List<ZnodeImage> expected = new ArrayList<>();
            for (String path : tree.paths()) {
                expected.add(tree.image(path));
            }
            long digest = tree.digest();
            TreeCapture capture = tree.capture();
            workload.run(600); // sets, creates, deletes and multis after the capture

            List<ZnodeImage> images = capture.images();
            assertThat(capture.size()).isEqualTo(expected.size());
            assertThat(images.stream().mapToLong(ZnodeImage::digestTerm).sum()).as("seed %d", seed)
                    .isEqualTo(digest);
            Set<String> seen = new HashSet<>();
            for (ZnodeImage image : images) {
                assertThat(image.path().equals("/") || seen.contains(PathRules.parentOf(image.path())))
                        .as("seed %d: %s after its parent", seed, image.path()).isTrue();
                seen.add(image.path());
            }
            Comparator<ZnodeImage> byPath = Comparator.comparing(ZnodeImage::path);
            assertThat(images.stream().sorted(byPath).toList()).as("seed %d", seed)
                    .usingRecursiveFieldByFieldElementComparator()
                    .containsExactlyElementsOf(expected.stream().sorted(byPath).toList());
        }
    }

    @Test
    void shouldGiveItsImagesOnce() {
        TreeFixture fixture = new TreeFixture().withSessions();
        assertThat(fixture.run(TreeFixture.create("/a", "x"))).isInstanceOf(Result.Created.class);
        TreeCapture capture = fixture.tree().capture();
        assertThat(capture.images()).extracting(ZnodeImage::path).contains("/", "/a", "/zookeeper");
        assertThatThrownBy(capture::images).isInstanceOf(IllegalStateException.class);
    }
}
