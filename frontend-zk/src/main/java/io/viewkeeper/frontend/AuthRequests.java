package io.viewkeeper.frontend;

import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.ErrorCode;
import io.viewkeeper.storage.Identity;
import java.nio.charset.StandardCharsets;
import org.apache.zookeeper.proto.AuthPacket;

/** ZooKeeper's addAuth: digest and ip identities added to a connection, any other scheme AuthFailed and closed. */
final class AuthRequests {
    private AuthRequests() {
    }

    static void handle(FrontendCore core, ClientConnection c, Inbound.Request request) {
        AuthPacket auth = (AuthPacket) request.body();
        if (auth == null || auth.getScheme() == null) {
            core.send(c, Outbound.reply(FrontendCore.AUTH_XID, 0, ErrorCode.AUTH_FAILED).thenClose());
            return;
        }
        String credential = auth.getAuth() == null ? "" : new String(auth.getAuth(), StandardCharsets.UTF_8);
        switch (auth.getScheme()) {
            case "digest" -> {
                String digest = AccessControl.digest(credential);
                if (digest.equals(core.settings().superDigest())) {
                    addIdentity(c, Identity.SUPER);
                }
                addIdentity(c, new Identity("digest", digest));
            }
            case "ip" -> addIdentity(c, new Identity("ip", c.remoteAddress));
            default -> {
                core.stats().authFailed++;
                core.send(c, Outbound.reply(FrontendCore.AUTH_XID, 0, ErrorCode.AUTH_FAILED).thenClose());
                return;
            }
        }
        core.send(c, Outbound.reply(FrontendCore.AUTH_XID, 0, 0));
    }

    private static void addIdentity(ClientConnection c, Identity identity) {
        if (!c.identities.contains(identity)) {
            c.identities.add(identity);
        }
    }
}
