package io.viewkeeper.server.replay;

import io.viewkeeper.consensus.Checkpoint;
import io.viewkeeper.consensus.HeldPart;
import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.consensus.LogHole;
import io.viewkeeper.consensus.Message;
import io.viewkeeper.consensus.ReplicaOptions;
import io.viewkeeper.server.disk.ReplicaDisk;
import io.viewkeeper.server.peer.PeerCodec;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A debugging aid ({@code debug.inputLog}): the replica thread writes, in the order it consumed them, every input
 * of its consensus core (peer messages, client requests and reads as the core sees them, ticks, flushes, the log's
 * durable op, checkpoint and view-change requests, transfer images), the answers the driver gave the core
 * (whether a checkpoint was saved), and after each applied op the state digest. {@link InputReplay} runs the file
 * through a fresh core and state machine offline and checks that every op commits where it did, with the same
 * digest.
 *
 * <p>The file starts with how the core was built ({@link ReplicaStart}) and the state machine's image at start.
 * Records are written on the replica thread and flushed once per duty cycle; a record cut short by a crash ends
 * the replay there. Writing the log costs a copy of every input: it is off by default and meant for a replica
 * whose behaviour is to be examined. A write that fails turns the log off (logged once) and the replica goes on:
 * the log is evidence, never a duty.
 */
public final class InputLog implements AutoCloseable {
    static final long MAGIC = 0x564b_494e_5055_5431L; // "VKINPUT1"
    static final int VERSION = 7;

    static final byte START = 1;
    static final byte MESSAGE = 2;
    static final byte REQUEST = 3;
    static final byte READ = 4;
    static final byte TICK = 5;
    static final byte FLUSH = 6;
    static final byte PERSISTED = 7;
    static final byte PEER_UNREACHABLE = 8;
    static final byte PEER_REFUSED = 9;
    static final byte TRANSFER_IMAGE = 10;
    static final byte REQUEST_CHECKPOINT = 11;
    static final byte CHECKPOINT_SAVED = 12;
    static final byte REQUEST_VIEW_CHANGE = 13;
    static final byte COMMIT_BEGIN = 14;
    static final byte COMMIT_END = 15;
    static final byte READ_READY_BEGIN = 16;
    static final byte READ_READY_END = 17;
    static final byte INSTALL_BEGIN = 18;
    static final byte INSTALL_END = 19;
    /** The last record of a log that reached {@link #BYTES_MAX}: nothing after it was recorded. */
    static final byte LIMIT_REACHED = 20;
    static final byte HELD_PARTS = 21;
    /** An input: the driver's save of a checkpoint it took ended (durable or not). */
    static final byte CHECKPOINT_DURABLE = 22;

