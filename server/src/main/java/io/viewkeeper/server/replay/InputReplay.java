package io.viewkeeper.server.replay;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.CheckpointRef;
import io.viewkeeper.consensus.ClientTable;
import io.viewkeeper.consensus.DurableState;
import io.viewkeeper.consensus.HeldPart;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.LogHole;
import io.viewkeeper.consensus.Membership;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.consensus.Outbox;
import io.viewkeeper.consensus.Replica;
import io.viewkeeper.consensus.ReplicaConfiguration;
import io.viewkeeper.consensus.ReplicaOptions;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.server.peer.PeerCodec;
import io.viewkeeper.server.peer.PeerProtocolException;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.Operation;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.TreeSnapshot;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import io.viewkeeper.storage.checkpoint.CheckpointSnapshot;
import io.viewkeeper.storage.checkpoint.CorruptCheckpointException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an {@link InputLog} through a fresh consensus core and state machine, offline: the core is built as the
 * recorded one was, fed the same inputs in the same order, and every commit, read made ready and checkpoint
 * installed must come where the recorded one came, with the same state digest after it. The first difference is
 * a {@link Divergence} naming the record; a file that ends inside a record ends the replay there (a crash cuts the
 * last cycle short). Effects on the world (messages, disk, clients) are dropped.
 */
public final class InputReplay {
    /** Larger bodies than this in a record mean a damaged file, not a large input. */
    private static final int BODY_BYTES_MAX = 1 << 30;

    /**
     * What a replay did. {@code complete} is false when the file ended inside a record or a callback (a crash cut
     * the recording short) or the recording stopped at its size limit.
     */
    public record Result(long inputs, long commits, long lastCommittedOp, long digest, boolean complete) {
    }

    /** The replay did not do what the recorded replica did. */
    public static final class Divergence extends Exception {
        private static final long serialVersionUID = 1L;

        Divergence(long record, String message) {
            super("record " + record + ": " + message);
        }
    }

