package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checkpoint transfer in bounded chunks (VR Revisited §5.1, §5.2), both ends of it.
 *
 * <p>Sending: a replica offers its latest checkpoint by a {@link CheckpointRef} in a NewState or RecoveryResponse.
 * The whole snapshot is built once ({@link Outbox#checkpointForTransfer}) and kept while peers fetch it, even after a
 * newer checkpoint is taken, and dropped once nobody asked for it for {@link #IDLE_TIMEOUTS} view-change timeouts.
 * A request for a snapshot this replica no longer offers is answered with the ref it offers, so the requester stops
 * waiting.
 *
 * <p>Receiving: the replica keeps the message that offered the checkpoint, asks for the snapshot
 * {@code checkpointChunkWindow} chunks at a time, asks again from the first missing byte when chunks stop coming,
 * checks the whole snapshot against the ref, and only then hands back the checkpoint with the offer, which the
 * protocol installs together: nothing is installed, and nothing acknowledged, before the whole checkpoint is here.
 * A fetch that was cut off (lost messages, a sender down, a view change) resumes at the byte it stopped at when the
 * same ref is offered again, by any replica.
 *
 * <p>Parts of the snapshot the receiving driver holds already ({@link Outbox#heldParts}, asked once the first chunk
 * is here) are not asked for: they join the buffer when it reaches them, and may take it past what was asked for.
 *
 * <p>Invariant: the buffer holds exactly the first {@code received} bytes of the snapshot; every held part lies
 * after them; the client table is held once the chunk at offset 0 arrived.
 */
final class CheckpointTransfer {

    /** A sender drops a snapshot nobody fetched for this many view-change timeouts; a receiver drops its fetch. */
    static final int IDLE_TIMEOUTS = 10;
    /** A fetch with no chunk for this many resend intervals no longer holds back the protocol's own retries. */
    static final int STALL_RESENDS = 3;
    private static final byte[] NO_DATA = new byte[0];

    /** A fetched checkpoint and the message that offered it. */
    record Fetched(Checkpoint checkpoint, Message offer) {
    }

    private final Replica r;
    private Checkpoint image;
    private CheckpointRef imageRef;
    private long imageUsedTick;
    private Fetch fetch;
    /**
     * The last checkpoint fetched whole and not installed yet, kept for the next offer of it: the offer it came with
     * may no longer apply by the time it is complete (a view change while it travelled), and a replica that lags
     * behind several view changes must not fetch the same checkpoint again for each.
     */
    private CheckpointRef doneRef;
    private Checkpoint done;
    private long doneTick;

    CheckpointTransfer(Replica replica) {
        this.r = replica;
    }

    // ---------------------------------------------------------------- sending

    /**
     * The ref of this replica's latest checkpoint (which must exist), asking the driver for its whole snapshot when
     * needed; null while the driver builds it (the requester asks again, and {@link #onImageReady} brings it).
     */
    CheckpointRef offer() {
        Checkpoint latest = r.latestCheckpoint();
        if (image == null || image.op() != latest.op()) {
            Checkpoint whole = r.outbox.checkpointForTransfer(latest);
            if (whole == null) {
                return null;
            }
            Replica.check(whole.op() == latest.op() && whole.chain() == latest.chain(),
                    "the driver's checkpoint for transfer is not the one taken at op " + latest.op());
            image = whole;
            imageRef = CheckpointRef.of(whole);
        }
        imageUsedTick = r.ticks();
        return imageRef;
    }

    /** The driver built the whole snapshot it had not ready at {@link #offer}; kept if still the latest checkpoint. */
    void onImageReady(Checkpoint whole) {
        Checkpoint latest = r.latestCheckpoint();
        if (latest == null || whole.op() != latest.op() || whole.chain() != latest.chain()
                || (image != null && image.op() == latest.op())) {
            return;
        }
        image = whole;
        imageRef = CheckpointRef.of(whole);
        imageUsedTick = r.ticks();
    }

    void onRequest(Message.CheckpointRequest request) {
        if (image == null) {
            return;
        }
        if (request.op() != imageRef.op() || request.checksum() != imageRef.checksum()) {
            r.send(request.from(), new Message.CheckpointChunk(imageRef, Message.CheckpointChunk.NOT_OFFERED, NO_DATA,
                    List.of(), r.replicaIndex()));
            return;
        }
        if (request.offset() < 0 || request.offset() > imageRef.bytes() || request.length() < 1) {
            return;
        }
        int length = Math.min(Math.min(request.length(), ReplicaOptions.CHECKPOINT_CHUNK_BYTES_MAX),
                imageRef.bytes() - request.offset());
        byte[] data = Arrays.copyOfRange(image.application(), request.offset(), request.offset() + length);
        List<ClientTable.Session> clients = request.offset() == 0 ? image.clients() : List.of();
        r.send(request.from(), new Message.CheckpointChunk(imageRef, request.offset(), data, clients,
                r.replicaIndex()));
        imageUsedTick = r.ticks();
    }

    // ---------------------------------------------------------------- receiving

    /**
     * {@code offer} (from {@code source}) names a checkpoint this replica must install before the rest of the offer.
     * Returns it at once if it was already fetched; otherwise starts fetching it (null). For the ref already being
     * fetched, keeps the newer offer and, if the fetch had stalled, resumes it from {@code source}; a different ref
     * replaces the fetch only once that one stalled.
     */
    Fetched fetch(CheckpointRef ref, int source, Message offer) {
        if (ref.equals(doneRef)) {
            doneTick = r.ticks();
            return new Fetched(done, offer);
        }
        Fetch current = fetch;
        if (current != null && current.ref.equals(ref)) {
            current.offer = offer;
            if (!busy()) {
                current.source = source;
                current.mismatch = false;
                current.lastProgressTick = r.ticks();
                askAgain(current);
            }
            return null;
        }
        if (busy()) {
            return null;
        }
        fetch = new Fetch(ref, source, offer, r.ticks(), initialCapacity(ref));
        fillWindow(fetch);
        return null;
    }

    /** A chunk arrived; returns the checkpoint and its offer once the whole snapshot is here and checks. */
    Fetched onChunk(Message.CheckpointChunk chunk) {
        Fetch f = fetch;
        if (f == null) {
            return null;
        }
        if (chunk.offset() == Message.CheckpointChunk.NOT_OFFERED) {
            if (chunk.from() == f.source && !chunk.checkpoint().equals(f.ref)) {
                f.mismatch = true;
            }
            return null;
        }
        if (!chunk.checkpoint().equals(f.ref)) {
            return null;
        }
        byte[] data = chunk.data();
        boolean first = chunk.offset() == 0 && f.clients == null;
        if (chunk.offset() != f.received || (data.length == 0 && !first)
                || data.length > f.ref.bytes() - f.received) {
            return null;
        }
        if (first) {
            f.clients = chunk.clients();
        }
        f.append(data);
        f.lastProgressTick = r.ticks();
        f.mismatch = false;
        if (!f.heldKnown && f.received < f.ref.bytes()) {
            List<HeldPart> parts = r.outbox.heldParts(f.ref, f.buffer, f.received);
            if (parts != null) {
                f.hold(parts);
                // Chunks arrive only in order, so those asked for past the first gap are of no use once held parts
                // moved the buffer's end: ask again for what is missing from there (at most one window twice).
                f.requested = f.received;
            }
        }
        f.appendHeld();
        if (f.received < f.ref.bytes() || f.clients == null) {
            fillWindow(f);
            return null;
        }
        if (CheckpointRef.checksum(f.buffer, f.received) != f.ref.checksum()) {
            // Damaged on the way (the sender checksummed what it holds), or a held part was not what it seemed:
            // fetch it again from the start, all of it.
            f.restart(initialCapacity(f.ref));
            fillWindow(f);
            return null;
        }
        fetch = null;
        doneRef = f.ref;
        done = new Checkpoint(f.ref.op(), f.ref.chain(), f.buffer, f.clients, f.ref.membership());
        doneTick = r.ticks();
        return new Fetched(done, f.offer);
    }

    /** A checkpoint was installed: whatever was fetched before it is of no more use. */
    void installed() {
        fetch = null;
        doneRef = null;
        done = null;
    }

    /**
     * Whether a fetch is making progress: while it is, the protocol does not repeat the request that led to it
     * (GetState, Recovery), whose answers would only offer the checkpoint again.
     */
    boolean busy() {
        Fetch f = fetch;
        return f != null && !f.mismatch
                && r.ticks() - f.lastProgressTick < (long) STALL_RESENDS * r.options.resendTicks();
    }


    void onTick() {
        long idle = (long) IDLE_TIMEOUTS * r.options.viewChangeTimeoutTicks();
        if (image != null && r.ticks() - imageUsedTick > idle) {
            image = null;
            imageRef = null;
        }
        if (done != null && r.ticks() - doneTick > idle) {
            doneRef = null;
            done = null;
        }
        Fetch f = fetch;
        if (f == null) {
            return;
        }
        if (r.ticks() - f.lastProgressTick > idle) {
            fetch = null;
        } else if (!f.mismatch && r.ticks() - f.lastProgressTick >= r.options.resendTicks()
                && r.ticks() - f.lastSendTick >= r.options.resendTicks()) {
            askAgain(f);
        }
    }

    private void askAgain(Fetch f) {
        f.requested = f.received;
        fillWindow(f);
    }

    /** Asks for the next chunks not held, up to a window of bytes in flight. */
    private void fillWindow(Fetch f) {
        int chunk = r.options.checkpointChunkBytes();
        long window = (long) chunk * r.options.checkpointChunkWindow();
        // held parts take what was received past what was asked for
        f.requested = Math.max(f.requested, f.received);
        while (f.requested < f.ref.bytes() || f.requested == 0) {
            f.requested = f.skipHeld(f.requested);
            if (f.requested >= f.ref.bytes() && f.requested > 0
                    || f.requested - f.received - f.heldBetween(f.received, f.requested) >= window) {
                break;
            }
            int length = (int) Math.min(chunk, f.nextHeld(f.requested) - f.requested);
            r.send(f.source, new Message.CheckpointRequest(f.ref.op(), f.ref.checksum(), (int) f.requested, length,
                    r.replicaIndex()));
            f.requested += length;
        }
        f.lastSendTick = r.ticks();
    }

    private int initialCapacity(CheckpointRef ref) {
        long window = (long) r.options.checkpointChunkBytes() * r.options.checkpointChunkWindow();
        return (int) Math.min(ref.bytes(), window);
    }

    /**
     * The receiving end of one checkpoint; the buffer grows with what arrived, never past the ref's length. Held
     * parts, once the driver named them, are not asked for and join the buffer when it reaches them.
     */
    private static final class Fetch {
        final CheckpointRef ref;
        Message offer;
        int source;
        byte[] buffer;
        int received;
        long requested;
        List<ClientTable.Session> clients;
        /** The source said it no longer offers this checkpoint. */
        boolean mismatch;
        long lastProgressTick;
        long lastSendTick;
        /** Whether the driver said which parts it holds (after a failed checksum: none). */
        boolean heldKnown;
        /** Held parts by offset, none overlapping, all after what was received when they were named. */
        final TreeMap<Integer, byte[]> held = new TreeMap<>();

        Fetch(CheckpointRef ref, int source, Message offer, long now, int capacity) {
            this.ref = ref;
            this.source = source;
            this.offer = offer;
            this.lastProgressTick = now;
            this.buffer = new byte[capacity];
        }

        void append(byte[] data) {
            if (received + data.length > buffer.length) {
                long grown = Math.max((long) received + data.length, 2L * buffer.length);
                buffer = Arrays.copyOf(buffer, (int) Math.min(ref.bytes(), grown));
            }
            System.arraycopy(data, 0, buffer, received, data.length);
            received += data.length;
        }

        void restart(int capacity) {
            buffer = new byte[capacity];
            received = 0;
            requested = 0;
            clients = null;
            held.clear();
            heldKnown = true;
        }

        /** Keeps the parts that lie after what was received and within the snapshot, and overlap no other. */
        void hold(List<HeldPart> parts) {
            heldKnown = true;
            int end = received;
            List<HeldPart> sorted = new ArrayList<>(parts);
            sorted.sort(Comparator.comparingInt(HeldPart::offset));
            for (HeldPart part : sorted) {
                if (part.offset() >= end && part.end() <= ref.bytes()) {
                    held.put(part.offset(), part.bytes());
                    end = part.end();
                }
            }
            Replica.check(held.isEmpty() || held.firstKey() >= received, "a held part before what was received");
        }

        /** Appends the held parts the buffer has reached, or the rest of one it reached inside. */
        void appendHeld() {
            Map.Entry<Integer, byte[]> part = held.floorEntry(received);
            while (part != null && part.getKey() + part.getValue().length > received) {
                byte[] bytes = part.getValue();
                append(Arrays.copyOfRange(bytes, received - part.getKey(), bytes.length));
                held.headMap(received, false).clear();
                part = held.floorEntry(received);
            }
            held.headMap(received, false).clear();
        }

        /** {@code offset}, or the end of the run of touching held parts it lies in. */
        long skipHeld(long offset) {
            long at = offset;
            Map.Entry<Integer, byte[]> part = held.floorEntry((int) Math.min(at, Integer.MAX_VALUE));
            while (part != null && part.getKey() + part.getValue().length > at) {
                at = part.getKey() + part.getValue().length;
                part = held.floorEntry((int) Math.min(at, Integer.MAX_VALUE));
            }
            return at;
        }

        /** Where the next held part after {@code offset} starts, or the snapshot's end. */
        long nextHeld(long offset) {
            Integer next = held.higherKey((int) Math.min(offset, Integer.MAX_VALUE));
            return next == null ? Math.max(ref.bytes(), offset + 1) : next;
        }

        /** Bytes of held parts from {@code from} to {@code to}. */
        long heldBetween(long from, long to) {
            long bytes = 0;
            for (Map.Entry<Integer, byte[]> part : held.subMap((int) from, true, (int) Math.min(to,
                    Integer.MAX_VALUE), false).entrySet()) {
                bytes += Math.min(part.getValue().length, to - part.getKey());
            }
            return bytes;
        }
    }
}
