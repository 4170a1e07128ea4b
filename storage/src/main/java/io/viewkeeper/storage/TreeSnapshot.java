package io.viewkeeper.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A whole image of the state machine (tree, sessions, last zxid) as bytes: what a replica that lost its state or
 * fell behind the released log installs. Nodes are written parents first, so reading rebuilds the tree with the
 * ordinary create path; every length is checked, so a damaged image is rejected rather than half installed.
 */
public final class TreeSnapshot {
    private static final int FORMAT_VERSION = 1;

    private TreeSnapshot() {
    }

    /** The installed state. */
    public record Image(DataTree tree, SessionTable sessions, long lastZxid) {
    }

    public static byte[] write(ZnodeStateMachine machine) {
        return write(new Image(machine.tree(), machine.sessions(), machine.lastZxid()));
    }

    public static byte[] write(Image image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT_VERSION);
            out.writeLong(image.lastZxid());
            writeSessions(out, image.sessions());
            writeNodes(out, image.tree());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void writeSessions(DataOutputStream out, SessionTable sessions) throws IOException {
        out.writeInt(sessions.size());
        for (Session s : sessions.all()) {
            out.writeLong(s.sessionId());
            out.writeInt(s.timeoutMs());
            bytes(out, s.password());
        }
    }

    private static void writeNodes(DataOutputStream out, DataTree tree) throws IOException {
        out.writeInt(tree.nodeCount());
        Deque<String> pending = new ArrayDeque<>();
        pending.add("/");
        while (!pending.isEmpty()) {
            String path = pending.poll();
            Znode node = tree.get(path);
            bytes(out, path.getBytes(StandardCharsets.UTF_8));
            bytes(out, node.data);
            out.writeInt(node.acl.size());
            for (Acl acl : node.acl) {
                out.writeInt(acl.perms());
                bytes(out, acl.scheme().getBytes(StandardCharsets.UTF_8));
                bytes(out, acl.id().getBytes(StandardCharsets.UTF_8));
            }
            for (long value : new long[] {node.czxid, node.mzxid, node.ctime, node.mtime, node.owner, node.pzxid()}) {
                out.writeLong(value);
            }
            out.writeInt(node.version);
            out.writeInt(node.childCreations());
            out.writeInt(node.aversion);
            for (String child : node.children()) {
                pending.add(PathRules.childPath(path, child));
            }
        }
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    public static Image read(byte[] image) throws OperationCodec.MalformedOperationException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(image))) {
            if (in.readInt() != FORMAT_VERSION) {
                throw new OperationCodec.MalformedOperationException("unknown snapshot format");
            }
            long lastZxid = in.readLong();
            TreeImageBuilder builder = new TreeImageBuilder();
            int sessionCount = count(in, 16);
            for (int i = 0; i < sessionCount; i++) {
                builder.addSession(new Session(in.readLong(), in.readInt(), bytes(in)));
            }
            int nodeCount = count(in, 60);
            for (int i = 0; i < nodeCount; i++) {
                readNode(in, builder);
            }
            if (in.available() != 0) {
                throw new OperationCodec.MalformedOperationException("trailing bytes after snapshot");
            }
            return builder.build(lastZxid);
        } catch (IOException | RuntimeException e) {
            throw new OperationCodec.MalformedOperationException("damaged snapshot: " + e);
        }
    }

    private static void readNode(DataInputStream in, TreeImageBuilder builder)
            throws IOException, OperationCodec.MalformedOperationException {
        String path = new String(bytes(in), StandardCharsets.UTF_8);
        byte[] data = bytes(in);
        int aclCount = count(in, 12);
        List<Acl> acl = new ArrayList<>(aclCount);
        for (int i = 0; i < aclCount; i++) {
            acl.add(new Acl(in.readInt(), new String(bytes(in), StandardCharsets.UTF_8),
                    new String(bytes(in), StandardCharsets.UTF_8)));
        }
        long czxid = in.readLong();
        long mzxid = in.readLong();
        long ctime = in.readLong();
        long mtime = in.readLong();
        long owner = in.readLong();
        long pzxid = in.readLong();
        int version = in.readInt();
        int childCreations = in.readInt();
        int aversion = in.readInt();
        builder.addNode(new ZnodeImage(path, data, acl, czxid, mzxid, ctime, mtime, version, childCreations,
                aversion, owner, pzxid, 0));
    }

    private static int count(DataInputStream in, int elementBytesMin)
            throws IOException, OperationCodec.MalformedOperationException {
        int count = in.readInt();
        if (count < 0 || (long) count * elementBytesMin > in.available()) {
            throw new OperationCodec.MalformedOperationException("bad count " + count);
        }
        return count;
    }

    private static byte[] bytes(DataInputStream in) throws IOException, OperationCodec.MalformedOperationException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.available()) {
            throw new OperationCodec.MalformedOperationException("bad length " + length);
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