    /** The file is not an input log, or a record in it does not read. */
    public static final class MalformedLog extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedLog(String message) {
            super(message);
        }
    }

    /** Thrown through the core when the file ends inside a callback: the replay stops there. */
    private static final class EndOfLog extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EndOfLog() {
            super(null, null, false, false);
        }
    }

    /** A divergence found inside a callback, carried out through the core. */
    private static final class Diverged extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Divergence divergence;

        Diverged(Divergence divergence) {
            super(divergence.getMessage(), null, false, false);
            this.divergence = divergence;
        }
    }

    private final DataInputStream in;
    /** No record holds more bytes than the file: a length above it is damage, refused before it is allocated. */
    private final long fileBytes;
    private ZnodeStateMachine machine;
    private Replica replica;
    private long records;
    private long inputs;
    private long commits;
    private long lastCommittedOp;
    /** zxid minus op, as the node keeps it. */
    private long zxidOffset;

    private InputReplay(InputStream stream, long fileBytes) {
        this.in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        this.fileBytes = fileBytes;
    }

    /** Replays {@code file}; a Divergence when the replay differs from the recording. */
    public static Result replay(Path file) throws IOException, Divergence {
        try (InputStream stream = Files.newInputStream(file)) {
            return new InputReplay(stream, Files.size(file)).run();
        }
    }

    private Result run() throws IOException, Divergence {
        try {
            readStart();
            boolean complete = replayUntil((byte) 0, -1) != null;
            return new Result(inputs, commits, lastCommittedOp, machine.tree().digest(), complete);
        } catch (EndOfLog end) {
            return new Result(inputs, commits, lastCommittedOp, machine.tree().digest(), false);
        } catch (Diverged d) {
            throw d.divergence;
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            // the recorded replica may have stopped on this very failure: reproducing it is what a replay is for
            throw new Divergence(records, "the core failed here: " + e);
        }
    }

    private void readStart() throws IOException {
        try {
            if (in.readLong() != InputLog.MAGIC) {
                throw new MalformedLog("not an input log (its first bytes are not an input log's mark)");
            }
            int version = in.readInt();
            if (version != InputLog.VERSION) {
                throw new MalformedLog("input log version " + version + "; this build reads " + InputLog.VERSION);
            }
            if (in.readByte() != InputLog.START) {
                throw new MalformedLog("the input log does not begin with how its replica started");
            }
            int kind = in.readUnsignedByte();
            if (kind >= ReplicaStart.Kind.values().length) {
                throw new MalformedLog("unknown start kind " + kind);
            }
            Membership members = Membership.decode(java.nio.ByteBuffer.wrap(body()));
            ReplicaConfiguration configuration = ReplicaConfiguration.of(members, in.readInt(), in.readInt());
            ReplicaOptions options = readOptions();
            long seed = in.readLong();
            DurableState durable = in.readBoolean() ? readDurable() : null;
            boolean extendedTypes = in.readBoolean();
            boolean enforceQuota = in.readBoolean();
            TreeSnapshot.Image image = TreeSnapshot.read(body());
            machine = new ZnodeStateMachine(new DataTree(), new SessionTable(), extendedTypes, enforceQuota);
            machine.install(image);
            zxidOffset = durable == null || durable.checkpoint() == null ? 0
                    : image.lastZxid() - durable.checkpoint().op();
            replica = new ReplicaStart(ReplicaStart.Kind.values()[kind], configuration, options, seed, durable)
                    .create(new ReplayOutbox());
        } catch (EOFException e) {
            throw new MalformedLog("the input log ends before its start record does");
        } catch (IllegalArgumentException | OperationCodec.MalformedOperationException e) {
            throw new MalformedLog("the start record does not read: " + e.getMessage());
        }
    }

    private ReplicaOptions readOptions() throws IOException {
        int[] v = new int[11];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt();
        }
        boolean deduplicate = in.readBoolean();
        return new ReplicaOptions(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], deduplicate, v[8], v[9], v[10]);
    }

    private DurableState readDurable() throws IOException {
        long view = in.readLong();
        long lastNormalView = in.readLong();
        long knownCommit = in.readLong();
        Checkpoint checkpoint = in.readBoolean() ? readCheckpoint() : null;
        int count = in.readInt();
        if (count < 0) {
            throw new MalformedLog("a start with " + count + " log entries");
        }
        List<LogEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            long op = in.readLong();
            long entryView = in.readLong();
            long clientId = in.readLong();
            long requestNumber = in.readLong();
            int checksum = in.readInt();
            entries.add(new LogEntry(op, entryView, clientId, requestNumber, body(), checksum));
        }
        int holeCount = in.readInt();
        if (holeCount < 0 || holeCount > count + 1) {
            throw new MalformedLog("a start with " + holeCount + " log holes");
        }
        List<LogHole> holes = new ArrayList<>(holeCount);
        try {
            for (int i = 0; i < holeCount; i++) {
                holes.add(new LogHole(in.readLong(), in.readLong(), in.readLong()));
            }
            return new DurableState(view, lastNormalView, checkpoint, entries, knownCommit, holes, in.readInt());
        } catch (IllegalArgumentException e) {
            throw new MalformedLog("a start whose durable state does not hold together: " + e.getMessage());
        }
    }

    private Checkpoint readCheckpoint() throws IOException {
        long op = in.readLong();
        long chain = in.readLong();
        byte[] application = body();
        byte[] consensus = body();
        return new Checkpoint(op, chain, application, ReplicaDisk.decodeClients(consensus),
                ReplicaDisk.decodeMembers(consensus));
    }

    private byte[] body() throws IOException {
        int length = in.readInt();
        if (length < 0 || length > BODY_BYTES_MAX || length > fileBytes) {
            throw new MalformedLog("a record claims " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /**
     * Feeds the core the inputs that follow, until the record of type {@code end} with argument {@code arg}
     * (returned as its second long, or 0) or, for {@code end} 0, the end of the file (returns non-null when the
     * file ended cleanly, between records). Any other effect record there means the core diverged.
     */
    private long[] replayUntil(byte end, long arg) throws IOException, Divergence {
        while (true) {
            int type = in.read();
            if (type < 0) {
                if (end == 0) {
                    return new long[0];
                }
                throw new EndOfLog();
            }
            records++;
            if (type == InputLog.LIMIT_REACHED) {
                throw new EndOfLog(); // the recording stopped at its size limit: nothing after is known
            }
            if (!isEffect((byte) type) && !isInput((byte) type)) {
                throw new MalformedLog("record " + records + " is of unknown type " + type);
            }
            try {
                if (feed((byte) type)) {
                    continue;
                }
                if (type == end) {
                    long[] fields = endFields((byte) type);
                    if (fields[0] != arg) {
                        throw new Divergence(records, name((byte) type) + " of " + fields[0] + " where the replay is "
                                + "at " + arg);
                    }
                    return fields;
                }
                throw new Divergence(records, "the recorded replica did " + name((byte) type) + " here"
                        + (end == 0 ? "; the replay did not" : "; the replay expected " + name(end) + " " + arg));
            } catch (EOFException e) {
                throw new EndOfLog();
            }
        }
    }

    /** Feeds an input record to the core; false when the record is not an input. */
    private boolean feed(byte type) throws IOException {
        switch (type) {
            case InputLog.MESSAGE -> {
                byte[] body = body();
                Message message;
                try {
                    message = PeerCodec.decode(body);
                } catch (PeerProtocolException e) {
                    throw new MalformedLog("record " + records + ": a peer message that does not read: "
                            + e.getMessage());
                }
                inputs++;
                replica.onMessage(message);
            }
            case InputLog.REQUEST -> {
                long clientId = in.readLong();
                long requestNumber = in.readLong();
                long previous = in.readLong();
                byte[] body = body();
                inputs++;
                replica.onRequest(clientId, requestNumber, previous, body);
            }
            case InputLog.READ -> {
                long readId = in.readLong();
                inputs++;
                replica.onRead(readId);
            }
            case InputLog.TICK -> {
                inputs++;
                replica.onTick();
            }
            case InputLog.FLUSH -> {
                inputs++;
                replica.flush();
            }
            case InputLog.PERSISTED -> {
                long op = in.readLong();
                inputs++;
                replica.onPersisted(op);
            }
            case InputLog.PEER_UNREACHABLE -> {
                int index = in.readInt();
                inputs++;
                replica.onPeerUnreachable(index);
            }
            case InputLog.PEER_REFUSED -> {
                int index = in.readInt();
                inputs++;
                replica.onPeerRefused(index);
            }
            case InputLog.TRANSFER_IMAGE -> {
                Checkpoint image;
                try {
                    image = readCheckpoint();
                } catch (IllegalArgumentException e) {
                    throw new MalformedLog("record " + records + ": a transfer image that does not read: "
                            + e.getMessage());
                }
                inputs++;
                replica.onTransferImageReady(image);
            }
            case InputLog.REQUEST_CHECKPOINT -> {
                inputs++;
                replica.requestCheckpoint();
            }
            case InputLog.REQUEST_VIEW_CHANGE -> {
                inputs++;
                replica.requestViewChange();
            }
            case InputLog.CHECKPOINT_DURABLE -> {
                long op = in.readLong();
                boolean durable = in.readBoolean();
                inputs++;
                replica.onCheckpointSaved(op, durable);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The fields of an effect record: its op (or read id), then the digest where it has one. */
    private long[] endFields(byte type) throws IOException {
        return switch (type) {
            case InputLog.COMMIT_END -> new long[] {in.readLong(), in.readLong(), in.readLong()};
            case InputLog.INSTALL_END -> new long[] {in.readLong(), in.readLong()};
            case InputLog.READ_READY_END -> new long[] {in.readLong(), 0};
            default -> throw new MalformedLog("record " + records + " of unknown type " + type);
        };
    }

    /** Reads the record that must come now (a callback's begin, a checkpoint's answer); its first long. */
    private long expect(byte type, long arg) throws IOException, Divergence {
        int next = in.read();
        if (next < 0) {
            throw new EndOfLog();
        }
        records++;
        if (next != type) {
            throw new Divergence(records, "the replay did " + name(type) + " " + arg + " where the recorded "
                    + "replica did " + name((byte) next));
        }
        try {
            long value = in.readLong();
            if (value != arg) {
                throw new Divergence(records, "the replay did " + name(type) + " " + arg + " where the recorded "
                        + "replica did it for " + value);
            }
            return value;
        } catch (EOFException e) {
            throw new EndOfLog();
        }
    }

    private static boolean isInput(byte type) {
        return type >= InputLog.MESSAGE && type <= InputLog.REQUEST_VIEW_CHANGE && type != InputLog.CHECKPOINT_SAVED
                || type == InputLog.CHECKPOINT_DURABLE;
    }

    private static boolean isEffect(byte type) {
        return type == InputLog.CHECKPOINT_SAVED || type == InputLog.HELD_PARTS
                || type >= InputLog.COMMIT_BEGIN && type <= InputLog.INSTALL_END;
    }

    private static String name(byte type) {
        return switch (type) {
            case InputLog.COMMIT_BEGIN, InputLog.COMMIT_END -> "a commit of op";
            case InputLog.READ_READY_BEGIN, InputLog.READ_READY_END -> "a read made ready, id";
            case InputLog.INSTALL_BEGIN, InputLog.INSTALL_END -> "a checkpoint install at op";
            case InputLog.CHECKPOINT_SAVED -> "a checkpoint at op";
            case InputLog.HELD_PARTS -> "held parts of the checkpoint offered at op";
            default -> "record type " + type;
        };
    }

    /**
     * Reads the next record, which must be the recorded driver's answer {@code type} to the call the replay made
     * ({@code what}) about {@code op}; what follows it is the caller's to read.
     */
    private void expectAnswer(byte type, long op, String what) throws IOException, Divergence {
        int next = in.read();
        if (next < 0) {
            throw new EndOfLog();
        }
        records++;
        if (next != type) {
            throw new Divergence(records, "the replay " + what + " at op " + op + " where the recorded replica did "
                    + name((byte) next));
        }
        long recordedOp = in.readLong();
        if (recordedOp != op) {
            throw new Divergence(records, "the replay " + what + " at op " + op + ", the recorded replica at op "
                    + recordedOp);
        }
    }

    private interface Step {
        void run() throws IOException, Divergence;
    }

    /** Runs a callback's reading of the file from inside the core: what stops it leaves the core unchecked. */
    private static void inCallback(Step step) {
        try {
            step.run();
        } catch (EOFException e) {
            throw new EndOfLog(); // the file ends inside the callback's records: a crash cut it short
        } catch (Divergence d) {
            throw new Diverged(d);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Txn decode(LogEntry entry) {
        try {
            return io.viewkeeper.consensus.Reconfiguration.is(entry)
                    ? io.viewkeeper.server.MembersChange.txnOf(entry, entry.op() + zxidOffset)
                    : OperationCodec.decode(entry.body());
        } catch (OperationCodec.MalformedOperationException e) {
            throw new IllegalStateException("committed entry " + entry.op() + " does not decode", e);
        }
    }

    /** The core's effects: commits applied to the state machine and checked, the world's effects dropped. */
    private final class ReplayOutbox implements Outbox {
        @Override
        public void persist(List<LogEntry> entries) {
            // the recorded replica's log writer reported them durable: those reports are inputs of their own
        }

        @Override
        public void commit(LogEntry entry) {
            inCallback(() -> {
                expect(InputLog.COMMIT_BEGIN, entry.op());
                machine.apply(entry.op() + zxidOffset, decode(entry));
                zxidOffset = machine.lastZxid() - entry.op();
                commits++;
                lastCommittedOp = entry.op();
                long[] end = replayUntil(InputLog.COMMIT_END, entry.op());
                long digest = machine.tree().digest();
                if (end[1] != digest) {
                    throw new Divergence(records, "after op " + entry.op() + " the recorded digest is "
                            + Long.toHexString(end[1]) + ", the replay's " + Long.toHexString(digest));
                }
                if (end[2] != machine.lastZxid()) {
                    throw new Divergence(records, "after op " + entry.op() + " the recorded last zxid is 0x"
                            + Long.toHexString(end[2]) + ", the replay's 0x" + Long.toHexString(machine.lastZxid()));
                }
            });
        }

        @Override
        public boolean endsClient(LogEntry entry) {
            return decode(entry).op() instanceof Operation.CloseSession;
        }

        @Override
        public void send(int replicaIndex, Message message) {
            // the peers' answers are recorded as inputs
        }

        @Override
        public void readReady(long readId) {
            inCallback(() -> {
                expect(InputLog.READ_READY_BEGIN, readId);
                replayUntil(InputLog.READ_READY_END, readId);
            });
        }

        @Override
        public void truncate(long lastOpKept) {
            // the log is the core's: nothing of it is kept outside
        }

        @Override
        public void persistViewState(long view, long lastNormalView) {
            // nothing to keep
        }

        @Override
        public void persistMembership(Membership membership, long op) {
            // nothing to keep: a replay rebuilds the core, not its disk
        }

        @Override
        public void repairLog(List<LogEntry> entries, long[] chains) {
            // the log is the core's: the repaired entries are in it
        }

        @Override
        public void resolveTail(List<LogEntry> entries, long[] chains) {
            // the log is the core's: the entries taken from peers are in it
        }

        @Override
        public List<HeldPart> heldParts(CheckpointRef ref, byte[] prefix, int length) {
            List<HeldPart> parts = new ArrayList<>();
            boolean[] known = new boolean[1];
            inCallback(() -> {
                expectAnswer(InputLog.HELD_PARTS, ref.op(), "asked for held parts of the checkpoint offered");
                known[0] = in.readBoolean();
                int count = known[0] ? in.readInt() : 0;
                for (int i = 0; i < count; i++) {
                    int offset = in.readInt();
                    int bytes = in.readInt();
                    if (offset < 0 || bytes < 1 || bytes > ref.bytes() || offset > ref.bytes() - bytes) {
                        throw new MalformedLog("a held part of " + bytes + " bytes at " + offset);
                    }
                    byte[] part = new byte[bytes];
                    in.readFully(part);
                    parts.add(new HeldPart(offset, part));
                }
            });
            return known[0] ? parts : null;
        }

        @Override
        public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients) {
            boolean[] saved = new boolean[1];
            inCallback(() -> {
                expectAnswer(InputLog.CHECKPOINT_SAVED, op, "took a checkpoint");
                saved[0] = in.readBoolean();
            });
            return saved[0] ? SAVING : null;
        }

        @Override
        public void installCheckpoint(Checkpoint checkpoint) {
            inCallback(() -> {
                expect(InputLog.INSTALL_BEGIN, checkpoint.op());
                TreeSnapshot.Image image;
                try {
                    image = checkpoint.application().length == 0
                            ? new TreeSnapshot.Image(new DataTree(), new SessionTable(), checkpoint.op())
                            : CheckpointSnapshot.read(checkpoint.op(), checkpoint.application());
                } catch (CorruptCheckpointException e) {
                    throw new MalformedLog("the checkpoint at op " + checkpoint.op() + " does not decode");
                }
                machine.install(image);
                zxidOffset = image.lastZxid() - checkpoint.op();
                lastCommittedOp = checkpoint.op();
                long[] end = replayUntil(InputLog.INSTALL_END, checkpoint.op());
                if (end[1] != machine.tree().digest()) {
                    throw new Divergence(records, "after installing the checkpoint at op " + checkpoint.op()
                            + " the digests differ");
                }
            });
        }

        @Override
        public Checkpoint checkpointForTransfer(Checkpoint checkpoint) {
            // as the node does: a checkpoint without its image is read off the replica thread, then fed back
            return checkpoint.application().length > 0 ? checkpoint : null;
        }
    }
}
