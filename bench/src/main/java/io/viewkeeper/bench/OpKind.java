package io.viewkeeper.bench;

/** One kind of client request the load generator issues; the name is the ZooKeeper API call it stands for. */
public enum OpKind {
    CREATE("create", true),
    SET_DATA("setData", true),
    GET_DATA("getData", false),
    EXISTS("exists", false),
    GET_CHILDREN("getChildren", false),
    DELETE("delete", true),
    MULTI_SET_DATA("multi", true),
    SYNC_GET_DATA("syncGetData", false);

    private final String apiName;
    private final boolean write;

    OpKind(String apiName, boolean write) {
        this.apiName = apiName;
        this.write = write;
    }

    public String apiName() {
        return apiName;
    }

    public boolean isWrite() {
        return write;
    }

    /** Accepts the API name ("setData") or the constant name ("SET_DATA"), in any case. */
    public static OpKind parse(String name) {
        for (OpKind kind : values()) {
            if (kind.apiName.equalsIgnoreCase(name) || kind.name().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown op '" + name + "'; one of create, setData, getData, exists, "
                + "getChildren, delete, multi, syncGetData");
    }

    @Override
    public String toString() {
        return apiName;
    }
}
