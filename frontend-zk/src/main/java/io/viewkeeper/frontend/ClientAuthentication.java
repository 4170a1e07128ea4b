package io.viewkeeper.frontend;

import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How clients authenticate beyond ZooKeeper's addAuth: SASL (opcode 102, {@code sasl} null for none) and the schemes
 * a connection must be authenticated with before any request but auth and SASL (ZooKeeper's enforce.auth.enabled
 * and sessionRequireClientSASLAuth; empty for none).
 */
public record ClientAuthentication(SaslAuthenticator sasl, Set<String> requiredSchemes) {
    private static final Logger log = LoggerFactory.getLogger(ClientAuthentication.class);
    public static final ClientAuthentication NONE = new ClientAuthentication(null, Set.of());

    public ClientAuthentication {
        requiredSchemes = Set.copyOf(requiredSchemes);
    }

    /**
     * Whether {@code request} is refused for want of authentication: then it was answered
     * SessionClosedRequireAuth and the connection closed, as ZooKeeper 3.9 does. Replica thread.
     */
    boolean refuses(FrontendCore core, ClientConnection c, Inbound.Request request) {
        if (requiredSchemes.isEmpty() || request.type() == OpCode.AUTH || request.type() == OpCode.SASL) {
            return false;
        }
        for (Identity identity : c.identities) {
            if (requiredSchemes.contains(identity.scheme())) {
                return false;
            }
        }
        log.info("closing the connection of {}: it is not authenticated with {} (enforce.auth)", c.remoteAddress,
                requiredSchemes);
        core.stats().authFailed++;
        core.send(c, Outbound.reply(request.xid(), core.lastZxid(), ErrorCode.SESSION_CLOSED_REQUIRE_SASL_AUTH)
                .thenClose());
        return true;
    }
}
