package io.viewkeeper.storage.checkpoint;

import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.PathRules;
import io.viewkeeper.storage.Session;
import io.viewkeeper.storage.Znode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.mapdb.DBException;

/**
 * A data directory's first checkpoint written from records streamed in key order instead of from a tree: what an
 * import from another store writes, so that the state is held once, as the source's, and never a second time as a
 * tree. The file is the one a full save writes, and the replica that opens it loads it like any checkpoint, every
 * checksum, the counts and the digest checked. Checked here on the way, so a bad source is refused before anything
 * is in place: the paths are valid and come in strictly ascending key order (so parents before children), their
 * child counts add up to one tree, and each owner lists exactly as many ephemerals as were written with it.
 */
public final class CheckpointImport {
    /** The order the znodes are given in: the checkpoint's key order, {@link String#compareTo}. */
    public static final Comparator<String> KEY_ORDER = CheckpointRewrite.KEY_ORDER;

    private CheckpointImport() {
    }

    /** An owner record: the session (null when only its ephemerals are left) and its ephemerals in creation order. */
    public record Owner(long id, Session session, List<String> ephemerals) {
        public Owner {
            ephemerals = List.copyOf(ephemerals);
        }
    }

    /**
     * The state to write at op {@code zxid}: every znode in {@link #KEY_ORDER} (each with its child count), every
     * owner in ascending id order (asked for once the znodes are written, so a source may find them on the way),
     * and the consensus client table. The checkpoint's chain value is the digest, as for every imported first
     * checkpoint.
     */
    public record State(Iterator<EncodedZnode> nodesInKeyOrder, Supplier<List<Owner>> ownersInIdOrder, long zxid,
            byte[] clients) {
    }

    /** What the checkpoint holds. */
    public record Written(long digest, int nodeCount, int sessionCount, int ephemeralCount) {
    }

    /** The file {@link #write} writes in {@code directory} until it renames it into place. */
    public static Path fileInProgress(Path directory) {
        return directory.resolve(CheckpointStore.REWRITE_FILE_NAME);
    }

    /**
     * Writes {@value CheckpointStore#FILE_NAME} into {@code directory}, which must not hold one yet, forced to the
     * device with the directory. Nothing is left in place when it fails.
     */
    public static Written write(Path directory, State state)
            throws IOException, OperationCodec.MalformedOperationException {
        if (state.clients() == null || state.clients().length > CheckpointStore.CLIENT_TABLE_BYTES_MAX) {
            throw new IllegalArgumentException("client table missing or over "
                    + CheckpointStore.CLIENT_TABLE_BYTES_MAX + " bytes");
        }
        Files.createDirectories(directory);
        Path file = directory.resolve(CheckpointStore.FILE_NAME);
        if (Files.exists(file)) {
            throw new IOException(file + " exists: an imported checkpoint is the directory's first");
        }
        Path fresh = fileInProgress(directory);
        CheckedNodes nodes = new CheckedNodes(state.nodesInKeyOrder());
        Written written;
        try (CheckpointRewrite rewrite = CheckpointRewrite.create(fresh)) {
            CheckpointStore.Written stored = rewrite.writeNodes(nodes);
            List<Owner> owners = state.ownersInIdOrder().get();
            written = nodes.check(stored, owners);
            rewrite.writeOwners(owners);
            rewrite.finish(CheckpointRecords.encodeMeta(new CheckpointRecords.Meta(state.zxid(), state.zxid(),
                    written.digest(), written.nodeCount(), written.sessionCount(), written.digest(),
                    state.clients())));
        } catch (Refused e) {
            throw new OperationCodec.MalformedOperationException(e.getMessage());
        } catch (DBException e) {
            throw new IOException("imported checkpoint in " + directory + " not written: " + e.getMessage(), e);
        }
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
        return written;
    }

    /** A source node that cannot be in a checkpoint; unchecked only to leave the node iterator. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Passes the nodes on, checking each path and adding up the child counts and each owner's ephemerals. */
    private static final class CheckedNodes implements Iterator<EncodedZnode> {
        private final Iterator<EncodedZnode> source;
        private final Map<Long, Integer> ephemeralsByOwner = new HashMap<>();
        private long childCounts;

        CheckedNodes(Iterator<EncodedZnode> source) {
            this.source = source;
        }

        @Override
        public boolean hasNext() {
            return source.hasNext();
        }

        @Override
        public EncodedZnode next() {
            EncodedZnode node = source.next();
            if (!PathRules.isValid(node.path())) {
                throw new Refused("invalid node path: " + node.path());
            }
            childCounts += node.numChildren();
            long owner = node.owner();
            if (owner != 0 && owner != Znode.CONTAINER_OWNER
                    && (owner & Znode.TTL_OWNER_MASK) != Znode.TTL_OWNER_MASK) {
                ephemeralsByOwner.merge(owner, 1, Integer::sum);
            }
            return node;
        }

        /** The pair checks of what was streamed against the owners and the tree shape; what the file holds. */
        Written check(CheckpointStore.Written stored, List<Owner> owners) {
            if (childCounts != stored.nodeCount() - 1L) {
                throw new Refused("the nodes' child counts add up to " + childCounts + ", not one less than the "
                        + stored.nodeCount() + " nodes: they are not one tree");
            }
            int sessions = 0;
            int ephemerals = 0;
            for (Owner owner : owners) {
                int written = ephemeralsByOwner.getOrDefault(owner.id(), 0);
                if (written != owner.ephemerals().size()) {
                    throw new Refused("session 0x" + Long.toHexString(owner.id()) + " lists "
                            + owner.ephemerals().size() + " ephemerals but " + written + " nodes are its");
                }
                sessions += owner.session() == null ? 0 : 1;
                ephemerals += written;
            }
            int owned = ephemeralsByOwner.values().stream().mapToInt(Integer::intValue).sum();
            if (owned != ephemerals) {
                throw new Refused(owned - ephemerals + " ephemeral nodes have an owner without a record");
            }
            return new Written(stored.digest(), stored.nodeCount(), sessions, ephemerals);
        }
    }
}
