package io.viewkeeper.frontend;

import javax.security.sasl.SaslException;

/**
 * Server-side SASL for ZooKeeper's opcode 102: a negotiation per connection, its tokens evaluated on the replica
 * thread in the order the client sends them. The node supplies it (from JAAS, as ZooKeeper does); without one a
 * SASL request is refused with AuthFailed.
 */
public interface SaslAuthenticator {

    /** A new negotiation for one connection. */
    Negotiation start() throws SaslException;

    /** The authorization id that is the super user ({@code zookeeper.superUser}), or null. */
    String superUser();

    /** One connection's negotiation: javax.security.sasl's SaslServer, as ZooKeeper drives it. */
    interface Negotiation {
        byte[] evaluate(byte[] token) throws SaslException;

        boolean isComplete();

        /** The authorized id once complete: the identity {@code sasl:<id>}. */
        String authorizationId();

        void dispose();
    }
}
