package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vkctl steering and watching a live group through failures: view-change moves the primary (sent to the primary,
 * then to a backup), and the status verdict turns degraded when the primary is stopped and no quorum when a
 * second replica is.
 */
class VkctlFailoverTest {
    @TempDir
    Path dir;

    @Test
    void shouldMovePrimaryOnViewChangeAndChangeVerdictAsReplicasStop() throws IOException {
        try (LiveGroup group = LiveGroup.start(dir)) {
            assertThat(group.vkctl("status").out()).contains("primary r1");

            VkctlRun stepDown = group.vkctl("view-change");
            assertThat(stepDown.exitCode()).as("%s", stepDown).isZero();
            assertThat(stepDown.out()).contains("r1 started view change 0 -> 1 (next primary r2)",
                    "primary r1 (view 0) -> r2 (view 1)");
            assertThat(group.vkctl("status").out()).containsPattern("healthy: .* view 1, primary r2");

            VkctlRun fromBackup = group.vkctl("view-change", "--replica", "3");
            assertThat(fromBackup.exitCode()).as("%s", fromBackup).isZero();
            assertThat(fromBackup.out()).contains("-> r3 (view 2)");

            group.stop(3);
            AtomicReference<VkctlRun> degraded = new AtomicReference<>();
            await("degraded verdict").atMost(LiveGroup.TIMEOUT).untilAsserted(() -> {
                degraded.set(group.vkctl("status", "--timeout", "1000"));
                assertThat(degraded.get().exitCode()).as("%s", degraded.get()).isEqualTo(1);
            });
            assertThat(degraded.get().out()).containsPattern("degraded: r3 unreachable; primary r[12] in view \\d+");
            assertThat(degraded.get().out()).containsPattern("(?m)^r3\\s+\\S+\\s+-\\s+unreachable");

            group.stop(2);
            AtomicReference<VkctlRun> lost = new AtomicReference<>();
            await("no quorum verdict").atMost(LiveGroup.TIMEOUT).untilAsserted(() -> {
                lost.set(group.vkctl("status", "--timeout", "1000"));
                assertThat(lost.get().exitCode()).as("%s", lost.get()).isEqualTo(2);
            });
            assertThat(lost.get().out()).containsPattern("no quorum: 1 of 3 replicas normal in view \\d+");
        }
    }
}
