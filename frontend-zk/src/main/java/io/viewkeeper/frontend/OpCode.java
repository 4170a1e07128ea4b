package io.viewkeeper.frontend;

/** ZooKeeper 3.9 opcodes ({@code ZooDefs.OpCode}). */
public final class OpCode {
    public static final int NOTIFICATION = 0;
    public static final int CREATE = 1;
    public static final int DELETE = 2;
    public static final int EXISTS = 3;
    public static final int GET_DATA = 4;
    public static final int SET_DATA = 5;
    public static final int GET_ACL = 6;
    public static final int SET_ACL = 7;
    public static final int GET_CHILDREN = 8;
    public static final int SYNC = 9;
    public static final int PING = 11;
    public static final int GET_CHILDREN2 = 12;
    public static final int CHECK = 13;
    public static final int MULTI = 14;
    public static final int CREATE2 = 15;
    public static final int RECONFIG = 16;
    public static final int CHECK_WATCHES = 17;
    public static final int REMOVE_WATCHES = 18;
    public static final int CREATE_CONTAINER = 19;
    public static final int DELETE_CONTAINER = 20;
    public static final int CREATE_TTL = 21;
    public static final int MULTI_READ = 22;
    public static final int AUTH = 100;
    public static final int SET_WATCHES = 101;
    public static final int SASL = 102;
    public static final int GET_EPHEMERALS = 103;
    public static final int GET_ALL_CHILDREN_NUMBER = 104;
    public static final int SET_WATCHES2 = 105;
    public static final int ADD_WATCH = 106;
    public static final int WHO_AM_I = 107;
    public static final int CREATE_SESSION = -10;
    public static final int CLOSE_SESSION = -11;
    public static final int ERROR = -1;

    private OpCode() {
    }

    /** The opcodes ZooKeeper's {@code Request.isValid} accepts (auth and sasl are handled before it). */
    public static boolean isValid(int type) {
        return switch (type) {
            case CLOSE_SESSION, CREATE, DELETE, EXISTS, GET_DATA, SET_DATA, GET_ACL, SET_ACL, GET_CHILDREN, SYNC, PING,
                    GET_CHILDREN2, MULTI, CREATE2, RECONFIG, CHECK_WATCHES, REMOVE_WATCHES, CREATE_CONTAINER,
                    DELETE_CONTAINER, CREATE_TTL, MULTI_READ, SET_WATCHES, GET_EPHEMERALS, GET_ALL_CHILDREN_NUMBER,
                    SET_WATCHES2, ADD_WATCH, WHO_AM_I, AUTH, SASL -> true;
            default -> false;
        };
    }

    /** ZooKeeper's names of the opcodes ({@code Request.op2String}), as metrics and admin output label them. */
    public static String name(int type) {
        return switch (type) {
            case NOTIFICATION -> "notification";
            case CREATE -> "create";
            case DELETE -> "delete";
            case EXISTS -> "exists";
            case GET_DATA -> "getData";
            case SET_DATA -> "setData";
            case GET_ACL -> "getACL";
            case SET_ACL -> "setACL";
            case GET_CHILDREN -> "getChildren";
            case SYNC -> "sync";
            case PING -> "ping";
            case GET_CHILDREN2 -> "getChildren2";
            case CHECK -> "check";
            case MULTI -> "multi";
            case CREATE2 -> "create2";
            case RECONFIG -> "reconfig";
            case CHECK_WATCHES -> "checkWatches";
            case REMOVE_WATCHES -> "removeWatches";
            case CREATE_CONTAINER -> "createContainer";
            case DELETE_CONTAINER -> "deleteContainer";
            case CREATE_TTL -> "createTTL";
            case MULTI_READ -> "multiRead";
            case AUTH -> "auth";
            case SET_WATCHES -> "setWatches";
            case SASL -> "sasl";
            case GET_EPHEMERALS -> "getEphemerals";
            case GET_ALL_CHILDREN_NUMBER -> "getAllChildrenNumber";
            case SET_WATCHES2 -> "setWatches2";
            case ADD_WATCH -> "addWatch";
            case WHO_AM_I -> "whoAmI";
            case CREATE_SESSION -> "createSession";
            case CLOSE_SESSION -> "closeSession";
            default -> "unknown";
        };
    }

    /** The short names ZooKeeper's {@code cons} shows as last operation. */
    public static String shortName(int type) {
        return switch (type) {
            case PING -> "PING";
            case CREATE_SESSION -> "SESS";
            case MULTI -> "MULT";
            case MULTI_READ -> "MLTR";
            case CREATE, CREATE2, CREATE_CONTAINER, CREATE_TTL -> "CREA";
            case DELETE, DELETE_CONTAINER -> "DELE";
            case SET_DATA -> "SETD";
            case RECONFIG -> "RECO";
            case SET_ACL -> "SETA";
            case CLOSE_SESSION -> "CLOS";
            case SYNC -> "SYNC";
            case CHECK -> "CHEC";
            case EXISTS -> "EXIS";
            case GET_DATA -> "GETD";
            case SET_WATCHES -> "SETW";
            case SET_WATCHES2 -> "STW2";
            case ADD_WATCH -> "ADDW";
            case GET_ACL -> "GETA";
            case GET_CHILDREN, GET_CHILDREN2 -> "GETC";
            case GET_ALL_CHILDREN_NUMBER -> "GETACN";
            case CHECK_WATCHES -> "CHKW";
            case REMOVE_WATCHES -> "REMW";
            case WHO_AM_I -> "HOMI";
            case GET_EPHEMERALS -> "GETE";
            default -> "NA";
        };
    }
}
