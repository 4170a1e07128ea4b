package io.viewkeeper.frontend;

import io.viewkeeper.storage.Identity;

/**
 * One client input on its way from an I/O thread to the replica thread, as data: a connection opened or closed, a
 * decoded request, a four-letter word, the identity a TLS handshake proved. The replica thread counts inputs by
 * {@link #kind()} and hands each to the frontend ({@link #deliverTo}); a connection's inputs arrive in the order
 * its I/O thread read them ({@link ConnectionInput}).
 */
public abstract sealed class ClientInput {

    /** What an input is, for counting and logging. */
    public enum Kind {
        CONNECTION_OPENED, REQUEST, FOUR_LETTER_WORD, TLS_IDENTITY, CONNECTION_CLOSED
    }

    final ClientConnection connection;

    private ClientInput(ClientConnection connection) {
        this.connection = connection;
    }

    public abstract Kind kind();

    /** On the replica thread: the frontend handles this input. */
    public abstract void deliverTo(FrontendCore core);

    @Override
    public String toString() {
        return kind() + " " + connection;
    }

    static ClientInput opened(ClientConnection connection) {
        return new Opened(connection);
    }

    static ClientInput closed(ClientConnection connection) {
        return new Closed(connection);
    }

    static ClientInput inbound(ClientConnection connection, Inbound inbound) {
        return new Received(connection, inbound);
    }

    static ClientInput tlsIdentity(ClientConnection connection, String subject, boolean superUser) {
        return new TlsIdentity(connection, subject, superUser);
    }

    static final class Opened extends ClientInput {
        Opened(ClientConnection connection) {
            super(connection);
        }

        @Override
        public Kind kind() {
            return Kind.CONNECTION_OPENED;
        }

        @Override
        public void deliverTo(FrontendCore core) {
            core.onConnectionOpened(connection);
        }
    }

    static final class Closed extends ClientInput {
        Closed(ClientConnection connection) {
            super(connection);
        }

        @Override
        public Kind kind() {
            return Kind.CONNECTION_CLOSED;
        }

        @Override
        public void deliverTo(FrontendCore core) {
            core.onConnectionClosed(connection);
        }
    }

    /** A request (or a ConnectRequest) decoded from the connection's bytes, or a four-letter word. */
    static final class Received extends ClientInput {
        final Inbound inbound;

        Received(ClientConnection connection, Inbound inbound) {
            super(connection);
            this.inbound = inbound;
        }

        @Override
        public Kind kind() {
            return inbound instanceof Inbound.FourLetterWord ? Kind.FOUR_LETTER_WORD : Kind.REQUEST;
        }

        @Override
        public void deliverTo(FrontendCore core) {
            core.onInbound(connection, inbound);
        }
    }

    /** The subject of the certificate a client presented; before any request of its connection. */
    static final class TlsIdentity extends ClientInput {
        final String subject;
        final boolean superUser;

        TlsIdentity(ClientConnection connection, String subject, boolean superUser) {
            super(connection);
            this.subject = subject;
            this.superUser = superUser;
        }

        @Override
        public Kind kind() {
            return Kind.TLS_IDENTITY;
        }

        @Override
        public void deliverTo(FrontendCore core) {
            connection.identities.add(new Identity("x509", subject));
            if (superUser) {
                connection.identities.add(Identity.SUPER);
            }
        }
    }
}
