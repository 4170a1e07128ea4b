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
        assertThat(FailoverProbe.longestGap(acks, 250, 1300, 5000)).isEqualTo(new FailoverProbe.Gap(700, 900));
        assertThat(FailoverProbe.longestGap(new long[] {100}, 250, 1000, 5000))
                .isEqualTo(new FailoverProbe.Gap(900, 1000));
    }

    @Test
    void shouldIgnoreAcknowledgementsAfterLoadStoppedWhenFailover() {
        long[] acks = {100, 200, 300, 400, 2000};
        // the drain's acknowledgement at 2000 neither ends a gap nor opens one from the end of the load at 500
        assertThat(FailoverProbe.longestGap(acks, 250, 500, 5000)).isEqualTo(new FailoverProbe.Gap(100, 300));
    }

    @Test
    void shouldLeaveGapsOpeningAfterWindowOutWhenFailover() {
        long[] acks = {100, 200, 400, 450, 500, 1500};
        // kill at 250, window 200: the gap from 500 to 1500 opens after 450 and is not the failover
        assertThat(FailoverProbe.longestGap(acks, 250, 2000, 200)).isEqualTo(new FailoverProbe.Gap(200, 400));
        // a gap that opens inside the window counts whole
        assertThat(FailoverProbe.longestGap(acks, 250, 2000, 260)).isEqualTo(new FailoverProbe.Gap(1000, 1500));
    }
}
