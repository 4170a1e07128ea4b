package io.viewkeeper.server.migrate;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.ZnodeStateMachine;
import io.viewkeeper.storage.wal.ChannelOpener;
import io.viewkeeper.storage.wal.CorruptStorageException;
import io.viewkeeper.storage.wal.MetadataStore;
import io.viewkeeper.storage.wal.ReplicaMetadata;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The committed state of a stopped replica's data directory, read without changing it: the directory is copied
 * aside and opened there as the replica would open it, and the log entries after the checkpoint are applied up to
 * the highest op the replica knew committed (its commit hint). Entries past that may never have committed, so they
 * are left out.
 */
public final class StoppedReplicaState {
    private StoppedReplicaState() {
    }

    /** The state, and how far it goes. */
    public record State(TreeSnapshot.Image image, long checkpointOp, int entriesApplied, int entriesLeftOut) {
    }

    public static State read(Path dataDir, boolean extendedTypesEnabled, boolean enforceQuota)
            throws MigrationException, IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new MigrationException(dataDir + " is not a directory");
        }
        Path copy = Files.createTempDirectory("viewkeeper-export-");
        try {
            DirectoryTrees.copy(dataDir, copy);
            ReplicaDisk.Identity identity = identityOf(copy);
            try (ReplicaDisk disk = ReplicaDisk.open(copy, identity, WriteAheadLog.Options.defaults())) {
                ReplicaDisk.Start start = disk.start();
                switch (start.kind()) {
                    case EMPTY -> throw new MigrationException(dataDir + " holds no replica state");
                    case DAMAGED -> throw new MigrationException(dataDir + " fails its checks (" + start.damage()
                            + "); export from another replica, or start this one so it recovers from its peers");
                    case INTACT -> {
                        return apply(start, extendedTypesEnabled, enforceQuota);
                    }
                }
            }
        } catch (CorruptStorageException e) {
            throw new MigrationException(dataDir + " cannot be read: " + e.getMessage(), e);
        } finally {
            DirectoryTrees.delete(copy);
        }
        throw new IllegalStateException("unreachable");
    }

    private static State apply(ReplicaDisk.Start start, boolean extendedTypesEnabled, boolean enforceQuota)
            throws MigrationException {
        ZnodeStateMachine machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), extendedTypesEnabled,
                enforceQuota);
        machine.install(start.image());
        long checkpointOp = start.durable().checkpoint() == null ? 0 : start.durable().checkpoint().op();
        long commit = start.durable().knownCommit();
        List<LogEntry> entries = start.durable().entries();
        int applied = 0;
        // zxids are op numbers moved up by any restore that took a ZooKeeper ensemble's zxids (see ReplicaLoop)
        long zxidOffset = machine.lastZxid() - checkpointOp;
        for (LogEntry entry : entries) {
            if (entry.op() > commit) {
                break;
            }
            try {
                machine.apply(entry.op() + zxidOffset, OperationCodec.decode(entry.body()));
                zxidOffset = machine.lastZxid() - entry.op();
            } catch (OperationCodec.MalformedOperationException e) {
                throw new MigrationException("log entry " + entry.op() + " does not decode: " + e.getMessage(), e);
            }
            applied++;
        }
        return new State(new TreeSnapshot.Image(machine.tree(), machine.sessions(), machine.lastZxid()),
                checkpointOp, applied, entries.size() - applied);
    }

    private static ReplicaDisk.Identity identityOf(Path dir) throws IOException {
        ReplicaMetadata metadata = MetadataStore.open(dir, ChannelOpener.DIRECT).metadata().orElse(null);
        return metadata == null ? new ReplicaDisk.Identity(0, 0, "")
                : new ReplicaDisk.Identity(metadata.clusterId(), metadata.replicaId(), metadata.configuration());
    }
}
