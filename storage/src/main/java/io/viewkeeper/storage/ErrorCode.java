package io.viewkeeper.storage;

/** ZooKeeper's {@code KeeperException.Code} values that the server produces. */
public final class ErrorCode {
    public static final int OK = 0;
    public static final int RUNTIME_INCONSISTENCY = -2;
    public static final int MARSHALLING_ERROR = -5;
    public static final int UNIMPLEMENTED = -6;
    public static final int BAD_ARGUMENTS = -8;
    public static final int NO_NODE = -101;
    public static final int NO_AUTH = -102;
    public static final int BAD_VERSION = -103;
    public static final int NO_CHILDREN_FOR_EPHEMERALS = -108;
    public static final int NODE_EXISTS = -110;
    public static final int NOT_EMPTY = -111;
    public static final int SESSION_EXPIRED = -112;
    public static final int INVALID_ACL = -114;
    public static final int AUTH_FAILED = -115;
    public static final int NOT_READONLY = -119;
    public static final int NO_WATCHER = -121;
    public static final int RECONFIG_DISABLED = -123;
    /** A reconfiguration naming voters that are not caught up (ZooKeeper's NewConfigNoQuorum). */
    public static final int NEW_CONFIG_NO_QUORUM = -13;
    /** Another reconfiguration is under way (ZooKeeper's ReconfigInProgress). */
    public static final int RECONFIG_IN_PROGRESS = -14;
    /** The server requires an authenticated client (enforce.auth.enabled, sessionRequireClientSASLAuth). */
    public static final int SESSION_CLOSED_REQUIRE_SASL_AUTH = -124;
    public static final int QUOTA_EXCEEDED = -125;

    private ErrorCode() {
    }
}
