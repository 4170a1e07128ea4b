package io.viewkeeper.server.admin;

import io.netty.channel.ChannelHandlerContext;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.storage.AccessControl;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Identity;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ZooKeeper 3.9 AdminServer's permission rule for {@code snapshot} and {@code restore}: the {@code Authorization}
 * header names a scheme and its data ({@code digest user:password}, or {@code ip}); the identities it proves must
 * hold every permission on the root znode's ACL, checked on the replica thread. The node's admin token, as
 * {@code Bearer <token>}, proves the super identity.
 */
final class AdminAuth {
    private static final String BEARER = "Bearer ";
    private static final int[] PERMISSION_BITS = {Acl.READ, Acl.WRITE, Acl.CREATE, Acl.DELETE, Acl.ADMIN};

    private AdminAuth() {
    }

    /** The identities the Authorization header proves, as ZooKeeper's AdminServer parses it. */
    static List<Identity> authenticate(String header, ChannelHandlerContext ctx, AdminSettings settings,
            NodeAccess node) throws AdminException {
        if (header == null || header.isBlank()) {
            throw new AdminException(401, "Auth info is missing for the command");
        }
        if (header.startsWith(BEARER)) {
            byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
            if (settings.mutatingAllowed()
                    && MessageDigest.isEqual(given, settings.token().getBytes(StandardCharsets.UTF_8))) {
                return List.of(Identity.SUPER);
            }
            throw new AdminException(401, "Not authenticated: wrong token");
        }
        String[] parts = header.trim().split(" ", 2);
        List<Identity> identities = new ArrayList<>();
        switch (parts[0].toLowerCase(Locale.ROOT)) {
            case "digest" -> {
                if (parts.length < 2 || !parts[1].contains(":")) {
                    throw new AdminException(401, "Not authenticated: digest needs 'digest user:password'");
                }
                String id = AccessControl.digest(parts[1]);
                identities.add(new Identity("digest", id));
                String superDigest = node.config().superDigest();
                if (superDigest != null && superDigest.equals(id)) {
                    identities.add(Identity.SUPER);
                }
            }
            case "ip" -> {
                if (!(ctx.channel().remoteAddress() instanceof InetSocketAddress remote)) {
                    throw new AdminException(401, "Not authenticated: no client address");
                }
                identities.add(new Identity("ip", remote.getAddress().getHostAddress()));
            }
            default -> throw new AdminException(401, "Not authenticated: unknown scheme " + parts[0]
                    + " (use digest or ip, or the admin token as Bearer)");
        }
        return identities;
    }

    /** ZooKeeper checks each permission bit on its own; all must pass. */
    static boolean permitsAll(List<Acl> acl, List<Identity> identities) {
        for (int bit : PERMISSION_BITS) {
            if (!AccessControl.permits(acl, bit, identities)) {
                return false;
            }
        }
        return true;
    }
}