    /** The most one input log holds; at this size it records that it stops, and stops. */
    static final long BYTES_MAX = 4L << 30;
    /** A previous run's log is kept under this suffix when a start opens the file again. */
    static final String PREVIOUS_SUFFIX = ".previous";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InputLog.class);

    private final Path file;
    private DataOutputStream out;
    private long bytes;

    private InputLog(Path file, OutputStream stream) {
        this.file = file;
        this.out = stream == null ? null : new DataOutputStream(new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                stream.write(b);
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                stream.write(b, off, len);
                bytes += len;
            }

            @Override
            public void flush() throws IOException {
                stream.flush();
            }

            @Override
            public void close() throws IOException {
                stream.close();
            }
        }, 1 << 16));
    }

    /** A log that records nothing: the replica thread's when {@code debug.inputLog} is not set. */
    public static InputLog off() {
        return new InputLog(null, null);
    }

    /**
     * Opens {@code file} and writes the start: how the core is built, and the state machine's image with its two
     * settings. A log already there (the run before, which may hold what made a replica stop) is kept as {@code
     * file.previous}, replacing an older one.
     */
    public static InputLog open(Path file, ReplicaStart start, byte[] stateImage, boolean extendedTypes,
            boolean enforceQuota) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.exists(file)) {
            Files.move(file, file.resolveSibling(file.getFileName() + PREVIOUS_SUFFIX),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        InputLog inputLog = new InputLog(file, Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE));
        try {
            inputLog.writeStart(start, stateImage, extendedTypes, enforceQuota);
            inputLog.out.flush();
        } catch (IOException e) {
            inputLog.close();
            throw e;
        }
        return inputLog;
    }

    private void writeStart(ReplicaStart start, byte[] stateImage, boolean extendedTypes, boolean enforceQuota)
            throws IOException {
        out.writeLong(MAGIC);
        out.writeInt(VERSION);
        out.writeByte(START);
        out.writeByte(start.kind().ordinal());
        bytes(start.configuration().membership().encode());
        out.writeInt(start.configuration().replicaIndex());
        out.writeInt(start.configuration().batchOpMax());
        writeOptions(start.options());
        out.writeLong(start.seed());
        out.writeBoolean(start.durable() != null);
        if (start.durable() != null) {
            out.writeLong(start.durable().view());
            out.writeLong(start.durable().lastNormalView());
            out.writeLong(start.durable().knownCommit());
            out.writeBoolean(start.durable().checkpoint() != null);
            if (start.durable().checkpoint() != null) {
                writeCheckpoint(start.durable().checkpoint());
            }
            out.writeInt(start.durable().entries().size());
            for (LogEntry e : start.durable().entries()) {
                out.writeLong(e.op());
                out.writeLong(e.view());
                out.writeLong(e.clientId());
                out.writeLong(e.requestNumber());
                out.writeInt(e.checksum());
                bytes(e.body());
            }
            out.writeInt(start.durable().holes().size());
            for (LogHole hole : start.durable().holes()) {
                out.writeLong(hole.firstOp());
                out.writeLong(hole.lastOp());
                out.writeLong(hole.chainAtLast());
            }
            out.writeInt(start.durable().uncertainTailOps());
        }
        out.writeBoolean(extendedTypes);
        out.writeBoolean(enforceQuota);
        bytes(stateImage);
    }

    private void writeOptions(ReplicaOptions o) throws IOException {
        for (int value : new int[] {o.pipelineOpMax(), o.heartbeatTicks(), o.viewChangeTimeoutTicks(),
                o.resendTicks(), o.clientTableMax(), o.checkpointIntervalOps(), o.logRetainedOpsMax(),
                o.readQueueMax(), o.checkpointChunkBytes(), o.checkpointChunkWindow(), o.applyOpsMax()}) {
            out.writeInt(value);
        }
        out.writeBoolean(o.deduplicateRequests());
    }

    private void writeCheckpoint(Checkpoint checkpoint) throws IOException {
        out.writeLong(checkpoint.op());
        out.writeLong(checkpoint.chain());
        bytes(checkpoint.application());
        bytes(ReplicaDisk.encodeConsensus(checkpoint.clients(), checkpoint.membership()));
    }

    private void bytes(byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private interface Write {
        void to(DataOutputStream out) throws IOException;
    }

    private void record(byte type, Write fields) {
        if (out == null) {
            return;
        }
        try {
            out.writeByte(type);
            fields.to(out);
        } catch (IOException e) {
            giveUp(e);
        }
    }

    private void giveUp(IOException e) {
        log.error("the input log {} cannot be written ({}); it ends here and the replica goes on", file,
                e.toString());
        DataOutputStream broken = out;
        out = null;
        try {
            broken.close();
        } catch (IOException ignored) {
            // already reported
        }
    }

    public void message(Message message) {
        if (out == null) {
            return;
        }
        byte[] body = PeerCodec.encode(message);
        record(MESSAGE, o -> {
            o.writeInt(body.length);
            o.write(body);
        });
    }

    public void request(long clientId, long requestNumber, long previousRequestNumber, byte[] body) {
        if (out == null) {
            return;
        }
        record(REQUEST, o -> {
            o.writeLong(clientId);
            o.writeLong(requestNumber);
            o.writeLong(previousRequestNumber);
            o.writeInt(body.length);
            o.write(body);
        });
    }

    public void read(long readId) {
        if (out == null) {
            return;
        }
        record(READ, o -> o.writeLong(readId));
    }

    public void tick() {
        if (out == null) {
            return;
        }
        record(TICK, o -> { });
    }

    public void flush() {
        if (out == null) {
            return;
        }
        record(FLUSH, o -> { });
    }

    public void persisted(long op) {
        if (out == null) {
            return;
        }
        record(PERSISTED, o -> o.writeLong(op));
    }

    public void peerUnreachable(int index) {
        if (out == null) {
            return;
        }
        record(PEER_UNREACHABLE, o -> o.writeInt(index));
    }

    public void peerRefused(int index) {
        if (out == null) {
            return;
        }
        record(PEER_REFUSED, o -> o.writeInt(index));
    }

    public void transferImage(Checkpoint image) {
        if (out == null) {
            return;
        }
        record(TRANSFER_IMAGE, o -> {
            o.writeLong(image.op());
            o.writeLong(image.chain());
            o.writeInt(image.application().length);
            o.write(image.application());
            byte[] clients = ReplicaDisk.encodeClients(image.clients());
            o.writeInt(clients.length);
            o.write(clients);
        });
    }

    public void requestCheckpoint() {
        if (out == null) {
            return;
        }
        record(REQUEST_CHECKPOINT, o -> { });
    }

    /** The save of the checkpoint at {@code op}, taken earlier, ended: durable, or not. */
    public void checkpointDurable(long op, boolean durable) {
        if (out == null) {
            return;
        }
        record(CHECKPOINT_DURABLE, o -> {
            o.writeLong(op);
            o.writeBoolean(durable);
        });
    }

    /** The driver's answer to the core's checkpoint: taken (being saved), or not (busy or failed). */
    public void checkpointSaved(long op, boolean saved) {
        if (out == null) {
            return;
        }
        record(CHECKPOINT_SAVED, o -> {
            o.writeLong(op);
            o.writeBoolean(saved);
        });
    }

    /**
     * Records the driver's answer to the core asking which parts of an offered checkpoint it holds (null: not yet
     * known), and returns it.
     */
    public List<HeldPart> heldParts(long op, List<HeldPart> parts) {
        if (out == null) {
            return parts;
        }
        record(HELD_PARTS, o -> {
            o.writeLong(op);
            o.writeBoolean(parts != null);
            if (parts != null) {
                o.writeInt(parts.size());
                for (HeldPart part : parts) {
                    o.writeInt(part.offset());
                    o.writeInt(part.bytes().length);
                    o.write(part.bytes());
                }
            }
        });
        return parts;
    }

    public void requestViewChange() {
        if (out == null) {
            return;
        }
        record(REQUEST_VIEW_CHANGE, o -> { });
    }

    /*
     * The driver's callbacks that reach the frontend (a commit, a read made ready, a checkpoint installed) may feed
     * the core again before they return (the frontend answers a client and submits its next queued request): they
     * are recorded as a begin and an end around whatever they fed, so the replay nests those inputs as they were.
     */

    public void commitBegin(long op) {
        if (out == null) {
            return;
        }
        record(COMMIT_BEGIN, o -> o.writeLong(op));
    }

    /**
     * {@code op} is applied, the state's digest is now {@code digest} and its last zxid {@code lastZxid}: the replay
     * checks all three.
     */
    public void commitEnd(long op, long digest, long lastZxid) {
        if (out == null) {
            return;
        }
        record(COMMIT_END, o -> {
            o.writeLong(op);
            o.writeLong(digest);
            o.writeLong(lastZxid);
        });
    }

    public void readReadyBegin(long readId) {
        if (out == null) {
            return;
        }
        record(READ_READY_BEGIN, o -> o.writeLong(readId));
    }

    public void readReadyEnd(long readId) {
        if (out == null) {
            return;
        }
        record(READ_READY_END, o -> o.writeLong(readId));
    }

    public void installBegin(long op) {
        if (out == null) {
            return;
        }
        record(INSTALL_BEGIN, o -> o.writeLong(op));
    }

    public void installEnd(long op, long digest) {
        if (out == null) {
            return;
        }
        record(INSTALL_END, o -> {
            o.writeLong(op);
            o.writeLong(digest);
        });
    }

    /**
     * Once per duty cycle: what this cycle recorded reaches the file. A log past {@link #BYTES_MAX} ends here with
     * a record saying so (between cycles, so no callback is left open).
     */
    public void endCycle() {
        if (out == null) {
            return;
        }
        try {
            out.flush();
            if (bytes >= BYTES_MAX) {
                out.writeByte(LIMIT_REACHED);
                out.close();
                out = null;
                log.warn("the input log {} reached {} bytes and records nothing more", file, bytes);
            }
        } catch (IOException e) {
            giveUp(e);
        }
    }

    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            log.warn("closing the input log {} failed: {}", file, e.toString());
        }
        out = null;
    }
}
