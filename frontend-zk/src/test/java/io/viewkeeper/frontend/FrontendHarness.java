package io.viewkeeper.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.OperationCodec;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.Txn;
import io.viewkeeper.storage.ZnodeStateMachine;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Set;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;

/**
 * The real frontend on EmbeddedChannels: a {@link FrontendCore} over a real state machine, run synchronously on
 * the test thread (the "replica thread" runs each task at once), with a fixed clock and fixed session passwords.
 * Writes are ordered by {@link CommitQueue}, which gives increasing zxids and commits through the log encoding,
 * as the replica loop does; with {@code autoCommit} off the test decides when commits happen.
 */
final class FrontendHarness {
    /** Chosen so that the first session id is ZooKeeper's example 0x01000004f2140000 (§1.3). */
    static final long CLOCK_MS = 0x4f214L;
    static final long FIRST_SESSION_ID = 0x01000004f2140000L;
    /** The password every session gets from {@link FixedRandom}: bytes 0x01..0x10. */
    static final String PASSWORD_HEX = "0102030405060708090a0b0c0d0e0f10";

    final ZnodeStateMachine stateMachine = new ZnodeStateMachine(new DataTree(), new SessionTable(), true, false);
    final CommitQueue writes = new CommitQueue();
    final FrontendSettings settings;
    final FrontendCore core;
    final ClientPipeline pipeline;
    private int nextPort = 50_000;
    /** The frontend's clock; starts at {@link #CLOCK_MS}, moved by tests that need time to pass. */
    long clockMs = CLOCK_MS;

    FrontendHarness() {
        this(settings(0xfffff, 1000, Set.of("srvr", "ruok", "stmk")));
    }

    FrontendHarness(FrontendSettings settings) {
        this.settings = settings;
        this.core = new FrontendCore(settings, stateMachine, writes, () -> clockMs, new FixedRandom());
        writes.core = core;
        this.pipeline = new ClientPipeline(settings, core, new ReplicaInbox() {
            @Override
            public boolean offer(ClientInput input) {
                input.deliverTo(core);
                if (writes.autoCommit) {
                    writes.commitAll();
                }
                return true;
            }

            @Override
            public void whenRoom(java.util.concurrent.Executor executor, Runnable retry) {
                throw new AssertionError("the harness runs every input at once; it is never full");
            }
        });
    }

    static FrontendSettings settings(int juteMaxBuffer, int maxInflight, Set<String> words) {
        return settings(juteMaxBuffer, maxInflight, words, false);
    }

    static FrontendSettings settings(int juteMaxBuffer, int maxInflight, Set<String> words, boolean readOnlyMode) {
        return new FrontendSettings(2000, 4000, 40000, 60, juteMaxBuffer, words, null, 60_000, 10_000, maxInflight, 1,
                2181, "data", 10_000, readOnlyMode, "", false);
    }

    /** A new client connection: the pipeline installed, then the channel registered and active. */
    EmbeddedChannel open() {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        pipeline.install(channel, new ClientConnection(channel, "127.0.0.1", nextPort++, CLOCK_MS));
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException("an embedded channel registers synchronously", e);
        }
        return channel;
    }

    /** Opens a connection and completes a new-session handshake; the ConnectResponse is consumed. */
    EmbeddedChannel connected() {
        EmbeddedChannel channel = open();
        send(channel, CONNECT_REQUEST_HEX);
        String reply = readAllHex(channel);
        if (!reply.startsWith("0000002500000000")) {
            throw new IllegalStateException("handshake failed: " + reply);
        }
        return channel;
    }

    // ---- bytes in ----

    /** ConnectRequest of a new 3.9 client asking for 30 s (§1.3). */
    static final String CONNECT_REQUEST_HEX = "0000002d 00000000 0000000000000000 00007530 0000000000000000 00000010"
            + " 00000000000000000000000000000000 00";

    static void send(EmbeddedChannel channel, String hex) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(hex)));
    }

    static void send(EmbeddedChannel channel, byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", "").replace("|", ""));
    }

    /** A request frame: length, RequestHeader{xid, type}, then the record (if any). */
    static byte[] request(int xid, int type, Record body) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            out.writeInt(xid);
            out.writeInt(type);
            if (body != null) {
                body.serialize(BinaryOutputArchive.getArchive(out), "request");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return framed(payload.toByteArray());
    }

    static byte[] framed(byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(frame)) {
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return frame.toByteArray();
    }

    // ---- bytes out ----

    /** Everything the server wrote so far, as lower-case hex without separators. */
    static String readAllHex(EmbeddedChannel channel) {
        // the replica loop flushes once per duty cycle; here the test's read is the end of the cycle
        channel.flush();
        channel.runPendingTasks();
        StringBuilder hex = new StringBuilder();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            ByteBuf buffer = (ByteBuf) message;
            hex.append(ByteBufUtil.hexDump(buffer));
            buffer.release();
        }
        return hex.toString();
    }

    static String hex(String spaced) {
        return spaced.replace(" ", "").replace("|", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** Orders writes: each gets the next zxid; commits are applied through the log encoding, in order. */
    static final class CommitQueue implements WritePath {
        FrontendCore core;
        boolean autoCommit = true;
        /** Answer as a backup does: every write is forwarded (no zxid known yet), and still committed in order. */
        boolean forwarding;
        /** The previous request number each submitted write named, in submission order. */
        final java.util.List<Long> previousNamed = new java.util.ArrayList<>();
        /** Reads wait for a barrier, as linearizable reads in a group do; {@link #barriers} lists those asked. */
        boolean linearizableReads;
        final java.util.List<Long> barriers = new java.util.ArrayList<>();
        /** The replica's standing with its group, as the test sets it. */
        Standing standing = Standing.SERVING;
        /** Whether the replica is the primary, which decides session expiry. */
        boolean primary = true;
        private long lastZxid;
        private final Deque<Submitted> pending = new ArrayDeque<>();

        private record Submitted(Txn txn, long clientId, long requestNumber) {
        }

        @Override
        public long submit(Txn txn, long clientId, long requestNumber, long previousRequestNumber) {
            pending.add(new Submitted(txn, clientId, requestNumber));
            previousNamed.add(previousRequestNumber);
            return forwarding ? FORWARDED : lastZxid + pending.size();
        }

        @Override
        public boolean needsBarrier(boolean sync) {
            return linearizableReads;
        }

        @Override
        public Standing standing() {
            return standing;
        }

        @Override
        public boolean isPrimary() {
            return primary;
        }

        @Override
        public boolean read(long readId) {
            barriers.add(readId);
            return true;
        }

        /** Commits every pending write, including those that commits submit in turn. */
        void commitAll() {
            while (!pending.isEmpty()) {
                Submitted next = pending.poll();
                lastZxid++;
                try {
                    core.onCommitted(lastZxid, OperationCodec.decode(OperationCodec.encode(next.txn())),
                            next.clientId(), next.requestNumber());
                } catch (OperationCodec.MalformedOperationException e) {
                    throw new IllegalStateException("an encoded txn must decode", e);
                }
            }
        }

        int pendingCount() {
            return pending.size();
        }

        /** Forgets every write not committed yet, as a primary that dies with them does. */
        void loseAll() {
            pending.clear();
        }
    }

    /** A SecureRandom whose bytes are always 0x01, 0x02, ...: session passwords become predictable. */
    static final class FixedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i + 1);
            }
        }
    }
}
