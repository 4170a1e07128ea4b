package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.viewkeeper.server.CycleTimers.Timer;
import org.junit.jupiter.api.Test;

class CycleTimersTest {

    @Test
    void shouldRunReaperOnItsOwnPeriodWhenItIsShorterThanTheFrontendTick() {
        CycleTimers timers = new CycleTimers(0, 20, 100, 1);
        int reaperRuns = 0;
        int frontendRuns = 0;
        for (long now = 0; now <= 50; now++) {
            reaperRuns += timers.due(Timer.REAPER, now) ? 1 : 0;
            frontendRuns += timers.due(Timer.FRONTEND_TICK, now) ? 1 : 0;
        }
        assertThat(reaperRuns).as("every millisecond from the first").isEqualTo(50);
        assertThat(frontendRuns).isZero();
        assertThat(timers.waitMs(50)).isEqualTo(1);
    }

    @Test
    void shouldWaitUntilTheSoonestTimerWhenNothingIsDue() {
        CycleTimers timers = new CycleTimers(1000, 20, 100, 60_000);
        assertThat(timers.waitMs(1000)).isEqualTo(20);
        assertThat(timers.due(Timer.REPLICA_TICK, 1019)).isFalse();
        assertThat(timers.due(Timer.REPLICA_TICK, 1020)).isTrue();
        assertThat(timers.due(Timer.REPLICA_TICK, 1020)).as("once per deadline").isFalse();
        assertThat(timers.waitMs(1020)).isEqualTo(20);
        assertThat(timers.waitMs(5000)).as("overdue: at least a millisecond").isEqualTo(1);
    }

    @Test
    void shouldRefuseAPeriodBelowOneMillisecond() {
        assertThatIllegalArgumentException().isThrownBy(() -> new CycleTimers(0, 20, 100, 0))
                .withMessageContaining("reaperMs");
    }
}
