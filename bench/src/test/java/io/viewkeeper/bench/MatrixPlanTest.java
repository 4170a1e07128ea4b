package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MatrixPlanTest {
    @Test
    void shouldAlternateSystemsWithinEachRepeatWhenInterleaved() {
        List<Workload> workloads = MatrixPlan.standard(List.of(4, 16), 8, 0, 1000).subList(0, 2);
        List<MatrixPlan.PlannedRun> plan = MatrixPlan.interleave(workloads,
                List.of(BenchSystem.ZK, BenchSystem.VK_LINEARIZABLE), 3);
        assertThat(plan).hasSize(2 * 3 * 2);
        assertThat(plan.stream().map(run -> run.system().id()).toList())
                .containsExactly("zk", "vk-lin", "zk", "vk-lin", "zk", "vk-lin", "zk", "vk-lin", "zk", "vk-lin",
                        "zk", "vk-lin");
        assertThat(plan.subList(0, 6)).allMatch(run -> run.workload().equals(workloads.get(0)));
        assertThat(plan.subList(0, 6).stream().map(MatrixPlan.PlannedRun::repeat).toList())
                .containsExactly(1, 1, 2, 2, 3, 3);
    }

    @Test
    void shouldCoverSixMixesAtEverySessionCountWhenStandard() {
        List<Workload> workloads = MatrixPlan.standard(List.of(4, 16, 64), 8, 1000, 3000);
        assertThat(workloads).hasSize(18);
        assertThat(workloads).allMatch(w -> w.window() == 8 && w.data().valueBytes() == 100);
        assertThat(workloads.stream().filter(w -> w.name().equals("multi5")).findFirst().orElseThrow()
                .data().multiSize()).isEqualTo(5);
    }

    @Test
    void shouldMeasureGapFromLastAckBeforeKillWhenFailover() {
        long[] acks = {100, 200, 900, 950, 1200};
        assertThat(FailoverProbe.longestGapNanos(acks, 250, 1300)).isEqualTo(700);
        assertThat(FailoverProbe.longestGapNanos(new long[] {100}, 250, 1000)).isEqualTo(900);
    }
}
