package io.viewkeeper.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One znode as the tree stores it. It keeps ZooKeeper's stored creation counter ({@code childCreations}) and
 * reports cversion as {@code 2 * creations - numChildren}, which is what ZooKeeper clients see. A node holds its
 * children by name, and the tree is reached from the root through them: no node stores its path, only its name. The
 * children are a {@link ChildTable}, whose order is that of ZooKeeper's {@code HashSet} of names after the same adds
 * and removes.
 */
public final class Znode {
    /** Owner marker of container nodes; clients see 0. */
    public static final long CONTAINER_OWNER = Long.MIN_VALUE;
    /** Top byte of the owner marker of TTL nodes; the low 40 bits hold the TTL. */
    public static final long TTL_OWNER_MASK = 0xFF00000000000000L;
    public static final long TTL_MAX = 0xFFFFFFFFFFL;

    byte[] data;
    List<Acl> acl;
    final long czxid;
    long mzxid;
    final long ctime;
    long mtime;
    int version;
    int aversion;
    final long owner;
    /**
     * Null until the first child, then kept even when emptied, as ZooKeeper's DataNode keeps its set: getChildren
     * lists names in the order of a HashSet of initial capacity 8 that saw the same adds and removes. It also holds
     * the fields only children change, pzxid and the creation counter: a node without it has pzxid = czxid and
     * no creations.
     */
    private ChildTable children;
    /** This node's name under its parent as UTF-8, null for the root; set when it is put under the parent. */
    byte[] name;
    /** The next child in the parent's table bin. */
    Znode next;

    Znode(byte[] data, List<Acl> acl, long zxid, long time, long owner) {
        replaceData(data);
        this.acl = Acl.shared(acl);
        this.czxid = zxid;
        this.mzxid = zxid;
        this.ctime = time;
        this.mtime = time;
        this.owner = owner;
    }

    void replaceData(byte[] newData) {
        this.data = newData;
    }

    /** {@code Arrays.hashCode(data)}, -1 for null: the data's share of the tree digest. */
    int dataHash() {
        return data == null ? -1 : Arrays.hashCode(data);
    }

    /** Names the node, as its parent holds it; a name is valid UTF-16 (path rules refuse surrogates). */
    void setName(String newName) {
        byte[] bytes = newName.getBytes(StandardCharsets.UTF_8);
        boolean ascii = bytes.length == newName.length(); // a lone surrogate is one byte too: '?'
        for (int i = 0; ascii && i < newName.length(); i++) {
            ascii = newName.charAt(i) < 0x80;
        }
        if (!ascii && !new String(bytes, StandardCharsets.UTF_8).equals(newName)) {
            throw new IllegalArgumentException("a child name that is not valid UTF-16: " + newName);
        }
        this.name = bytes;
    }

    /** {@code String.hashCode} of the name, worked out from its bytes. */
    int nameHash() {
        int hash = 0;
        for (byte b : name) {
            if (b < 0) {
                return name().hashCode();
            }
            hash = 31 * hash + b;
        }
        return hash;
    }

    /** The name under its parent; null for the root. */
    String name() {
        return name == null ? null : new String(name, StandardCharsets.UTF_8);
    }

    /** The name's length in chars, as String.length would give it. */
    int nameLength() {
        return ChildTable.charLength(name);
    }

    /** The data, or null when the node was created with a null buffer. Callers must not modify it. */
    public byte[] data() {
        return data;
    }

    public List<Acl> acl() {
        return acl;
    }

    /** The children's names in getChildren order (ZooKeeper's), in a new list. */
    public List<String> children() {
        return children == null ? new ArrayList<>(0) : children.names();
    }

    /** The child called {@code name}, or null. */
    Znode child(String name) {
        return child(name, 0, name.length());
    }

    /** The child whose name is {@code path.substring(from, to)}, or null. */
    Znode child(String path, int from, int to) {
        return children == null ? null : children.get(path, from, to);
    }

    /** Calls {@code action} with each child, in getChildren order; the children must not change meanwhile. */
    void forEachChild(Consumer<Znode> action) {
        if (children != null) {
            children.forEach(action);
        }
    }

    int childCount() {
        return children == null ? 0 : children.size();
    }

    /** Adds the child, or replaces the node under that name (its place in the order stays). */
    void putChild(String name, Znode child) {
        if (children == null) {
            children = new ChildTable(czxid); // as ZooKeeper's new HashSet<>(8)
        }
        children.put(name, child);
    }

    void removeChild(String name) {
        if (children != null) {
            children.remove(name);
        }
    }

    /** Takes over the children of {@code other}, a node this one replaces in the tree; pzxid and cversion stay. */
    void adoptChildren(Znode other) {
        long pzxid = pzxid();
        int creations = childCreations();
        children = other.children;
        setPzxid(pzxid);
        setChildCreations(creations);
    }

    public long owner() {
        return owner;
    }

    public long mzxid() {
        return mzxid;
    }

    public long pzxid() {
        return children == null ? czxid : children.pzxid;
    }

    void setPzxid(long zxid) {
        if (children != null) {
            children.pzxid = zxid;
        } else if (zxid != czxid) {
            children = new ChildTable(zxid);
        }
    }

    public long mtime() {
        return mtime;
    }

    public int childCreations() {
        return children == null ? 0 : children.creations;
    }

    void setChildCreations(int creations) {
        if (children != null) {
            children.creations = creations;
        } else if (creations != 0) {
            children = new ChildTable(czxid);
            children.creations = creations;
        }
    }

    public int dataLength() {
        return data == null ? 0 : data.length;
    }

    public boolean isContainer() {
        return owner == CONTAINER_OWNER;
    }

    public boolean isTtl() {
        return owner != CONTAINER_OWNER && (owner & TTL_OWNER_MASK) == TTL_OWNER_MASK;
    }

    public long ttlMs() {
        return isTtl() ? owner & TTL_MAX : -1;
    }

    /** The owning session of an ephemeral node, 0 for persistent, container and TTL nodes. */
    public long ephemeralOwner() {
        return isContainer() || isTtl() ? 0 : owner;
    }

    public Stat stat() {
        return new Stat(czxid, mzxid, ctime, mtime, version, 2 * childCreations() - childCount(), aversion,
                ephemeralOwner(), dataLength(), childCount(), pzxid());
    }
}
