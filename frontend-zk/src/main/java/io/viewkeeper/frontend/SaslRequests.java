package io.viewkeeper.frontend;

import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import javax.security.sasl.SaslException;
import org.apache.zookeeper.proto.GetSASLRequest;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.SetSASLResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper's SASL request (opcode 102): the client's token goes to the connection's negotiation and the server's
 * answer comes back in a SetSASLResponse; once the negotiation completes the connection has the identity
 * {@code sasl:<authorization id>} (and super, for zookeeper.superUser). A token the negotiation refuses is answered
 * AuthFailed and the connection closed, as ZooKeeper 3.9 does; so is SASL on a node without it.
 */
final class SaslRequests {
    private static final Logger log = LoggerFactory.getLogger(SaslRequests.class);

    private SaslRequests() {
    }

    static void handle(FrontendCore core, ClientConnection c, Inbound.Request request) {
        SaslAuthenticator authenticator = core.authentication().sasl();
        if (authenticator == null || !(request.body() instanceof GetSASLRequest sasl)) {
            refuse(core, c, request, "SASL is not configured on this node (no JAAS Server section)");
            return;
        }
        byte[] answer;
        try {
            if (c.sasl == null) {
                c.sasl = authenticator.start();
            }
            answer = c.sasl.evaluate(sasl.getToken() == null ? new byte[0] : sasl.getToken());
        } catch (SaslException | RuntimeException e) {
            // The mechanism's own code on the client's bytes: a token it refuses, or one it cannot even parse (the
            // JDK's DIGEST-MD5 throws NumberFormatException for some) is a failed login, never the node's failure.
            refuse(core, c, request, e.toString());
            return;
        }
        if (c.sasl.isComplete()) {
            String id = c.sasl.authorizationId();
            log.info("SASL: {} authenticated as {}", c.remoteAddress, id);
            add(c, new Identity("sasl", id));
            if (authenticator.isSuperUser(id)) {
                add(c, Identity.SUPER);
            }
        }
        core.send(c, Outbound.reply(request.xid(), core.lastZxid(), new SetSASLResponse(answer)));
    }

    private static void refuse(FrontendCore core, ClientConnection c, Inbound.Request request, String why) {
        log.warn("SASL: closing the connection of {}: {}", c.remoteAddress, why);
        core.stats().authFailed++;
        if (c.sasl != null) {
            c.sasl.dispose();
        }
        // ZooKeeper 3.9's answer: AuthFailed in the header and an empty SetSASLResponse (its client reads a body
        // either way), then the connection closed
        core.send(c, new Outbound(new ReplyHeader(request.xid(), core.lastZxid(), ErrorCode.AUTH_FAILED),
                new SetSASLResponse(null), true));
    }

    private static void add(ClientConnection c, Identity identity) {
        if (!c.identities.contains(identity)) {
            c.identities.add(identity);
        }
    }
}
