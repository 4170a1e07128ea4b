package io.viewkeeper.storage;

import static io.viewkeeper.storage.TreeFixture.create;
import static io.viewkeeper.storage.TreeFixture.setData;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A state image of any bytes (what a checkpoint transfer carries, and what a restore decodes): reading it either
 * gives a tree or fails with MalformedOperationException, never another exception. Seeds: images of small trees.
 */
class TreeSnapshotFuzzTest {

    static Stream<byte[]> seeds() {
        TreeFixture empty = new TreeFixture().withSessions();
        TreeFixture small = new TreeFixture().withSessions();
        small.run(create("/a", "one"));
        small.run(create("/a/s-", "x", 2));
        small.run(create("/e", "", 1));
        small.run(setData("/a", "two"));
        return Stream.of(TreeSnapshot.write(empty.machine), TreeSnapshot.write(small.machine));
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldReadOrRefuseAnyBytes(byte[] bytes) {
        try {
            TreeSnapshot.read(bytes);
        } catch (OperationCodec.MalformedOperationException refused) {
            // a clear refusal is what a damaged image gets
        }
    }
}
