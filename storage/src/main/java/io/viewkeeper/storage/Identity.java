package io.viewkeeper.storage;

/** An authenticated identity a connection holds, such as {@code ip:127.0.0.1} or {@code digest:bob:hash}. */
public record Identity(String scheme, String id) {
    public static final Identity SUPER = new Identity("super", "");

    public boolean isSuper() {
        return scheme.equals("super");
    }
}
