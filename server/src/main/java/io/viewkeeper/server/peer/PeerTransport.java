package io.viewkeeper.server.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.viewkeeper.consensus.Message;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP between replicas. Each replica dials every other one (outbound, for what it sends) and accepts their dials
 * (inbound, for what it receives). An inbound connection must start with a HELLO naming a member of the
 * configuration, from that member's configured address, with this cluster's id; anything else, and any frame
 * that fails its checks, drops the connection with a log line. {@link PeerSecurity} adds mutual TLS and a shared
 * secret's proof to those checks: the accepting side answers a HELLO with a fresh CHALLENGE, which a dialer holding
 * the secret answers with its PROOF. Sends are best effort: while a peer is down or its connection is not writable
 * the message is dropped, and the protocol's retries cover it.
 */
public final class PeerTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);
    private static final long RECONNECT_DELAY_MIN_MS = 50;
    private static final long RECONNECT_DELAY_MAX_MS = 2000;
    /**
     * A peer's send buffer: a message is dropped (the protocol resends it) only once 32 MiB wait unsent. netty's
     * default (64 KiB) dropped forwarded writes and Prepares in every burst of a loaded cycle, and a dropped
     * forwarded write holds back its connection's later writes until it is offered again.
     */
    private static final WriteBufferWaterMark SEND_BUFFER = new WriteBufferWaterMark(8 << 20, 32 << 20);
    /** How long a connection may take from TCP connect to its HELLO (TLS handshake and challenge included). */
    private static final long HELLO_TIMEOUT_MS = 10_000;
    /** A TLS record starts with this byte (a handshake record): how port unification tells TLS from plain. */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    /** Set on a connection once its HELLO is through: accepted (inbound), or sent after its handshakes (outbound). */
    private static final AttributeKey<Boolean> HELLO_DONE = AttributeKey.valueOf("viewkeeper.peer.helloDone");

    /** What the transport delivers, on an I/O thread; the receiver hands it to the replica thread. */
    public interface Receiver {
        void onMessage(Message message);

        void onSessionTouches(int from, long[] sessionIds);

        /** The connection to replica {@code index} closed, or an attempt to open one failed. */
        default void onPeerLost(int index) {
        }

        /** An attempt to open a connection to replica {@code index} was refused: nothing listens there. */
        default void onPeerRefused(int index) {
        }
    }

    /** Handshake tasks waiting beyond these fail their handshake (the connection closes): a flood waits no longer. */
    private static final int HANDSHAKE_TASKS_QUEUED_MAX = 64;
    private static final int SLOTS = io.viewkeeper.consensus.ReplicaConfiguration.SLOTS;
    private final int selfIndex;
    private final long clusterId;
    /** Each member's peer address by slot (VR replica index); null for a slot no member holds. */
    private final AtomicReferenceArray<InetSocketAddress> peers = new AtomicReferenceArray<>(SLOTS);
    private final Receiver receiver;
    private final int frameBytesMax;
    private final PeerSecurity security;
    private final SecureRandom random = new SecureRandom();
    private final EventLoopGroup group = new NioEventLoopGroup(2);
    /**
     * Runs the TLS handshakes' delegated tasks (the trust manager's checks, which may resolve names), so a slow one
     * never holds an event loop that carries every peer's messages.
     */
    private final ExecutorService handshakeTasks = new java.util.concurrent.ThreadPoolExecutor(2, 2, 0,
            TimeUnit.MILLISECONDS, new java.util.concurrent.ArrayBlockingQueue<>(HANDSHAKE_TASKS_QUEUED_MAX),
            runnable -> {
                Thread thread = new Thread(runnable, "peer-tls-handshake");
                thread.setDaemon(true);
                return thread;
            });
    /**
     * The dialed channel to each peer: set and cleared by the event loops, read by the replica thread. The per-peer
     * state below is written from either event loop, so it is kept in atomic arrays.
     */
    private final AtomicReferenceArray<Channel> outbound;
    /** Peers written to since the last {@link #flushWrites}; touched only by the replica thread. */
    private final boolean[] unflushed;
    private final AtomicLongArray reconnectDelayMs;
    /** The next dial to each peer while one waits out its back-off; guarded by {@code this}. */
    private final ScheduledFuture<?>[] redial;
    /** 1 when a refusal was logged since the last connection to that peer: a down peer is reported once. */
    private final AtomicIntegerArray refusalLogged;
    /** 1 when a failed TLS handshake was logged since the last good connection to that peer. */
    private final AtomicIntegerArray handshakeFailureLogged;
    /** Wall-clock time of the last frame received from each peer, 0 before the first; for the admin endpoint. */
    private final AtomicLongArray lastReceivedMs;
    private volatile IntConsumer prepareEntries = entries -> { };
    private volatile boolean closed;
    private Channel serverChannel;

    public PeerTransport(int selfIndex, long clusterId, List<InetSocketAddress> peers, Receiver receiver,
            int frameBytesMax) {
        this(selfIndex, clusterId, peers, receiver, frameBytesMax, PeerSecurity.plain());
    }

    public PeerTransport(int selfIndex, long clusterId, List<InetSocketAddress> peers, Receiver receiver,
            int frameBytesMax, PeerSecurity security) {
        this(selfIndex, clusterId, bySlot(peers), receiver, frameBytesMax, security);
    }

    /** Peers by slot: {@code peers} holds this replica's own address at {@code selfIndex} too. */
    public PeerTransport(int selfIndex, long clusterId, java.util.Map<Integer, InetSocketAddress> peers,
            Receiver receiver, int frameBytesMax, PeerSecurity security) {
        this.security = security;
        this.selfIndex = selfIndex;
        this.clusterId = clusterId;
        peers.forEach(this.peers::set);
        if (this.peers.get(selfIndex) == null) {
            throw new IllegalArgumentException("no address for this replica's own slot " + selfIndex);
        }
        this.receiver = receiver;
        this.frameBytesMax = frameBytesMax;
        this.outbound = new AtomicReferenceArray<>(SLOTS);
        this.unflushed = new boolean[SLOTS];
        this.reconnectDelayMs = new AtomicLongArray(SLOTS);
        this.redial = new ScheduledFuture<?>[SLOTS];
        this.refusalLogged = new AtomicIntegerArray(SLOTS);
        this.handshakeFailureLogged = new AtomicIntegerArray(SLOTS);
        this.lastReceivedMs = new AtomicLongArray(SLOTS);
    }

    private static java.util.Map<Integer, InetSocketAddress> bySlot(List<InetSocketAddress> peers) {
        java.util.Map<Integer, InetSocketAddress> bySlot = new java.util.HashMap<>();
        for (int i = 0; i < peers.size(); i++) {
            bySlot.put(i, peers.get(i));
        }
        return bySlot;
    }

    /**
     * The group's members changed (a reconfiguration was applied): dials a member that joined, drops the
     * connection to one that left (it is neither dialed nor accepted any more), and redials one whose address
     * changed. This replica's own address stays what it bound. Any thread.
     */
    public void setPeers(java.util.Map<Integer, InetSocketAddress> next) {
        for (int slot = 0; slot < SLOTS; slot++) {
            if (slot == selfIndex) {
                continue;
            }
            InetSocketAddress address = next.get(slot);
            InetSocketAddress old = peers.getAndSet(slot, address);
            if (java.util.Objects.equals(old, address)) {
                continue;
            }
            log.info("peer replica {}: {} -> {}", slot, old == null ? "none" : old, address == null ? "none"
                    : address);
            Channel ch = outbound.getAndSet(slot, null);
            if (ch != null) {
                ch.close(); // its close redials the new address, or nothing when the member left
            } else if (old == null && !closed && serverChannel != null) {
                int joined = slot;
                group.execute(() -> connect(joined));
            }
        }
    }

    /** Told the entry count of every Prepare sent (the batch sizes metric). */
    public void setPrepareListener(IntConsumer listener) {
        this.prepareEntries = listener;
    }

    /** When the last frame from replica {@code index} arrived (epoch milliseconds), 0 if none has. */
    public long lastReceivedMs(int index) {
        return lastReceivedMs.get(index);
    }

    /** Whether this replica's dial to replica {@code index} is up now. */
    public boolean connected(int index) {
        Channel ch = outbound.get(index);
        return ch != null && ch.isActive();
    }

    /** Binds this replica's peer port and starts dialing the others. */
    public void start() throws InterruptedException {
        ServerBootstrap server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new PortDetector());
                        closeUnlessHello(ch, security.secretRequired()
                                ? "completed no HELLO with the PROOF of peer.auth.secretFile" : "sent no HELLO");
                    }
                });
        serverChannel = server.bind(peers.get(selfIndex)).sync().channel();
        for (int i = 0; i < SLOTS; i++) {
            if (i != selfIndex && peers.get(i) != null) {
                connect(i);
            }
        }
    }

    private void connect(int index) {
        InetSocketAddress address = peers.get(index);
        if (closed || address == null) {
            return;
        }
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, SEND_BUFFER)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (security.dialTls()) {
                            ch.pipeline().addLast(new SslHandler(security.tls().forDial(address), handshakeTasks));
                        }
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(frameBytesMax, 0, 4, 0, 4, true),
                                new OutboundHandler(index));
                    }
                });
        ChannelFuture future = bootstrap.connect(address, new InetSocketAddress(
                peers.get(selfIndex).getAddress(), 0));
        future.addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = future.channel();
                long openedAtNs = System.nanoTime();
                refusalLogged.set(index, 0);
                if (security.hasSecret() || security.dialTls()) {
                    closeUnlessHello(ch, security.hasSecret() ? "sent no CHALLENGE" : "completed no TLS handshake");
                }
                ch.writeAndFlush(PeerFrames.encode(ch.alloc(), PeerFrames.HELLO, hello()));
                if (!security.hasSecret()) {
                    outbound.set(index, ch); // with the secret, once the PROOF is sent
                }
                ch.closeFuture().addListener(c -> {
                    log.info("connection to replica {} closed", index);
                    if (System.nanoTime() - openedAtNs >= TimeUnit.MILLISECONDS.toNanos(RECONNECT_DELAY_MAX_MS)) {
                        reconnectDelayMs.set(index, 0); // it worked a while: the first dial goes at once
                    }
                    receiver.onPeerLost(index);
                    scheduleReconnect(index);
                });
            } else {
                if (f.cause() instanceof ConnectException && !(f.cause() instanceof ConnectTimeoutException)) {
                    if (refusalLogged.compareAndSet(index, 0, 1)) {
                        log.info("replica {} refused a connection: {}", index, f.cause().getMessage());
                    }
                    receiver.onPeerRefused(index);
                } else {
                    receiver.onPeerLost(index);
                }
                scheduleReconnect(index);
            }
        });
    }

    private void scheduleReconnect(int index) {
        outbound.set(index, null);
        if (closed) {
            return;
        }
        // the first attempt after a working connection goes at once: refused, it tells that the peer is gone
        long delay = reconnectDelayMs.getAndUpdate(index,
                d -> Math.min(RECONNECT_DELAY_MAX_MS, Math.max(RECONNECT_DELAY_MIN_MS, d * 2)));
        synchronized (this) {
            redial[index] = group.schedule(() -> connect(index), delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Replica {@code index} dialed us, so it is up: a dial to it waiting out its back-off (up to two seconds after
     * it was down a while) goes now, or what we send it would be dropped until then.
     */
    private void dialNowIfWaiting(int index) {
        synchronized (this) {
            ScheduledFuture<?> waiting = redial[index];
            if (waiting == null || !waiting.cancel(false)) {
                return;
            }
            redial[index] = null;
        }
        reconnectDelayMs.set(index, 0);
        group.execute(() -> connect(index));
    }

    private byte[] hello() {
        return ByteBuffer.allocate(12).putInt(selfIndex).putLong(clusterId).array();
    }

    /**
     * Closes {@code ch} unless it said HELLO (or, dialing, got its CHALLENGE answered) in time, so a connection that
     * stalls in its TLS handshake or before its first frame does not hold resources.
     */
    private void closeUnlessHello(Channel ch, String what) {
        ch.eventLoop().schedule(() -> {
            if (ch.isActive() && !Boolean.TRUE.equals(ch.attr(HELLO_DONE).get())) {
                log.warn("dropping peer connection with {}: it {} within {} ms", ch.remoteAddress(), what,
                        HELLO_TIMEOUT_MS);
                ch.close();
            }
        }, HELLO_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The first handler of an accepted connection: tells TLS from plain by the first byte, refuses the kind this
     * replica does not accept with a log line saying which setting decides, and puts the rest of the pipeline in.
     */
    private final class PortDetector extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (in.readableBytes() < 1) {
                return;
            }
            boolean tls = in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE_RECORD;
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            if (tls && !security.acceptTls()) {
                log.warn("dropping peer connection from {}: it speaks TLS, and this replica takes plain peer "
                        + "connections only (sslQuorum=false, portUnification=false)", remote);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (!tls && !security.acceptPlain()) {
                log.warn("dropping peer connection from {}: it is not TLS, and this replica takes TLS peer "
                        + "connections only (sslQuorum=true without portUnification)", remote);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (tls) {
                ctx.pipeline().addAfter(ctx.name(), "tls", new SslHandler(security.tls().forAccepted(remote), handshakeTasks));
            }
            ctx.pipeline().addLast(new LengthFieldBasedFrameDecoder(frameBytesMax, 0, 4, 0, 4, true),
                    new InboundHandler());
            ctx.pipeline().remove(this); // hands what it holds to the next handler
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset before the first byte (a port scanner, a peer going away): nothing to tell but a debug line
            log.debug("peer connection from {} failed before its first byte: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }

    /** Sends a consensus message to replica {@code index}; dropped when that peer is not reachable now. */
    public void send(int index, Message message) {
        if (message instanceof Message.Prepare prepare) {
            prepareEntries.accept(prepare.entries().size());
        }
        write(index, PeerFrames.CONSENSUS, PeerCodec.encode(message));
    }

    public void sendSessionTouches(int index, long[] sessionIds) {
        ByteBuffer payload = ByteBuffer.allocate(4 + 8 * sessionIds.length).putInt(sessionIds.length);
        for (long id : sessionIds) {
            payload.putLong(id);
        }
        write(index, PeerFrames.SESSION_TOUCHES, payload.array());
    }

    private void write(int index, byte kind, byte[] payload) {
        Channel ch = outbound.get(index);
        if (ch == null || !ch.isActive() || !ch.isWritable()) {
            return;
        }
        if (4 + PeerFrames.HEADER_BYTES + payload.length > frameBytesMax) {
            log.warn("dropping a {}-byte message to replica {}: over the peer frame limit", payload.length, index);
            return;
        }
        ch.write(PeerFrames.encode(ch.alloc(), kind, payload));
        unflushed[index] = true;
    }

    /**
     * Flushes what {@link #send} wrote since the last call: the replica thread calls it once per duty cycle, so
     * the messages of a cycle to one peer leave in one write instead of one each.
     */
    public void flushWrites() {
        for (int index = 0; index < unflushed.length; index++) {
            if (unflushed[index]) {
                unflushed[index] = false;
                Channel ch = outbound.get(index);
                if (ch != null) {
                    ch.flush();
                }
            }
        }
    }

    /**
     * Receives from a peer that dialed us. The first frame must be a valid HELLO, which is answered with a fresh
     * CHALLENGE. With the secret required, the next frame must be the dialer's PROOF and nothing is delivered
     * before it; otherwise a PROOF may come next (checked when this replica holds the secret) or not at all.
     */
    private final class InboundHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final byte[] challenge = new byte[PeerSecurity.CHALLENGE_BYTES];
        private int peerIndex = -1;
        private long peerCluster;
        /** The frame after the HELLO, which may be a PROOF. */
        private boolean proofNext;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf bytes) {
            try {
                PeerFrames.Frame frame = PeerFrames.decode(bytes);
                if (peerIndex < 0) {
                    acceptHello(ctx, frame);
                    random.nextBytes(challenge);
                    ctx.writeAndFlush(PeerFrames.encode(ctx.alloc(), PeerFrames.CHALLENGE, challenge));
                    proofNext = true;
                    if (!security.secretRequired()) {
                        opened(ctx);
                    }
                    return;
                }
                if (proofNext) {
                    proofNext = false;
                    if (frame.kind() == PeerFrames.PROOF) {
                        checkProof(frame);
                        if (security.secretRequired()) {
                            opened(ctx);
                        }
                        return;
                    }
                    if (security.secretRequired()) {
                        throw new PeerProtocolException("replica " + peerIndex + " gave no proof of the group's "
                                + "secret (peer.auth.secretFile; peer.auth.required=false takes members not "
                                + "switched yet)");
                    }
                }
                deliver(frame);
            } catch (PeerProtocolException e) {
                log.warn("dropping peer connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
                ctx.close();
            }
        }

        private void opened(ChannelHandlerContext ctx) {
            ctx.channel().attr(HELLO_DONE).set(true);
            dialNowIfWaiting(peerIndex);
        }

        private void checkProof(PeerFrames.Frame frame) throws PeerProtocolException {
            if (!security.hasSecret()) {
                return; // a member switched to the secret before this replica: nothing to check it with
            }
            if (frame.payload().length != PeerSecurity.MAC_BYTES
                    || !security.proves(frame.payload(), challenge, peerIndex, peerCluster, selfIndex)) {
                throw new PeerProtocolException("replica " + peerIndex + " does not prove this group's secret "
                        + "(its peer.auth.secretFile differs)");
            }
        }

        private void acceptHello(ChannelHandlerContext ctx, PeerFrames.Frame frame) throws PeerProtocolException {
            if (frame.kind() != PeerFrames.HELLO || frame.payload().length != 12) {
                throw new PeerProtocolException("expected HELLO first");
            }
            ByteBuffer hello = ByteBuffer.wrap(frame.payload());
            int index = hello.getInt();
            long cluster = hello.getLong();
            if (index < 0 || index >= SLOTS || peers.get(index) == null || index == selfIndex) {
                throw new PeerProtocolException("replica index " + index + " is not a peer in the configuration");
            }
            if (cluster != clusterId) {
                throw new PeerProtocolException("cluster id " + Long.toHexString(cluster) + " is not ours");
            }
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            InetSocketAddress expected = peers.get(index);
            if (expected == null || !remote.getAddress().equals(expected.getAddress())) {
                throw new PeerProtocolException("replica " + index + " must connect from "
                        + (expected == null ? "a member's address" : expected.getAddress().getHostAddress()));
            }
            peerIndex = index;
            peerCluster = cluster;
        }

        private void deliver(PeerFrames.Frame frame) throws PeerProtocolException {
            lastReceivedMs.set(peerIndex, System.currentTimeMillis());
            switch (frame.kind()) {
                case PeerFrames.CONSENSUS -> {
                    Message message = PeerCodec.decode(frame.payload());
                    if (message.from() != peerIndex) {
                        throw new PeerProtocolException("message claims sender " + message.from()
                                + " on the connection of replica " + peerIndex);
                    }
                    receiver.onMessage(message);
                }
                case PeerFrames.SESSION_TOUCHES -> receiver.onSessionTouches(peerIndex, touches(frame.payload()));
                default -> throw new PeerProtocolException("unexpected frame kind " + frame.kind());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("dropping peer connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static long[] touches(byte[] payload) throws PeerProtocolException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        if (payload.length < 4) {
            throw new PeerProtocolException("short session touches");
        }
        int count = in.getInt();
        if (count < 0 || (long) count * 8 != payload.length - 4) {
            throw new PeerProtocolException("bad session touch count " + count);
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.getLong();
        }
        return ids;
    }

    /**
     * Our dial: we only send on it. The peer answers our HELLO with its CHALLENGE, which a replica holding the secret
     * answers with its PROOF (and only then sends on it); anything else is ignored.
     */
    private final class OutboundHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final int index;
        private boolean answered;

        OutboundHandler(int index) {
            this.index = index;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf bytes) {
            if (answered || !security.hasSecret()) {
                return; // replicas answer on their own dial, never on ours
            }
            try {
                PeerFrames.Frame frame = PeerFrames.decode(bytes);
                if (frame.kind() != PeerFrames.CHALLENGE || frame.payload().length != PeerSecurity.CHALLENGE_BYTES) {
                    throw new PeerProtocolException("expected a CHALLENGE first");
                }
                answered = true;
                Channel ch = ctx.channel();
                ch.attr(HELLO_DONE).set(true);
                ch.writeAndFlush(PeerFrames.encode(ch.alloc(), PeerFrames.PROOF,
                        security.proof(frame.payload(), selfIndex, clusterId, index)));
                outbound.set(index, ch);
            } catch (PeerProtocolException e) {
                log.warn("dropping connection to replica {}: {}", index, e.getMessage());
                ctx.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    handshakeFailureLogged.set(index, 0);
                    if (!security.hasSecret()) {
                        ctx.channel().attr(HELLO_DONE).set(true);
                    }
                } else if (handshakeFailureLogged.compareAndSet(index, 0, 1)) {
                    log.warn("TLS handshake with replica {} failed: {}", index, done.cause().toString());
                }
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (serverChannel != null) {
            serverChannel.close();
        }
        for (int i = 0; i < outbound.length(); i++) {
            Channel ch = outbound.get(i);
            if (ch != null) {
                ch.close();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        handshakeTasks.shutdownNow();
    }

}
