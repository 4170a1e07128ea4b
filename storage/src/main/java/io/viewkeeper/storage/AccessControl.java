package io.viewkeeper.storage;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * ZooKeeper's ACL rules: the permission check, the validation and expansion of ACL lists on create and setACL,
 * and the built-in schemes (world, auth, digest, ip, super).
 */
public final class AccessControl {

    private AccessControl() {
    }

    /** ZooKeeper's {@code checkACL}: empty ACL or a super identity passes; otherwise any bit of {@code perm}. */
    public static boolean permits(List<Acl> acl, int perm, List<Identity> identities) {
        if (acl == null || acl.isEmpty()) {
            return true;
        }
        for (Identity identity : identities) {
            if (identity.isSuper()) {
                return true;
            }
        }
        for (Acl entry : acl) {
            if ((entry.perms() & perm) == 0) {
                continue;
            }
            if (entry.scheme().equals("world") && entry.id().equals("anyone")) {
                return true;
            }
            for (Identity identity : identities) {
                if (identity.scheme().equals(entry.scheme()) && matches(entry.scheme(), identity.id(), entry.id())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(String scheme, String identityId, String aclId) {
        return switch (scheme) {
            case "digest", "x509" -> identityId.equals(aclId);
            // ZooKeeper's SASLAuthenticationProvider: the sasl id "super" matches every sasl entry (no other scheme)
            case "sasl" -> identityId.equals(aclId) || identityId.equals("super");
            case "ip" -> ipMatches(identityId, aclId);
            default -> false;
        };
    }

    /**
     * Validates and expands an ACL list as ZooKeeper's {@code fixupACL} does: duplicates removed, {@code auth}
     * replaced by the caller's authenticated identities. Returns null when the list is invalid (InvalidACL).
     */
    public static List<Acl> expand(List<Acl> acl, List<Identity> identities) {
        if (acl == null || acl.isEmpty()) {
            return null;
        }
        List<Acl> result = new ArrayList<>();
        for (Acl entry : new LinkedHashSet<>(acl)) {
            if (entry.scheme() == null || entry.id() == null) {
                return null;
            }
            if (entry.scheme().equals("world") && entry.id().equals("anyone")) {
                result.add(entry);
            } else if (entry.scheme().equals("auth")) {
                int before = result.size();
                for (Identity identity : identities) {
                    // the identities a provider authenticates (ZooKeeper's isAuthenticated): digest, x509, sasl
                    if (identity.scheme().equals("digest") || identity.scheme().equals("x509")
                            || identity.scheme().equals("sasl")) {
                        result.add(new Acl(entry.perms(), identity.scheme(), identity.id()));
                    }
                }
                if (result.size() == before) {
                    return null;
                }
            } else if (!validId(entry.scheme(), entry.id())) {
                return null;
            } else {
                result.add(entry);
            }
        }
        return List.copyOf(new LinkedHashSet<>(result));
    }

    private static boolean validId(String scheme, String id) {
        return switch (scheme) {
            case "digest" -> id.split(":", -1).length == 2;
            case "ip" -> parseIp(id) != null;
            case "x509" -> validX500Name(id);
            case "sasl" -> validKerberosName(id);
            default -> false;
        };
    }

    /**
     * ZooKeeper's SASLAuthenticationProvider takes an id its KerberosName parses: one without '@' (a bare name, the
     * empty one included), or {@code name[/host]@realm} with no further '/' or '@'.
     */
    private static boolean validKerberosName(String id) {
        return id.indexOf('@') < 0 || KERBEROS_NAME.matcher(id).matches();
    }

    /** ZooKeeper's KerberosName pattern: {@code ([^/@]*)(/([^/@]*))?@([^/@]*)}. */
    private static final java.util.regex.Pattern KERBEROS_NAME =
            java.util.regex.Pattern.compile("([^/@]*)(/([^/@]*))?@([^/@]*)");

    /** ZooKeeper's X509AuthenticationProvider takes any distinguished name X500Principal parses. */
    private static boolean validX500Name(String id) {
        try {
            new javax.security.auth.x500.X500Principal(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code user:BASE64(SHA1("user:password"))}, the digest scheme's id for {@code user:password}. */
    public static String digest(String userAndPassword) {
        int colon = userAndPassword.indexOf(':');
        String user = colon < 0 ? userAndPassword : userAndPassword.substring(0, colon);
        try {
            byte[] hash = MessageDigest.getInstance("SHA1").digest(userAndPassword.getBytes(StandardCharsets.UTF_8));
            return user + ":" + Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA1 is part of every JDK", e);
        }
    }

    /** The user part of a digest id ({@code user:hash} gives {@code user}). */
    public static String digestUser(String id) {
        int colon = id.indexOf(':');
        return colon < 0 ? id : id.substring(0, colon);
    }

    private record IpPrefix(byte[] address, int bits) {
    }

    private static boolean ipMatches(String clientAddress, String aclId) {
        IpPrefix client = parseIp(clientAddress);
        IpPrefix prefix = parseIp(aclId);
        if (client == null || prefix == null || client.address().length != prefix.address().length) {
            return false;
        }
        for (int bit = 0; bit < prefix.bits(); bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((client.address()[bit / 8] & mask) != (prefix.address()[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** Parses an IP literal with an optional /bits; never resolves names. */
    private static IpPrefix parseIp(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        byte[] address = host.contains(":") ? parseIpv6(host) : parseIpv4(host);
        if (address == null) {
            return null;
        }
        int bits = address.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (bits < 0 || bits > address.length * 8) {
                return null;
            }
        }
        return new IpPrefix(address, bits);
    }

    private static byte[] parseIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                return null;
            }
            int value = Integer.parseInt(parts[i]);
            if (value > 255) {
                return null;
            }
            out[i] = (byte) value;
        }
        return out;
    }

    private static byte[] parseIpv6(String host) {
        if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return null;
        }
        try {
            byte[] address = InetAddress.getByName(host).getAddress();
            return address.length == 16 ? address : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
