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

    /** Whether this authorization id is a super user ({@code zookeeper.superUser}, {@code zookeeper.superUser.*}). */
    boolean isSuperUser(String authorizationId);

    /** One connection's negotiation: javax.security.sasl's SaslServer, as ZooKeeper drives it. */
    interface Negotiation {
        byte[] evaluate(byte[] token) throws SaslException;

        boolean isComplete();

        /** The authorized id once complete: the identity {@code sasl:<id>}. */
        String authorizationId();

        void dispose();
    }
}
