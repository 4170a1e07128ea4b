package io.viewkeeper.frontend;

import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import javax.security.sasl.SaslException;
import org.apache.zookeeper.proto.GetSASLRequest;
import org.apache.zookeeper.proto.SetSASLResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper's SASL request (opcode 102): the client's token goes to the connection's negotiation and the server's
 * answer comes back in a SetSASLResponse; once the negotiation completes the connection has the identity
 * {@code sasl:<authorization id>} (and super, for zookeeper.superUser). A token the negotiation refuses closes the
 * connection without an answer, as ZooKeeper does; SASL on a node without it is answered AuthFailed and closed.
 */
final class SaslRequests {
    private static final Logger log = LoggerFactory.getLogger(SaslRequests.class);

    private SaslRequests() {
    }

    static void handle(FrontendCore core, ClientConnection c, Inbound.Request request) {
        SaslAuthenticator authenticator = core.saslAuthenticator();
        if (authenticator == null || !(request.body() instanceof GetSASLRequest sasl)) {
            refuse(core, c, request, "SASL is not configured on this node (no JAAS Server section)");
            return;
        }
        try {
            if (c.sasl == null) {
                c.sasl = authenticator.start();
            }
            byte[] token = sasl.getToken() == null ? new byte[0] : sasl.getToken();
            byte[] answer = c.sasl.evaluate(token);
            if (c.sasl.isComplete()) {
                String id = c.sasl.authorizationId();
                log.info("SASL: {} authenticated as {}", c.remoteAddress, id);
                add(c, new Identity("sasl", id));
                if (id.equals(authenticator.superUser())) {
                    add(c, Identity.SUPER);
                }
            }
            core.send(c, Outbound.reply(request.xid(), core.lastZxid(), new SetSASLResponse(answer)));
        } catch (SaslException e) {
            // as ZooKeeper: the connection is closed with no answer (its client reads an answer to a SASL request
            // as a token, error or not), so the client reconnects and has no SASL identity
            log.warn("SASL: closing the connection of {}: {}", c.remoteAddress, e.getMessage());
            core.stats().authFailed++;
            core.closeConnection(c);
        }
    }

    private static void refuse(FrontendCore core, ClientConnection c, Inbound.Request request, String why) {
        log.warn("SASL: closing the connection of {}: {}", c.remoteAddress, why);
        core.stats().authFailed++;
        core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.AUTH_FAILED).thenClose());
    }

    private static void add(ClientConnection c, Identity identity) {
        if (!c.identities.contains(identity)) {
            c.identities.add(identity);
        }
    }
}
