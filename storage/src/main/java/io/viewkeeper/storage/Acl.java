package io.viewkeeper.storage;

import java.util.List;

/** One ACL entry: permission bits for an identity of a scheme (ZooKeeper's {@code ACL}/{@code Id}). */
public record Acl(int perms, String scheme, String id) {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int CREATE = 4;
    public static final int DELETE = 8;
    public static final int ADMIN = 16;
    public static final int ALL = 31;

    public static final List<Acl> OPEN = List.of(new Acl(ALL, "world", "anyone"));
    public static final List<Acl> READ_ONLY = List.of(new Acl(READ, "world", "anyone"));

    /**
     * The list to keep in a node: {@link #OPEN} or {@link #READ_ONLY} itself when equal to it, so that the many
     * nodes with one of those ACLs share one list instead of a decoded copy each; any other list as it is.
     */
    public static List<Acl> shared(List<Acl> acl) {
        if (OPEN.equals(acl)) {
            return OPEN;
        }
        return READ_ONLY.equals(acl) ? READ_ONLY : acl;
    }
}
