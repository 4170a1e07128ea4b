package io.viewkeeper.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vkctl changing a live group's members: a new server joins as a learner (add-learner waits until it caught up),
 * replaces a voter (replace), and members shows the new epoch; a change the group cannot take is refused with the
 * group's reason and exit 4, a bad address with exit 64.
 */
class VkctlReconfigTest {
    @TempDir
    Path dir;

    @Test
    void shouldAddALearnerAndReplaceAVoterWithIt() throws Exception {
        try (LiveGroup group = LiveGroup.start(dir)) {
            String address = group.join(4);

            VkctlRun badAddress = group.vkctl("add-learner", "--id", "4", "--address", "127.0.0.4:x");
            assertThat(badAddress.exitCode()).as("%s", badAddress).isEqualTo(64);

            VkctlRun promoteStranger = group.vkctl("promote", "--id", "4");
            assertThat(promoteStranger.exitCode()).as("%s", promoteStranger).isEqualTo(64);

            // refused (exit 4) while the primary has not heard its backups in its view: asked again
            java.util.concurrent.atomic.AtomicReference<VkctlRun> adding = new java.util.concurrent.atomic
                    .AtomicReference<>();
            await().atMost(LiveGroup.TIMEOUT).until(() -> {
                adding.set(group.vkctl("add-learner", "--id", "4", "--address", address));
                return adding.get().exitCode() != 4;
            });
            VkctlRun added = adding.get();
            assertThat(added.exitCode()).as("%s", added).isZero();
            assertThat(added.out()).contains("epoch 1", "server.4=" + address.split(":")[0], ":observer;",
                    "r4 is a caught-up learner");

            // four voters would be an even number: the primary's admin command refuses it
            VkctlRun even = group.vkctl("promote", "--id", "4");
            assertThat(even.exitCode()).as("%s", even).isEqualTo(4);
            assertThat(even.err()).contains("not a group");

            VkctlRun replaced = group.vkctl("replace", "--old", "3", "--id", "4", "--address", address);
            assertThat(replaced.exitCode()).as("%s", replaced).isZero();
            assertThat(replaced.out()).contains("2/3 waiting for r4", "3/3 r4 becomes a voter in place of r3",
                    "epoch 2").doesNotContain("1/3");
            await().atMost(LiveGroup.TIMEOUT).until(() -> group.stopped(3));

            VkctlRun members = group.vkctl("members");
            assertThat(members.out()).contains("epoch 2").containsPattern("(?m)^r4\\s+voter")
                    .doesNotContainPattern("(?m)^r3\\s");
        }
    }
}
