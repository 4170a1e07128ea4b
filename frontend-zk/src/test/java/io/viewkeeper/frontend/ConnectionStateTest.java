package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * A connection's state machine: the moves a connection makes in its life are allowed, any other is a programmer
 * error that throws, and the state decides which queued request may be handled next.
 */
class ConnectionStateTest {

    private final ClientConnection connection = new ClientConnection(new EmbeddedChannel(), "127.0.0.1", 50_000, 0);

    @Test
    void shouldFollowTheLifeOfAConnectionWhenEveryMoveIsAllowed() {
        assertThat(connection.state()).isEqualTo(ConnectionState.CONNECTING);
        connection.transitionTo(ConnectionState.HANDSHAKE_HELD);
        connection.transitionTo(ConnectionState.HANDSHAKE_HELD);
        connection.transitionTo(ConnectionState.READY);
        connection.transitionTo(ConnectionState.READ_BARRIER);
        connection.transitionTo(ConnectionState.READY);
        connection.onWriteSubmitted();
        connection.onWriteSubmitted();
        connection.raiseWriteBarrier();
        assertThat(connection.state()).isEqualTo(ConnectionState.WRITE_BARRIER);
        assertThat(connection.writesInFlight()).isEqualTo(2);

        connection.onWriteCommitted();
        assertThat(connection.state()).as("a commit lifts the barrier, one write left").isEqualTo(
                ConnectionState.WRITES_IN_FLIGHT);
        connection.onWriteCommitted();
        assertThat(connection.state()).isEqualTo(ConnectionState.READY);
        connection.markClosed();
        connection.markClosed();
        assertThat(connection.isClosed()).isTrue();
    }

    @Test
    void shouldThrowWhenTransitionIsNotAllowed() {
        assertThatIllegalStateException().isThrownBy(() -> connection.transitionTo(ConnectionState.READ_BARRIER));
        assertThatIllegalStateException().isThrownBy(() -> connection.transitionTo(ConnectionState.WRITE_BARRIER));
        connection.transitionTo(ConnectionState.READY);
        connection.transitionTo(ConnectionState.READ_BARRIER);
        assertThatIllegalStateException().isThrownBy(() -> connection.transitionTo(ConnectionState.HANDSHAKE_HELD));
        assertThatIllegalStateException().as("a write never overtakes a read's barrier")
                .isThrownBy(connection::onWriteSubmitted);
        assertThat(connection.state()).isEqualTo(ConnectionState.READ_BARRIER);
        assertThat(connection.writesInFlight()).isZero();
    }

    @Test
    void shouldStayClosedWhenAnythingElseIsAsked() {
        connection.markClosed();
        for (ConnectionState next : ConnectionState.values()) {
            if (next != ConnectionState.CLOSED) {
                assertThatIllegalStateException().as("CLOSED -> %s", next)
                        .isThrownBy(() -> connection.transitionTo(next));
            }
        }
        assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
    }

    @Test
    void shouldThrowWhenWriteCommitsWithNoneInFlight() {
        connection.transitionTo(ConnectionState.READY);
        assertThatIllegalStateException().isThrownBy(connection::onWriteCommitted);
        assertThatIllegalStateException().isThrownBy(connection::raiseWriteBarrier);
    }

    @Test
    void shouldCountCommitsButStayClosedWhenClosedWithWritesInFlight() {
        connection.transitionTo(ConnectionState.READY);
        connection.onWriteSubmitted();
        connection.markClosed();
        connection.onWriteCommitted();
        assertThat(connection.writesInFlight()).isZero();
        assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
    }

    @Test
    void shouldAdmitOnlyWritesWhenWritesAreInFlight() {
        assertThat(ConnectionState.READY.admits(false)).isTrue();
        assertThat(ConnectionState.READY.admits(true)).isTrue();
        assertThat(ConnectionState.WRITES_IN_FLIGHT.admits(true)).isTrue();
        assertThat(ConnectionState.WRITES_IN_FLIGHT.admits(false)).as("a read waits for earlier writes").isFalse();
        for (ConnectionState held : new ConnectionState[] {ConnectionState.WRITE_BARRIER,
                ConnectionState.READ_BARRIER, ConnectionState.HANDSHAKE_HELD, ConnectionState.CLOSED}) {
            assertThat(held.admits(true)).as("%s admits a write", held).isFalse();
            assertThat(held.admits(false)).as("%s admits a read", held).isFalse();
        }
        assertThat(ConnectionState.WRITE_BARRIER.takesInput()).as("a second ConnectRequest is still looked at")
                .isTrue();
        assertThat(ConnectionState.READ_BARRIER.takesInput()).isFalse();
        assertThat(ConnectionState.HANDSHAKE_HELD.takesInput()).isFalse();
        assertThat(ConnectionState.CLOSED.takesInput()).isFalse();
    }
}
