package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.Operation;
import org.junit.jupiter.api.Test;

/**
 * Sessions in a frontend of their own: only a serving primary expires, and it gives every session a full timeout
 * when it becomes one; a backup passes its touches on; a session ended elsewhere closes its connection.
 */
class SessionsTest {

    private static final long SESSION = 0x0200000000000001L;

    private final FrontendHarness harness = new FrontendHarness();
    /** Ticked directly: the harness commits only when input arrives, so proposed expiries stay pending. */
    private final Sessions sessions = harness.core.sessions();

    @Test
    void shouldExpireOnlyWhenServingPrimaryAndDeadlinePassed() {
        sessions.tracker().track(SESSION, 1000, 0);
        sessions.onTick(5000, false);
        assertThat(harness.writes.pendingCount()).as("not serving: no expiry").isZero();
        assertThat(sessions.isExpiring()).isFalse();

        sessions.onTick(5000, true);
        assertThat(harness.writes.pendingCount()).as("a new serving primary gives a full timeout first").isZero();
        assertThat(sessions.isExpiring()).isTrue();
        sessions.onTick(5999, true);
        assertThat(harness.writes.pendingCount()).isZero();

        sessions.onTick(6000, true);
        assertThat(harness.writes.pendingCount()).as("its close is proposed").isEqualTo(1);
        assertThat(sessions.isLive(SESSION)).as("closing from now on").isFalse();
        sessions.onTick(9000, true);
        assertThat(harness.writes.pendingCount()).as("proposed once").isEqualTo(1);
    }

    @Test
    void shouldWithdrawExpiryAndLetSessionLiveWhenNoLongerPrimary() {
        sessions.onTick(0, true);
        sessions.tracker().track(SESSION, 1000, 0);
        sessions.onTick(1000, true);
        assertThat(sessions.isLive(SESSION)).isFalse();

        harness.writes.primary = false;
        sessions.onTick(1001, true);
        assertThat(sessions.isLive(SESSION)).isTrue();
        assertThat(sessions.isExpiring()).isFalse();
    }

    @Test
    void shouldPassTouchesOnOnceWhenBackup() {
        sessions.tracker().track(SESSION, 1000, 0);
        sessions.touch(SESSION, 10);
        assertThat(sessions.takeTouched()).as("a primary keeps its touches").isEmpty();

        harness.writes.primary = false;
        sessions.touch(SESSION, 20);
        sessions.touch(SESSION, 30);
        assertThat(sessions.takeTouched()).containsExactly(SESSION);
        assertThat(sessions.takeTouched()).isEmpty();
        assertThat(sessions.tracker().get(SESSION).deadlineMs).isEqualTo(1030);
    }

    @Test
    void shouldCloseConnectionWhenItsSessionEndsElsewhere() {
        EmbeddedChannel channel = harness.connected();
        assertThat(sessions.isLive(FrontendHarness.FIRST_SESSION_ID)).isTrue();

        sessions.onCommitted(new Operation.CloseSession(FrontendHarness.FIRST_SESSION_ID), harness.clockMs);
        assertThat(sessions.tracker().get(FrontendHarness.FIRST_SESSION_ID)).isNull();
        assertThat(channel.isOpen()).isFalse();
    }
}
