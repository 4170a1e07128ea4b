package io.viewkeeper.server.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.metrics.NodeMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's admin HTTP endpoint (netty HTTP codec, JSON): ZooKeeper's AdminServer commands and Viewkeeper's own
 * under {@code /commands/<name>}, Prometheus text under {@code /metrics}. Its own event loop, so a slow admin client
 * never holds a client or peer thread. Limits: request line, headers and body bytes, connections at once, and an
 * idle timeout; the replica thread gets {@code replicaTimeout} to answer a command. It also samples the replica's
 * state for the gauges once a second.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    public static final Duration REPLICA_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    static final int BODY_BYTES_MAX = 64 * 1024;
    /**
     * A restore's body: a ZooKeeper snapshot, at most 512 MiB and a quarter of this node's heap (the node holds the
     * body, the converted state and its staged parts at once while a large restore goes through the log).
     */
    static final int RESTORE_BODY_BYTES_MAX = (int) Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 4);
    private static final String AGGREGATOR = "aggregator";
    /** How long a connection may hold the restore's larger body limit: upload, conversion and commit. */
    private static final long LARGE_BODY_HOLD_MINUTES = 5;
    static final int INITIAL_LINE_BYTES_MAX = 4096;
    static final int HEADER_BYTES_MAX = 8192;
    static final int CONNECTIONS_MAX = 64;
    static final int IDLE_TIMEOUT_SECONDS = 30;
    private static final long SAMPLE_INTERVAL_MS = 1000;

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final AtomicInteger connections = new AtomicInteger();
    /** Whether a connection holds the restore's larger body limit: one at a time. */
    private final java.util.concurrent.atomic.AtomicBoolean largeBodyTaken =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicBoolean samplePending = new AtomicBoolean();
    private final NodeAccess node;
    private final NodeMetrics metrics;
    private Channel serverChannel;
    private ScheduledFuture<?> sampler;
    private GroupView groupView;

    private AdminServer(NodeAccess node, NodeMetrics metrics) {
        this.node = node;
        this.metrics = metrics;
    }

    /** Binds the endpoint; throws when the address cannot be bound. */
    public static AdminServer start(AdminSettings settings, NodeAccess node, NodeMetrics metrics)
            throws IOException {
        return start(settings, node, metrics, REPLICA_TIMEOUT_DEFAULT);
    }

    public static AdminServer start(AdminSettings settings, NodeAccess node, NodeMetrics metrics,
            Duration replicaTimeout) throws IOException {
        AdminServer server = new AdminServer(node, metrics);
        try {
            server.bind(settings, new AdminCommands(node), replicaTimeout);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(AdminSettings settings, AdminCommands commands, Duration replicaTimeout) throws IOException {
        SnapshotStreamer snapshots = new SnapshotStreamer(settings, node, replicaTimeout.toMillis());
        RestoreReceiver restores = new RestoreReceiver(settings, node, replicaTimeout.toMillis());
        groupView = new GroupView(settings, node, commands, replicaTimeout.toMillis());
        ConsoleAssets console = new ConsoleAssets();
        io.netty.handler.ssl.SslContext https = settings.tls().enabled() ? settings.tls().serverContext() : null;
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > CONNECTIONS_MAX) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        if (https != null && settings.tls().forceHttps()) {
                            ch.pipeline().addLast("tls", https.newHandler(ch.alloc()));
                        } else if (https != null) {
                            ch.pipeline().addLast("tlsDetector", new HttpsDetector(https));
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_TIMEOUT_SECONDS),
                                new HttpServerCodec(INITIAL_LINE_BYTES_MAX, HEADER_BYTES_MAX, 8192),
                                new ChunkedWriteHandler(), // a snapshot file over TLS, which a FileRegion cannot cross
                                new RestoreRoute(settings));
                        ch.pipeline().addLast(AGGREGATOR, new BoundedAggregator(BODY_BYTES_MAX));
                        ch.pipeline().addLast(new AdminHttpHandler(settings, commands, node, metrics, replicaTimeout,
                                snapshots, restores, groupView, console));
                    }
                });
        ChannelFuture bound = bootstrap.bind(settings.serverAddress(), settings.serverPort()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot bind the admin endpoint to " + settings.serverAddress() + ":"
                    + settings.serverPort() + ": " + bound.cause().getMessage(), bound.cause());
        }
        serverChannel = bound.channel();
        sampler = group.scheduleAtFixedRate(this::sample, 0, SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        log.info("admin endpoint on {}://{}:{}/commands{}", settings.tls().scheme(), address().getHostString(),
                address().getPort(), settings.tls().portUnification() ? " (HTTP and HTTPS)" : "");
    }

    /** One sample at a time: while the replica thread has not run the last one, no other is queued. */
    private void sample() {
        if (!samplePending.compareAndSet(false, true)) {
            return;
        }
        boolean offered = node.offer(() -> {
            try {
                metrics.recordSample(ReplicaSampling.sample(node));
            } finally {
                samplePending.set(false);
            }
        });
        if (!offered) {
            samplePending.set(false);
        }
    }

    /** The bound address (the real port when port 0 was asked). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.cancel(false);
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (groupView != null) {
            groupView.close();
        }
    }

    /**
     * admin.portUnification: a connection whose first byte starts a TLS handshake record (0x16, never the first
     * byte of an HTTP method) gets the TLS handler; any other goes on as plain HTTP.
     */
    private static final class HttpsDetector extends io.netty.handler.codec.ByteToMessageDecoder {
        private static final int TLS_HANDSHAKE_RECORD = 0x16;
        private final io.netty.handler.ssl.SslContext https;

        HttpsDetector(io.netty.handler.ssl.SslContext https) {
            this.https = https;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf in, java.util.List<Object> out) {
            if (!in.isReadable()) {
                return;
            }
            if (in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE_RECORD) {
                ctx.pipeline().addAfter(ctx.name(), "tls", https.newHandler(ctx.alloc()));
            }
            ctx.pipeline().remove(this);
        }
    }

    /** The body limit, answered with a JSON 413 (netty's own answer has no body) and the connection closed. */
    /** Whether this connection holds the restore's larger body limit: its answers then close it. */
    static boolean holdsLargeBodyLimit(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(AGGREGATOR) instanceof BoundedAggregator aggregator
                && aggregator.bytesMax == RESTORE_BODY_BYTES_MAX;
    }

    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final int bytesMax;

        BoundedAggregator(int bytesMax) {
            super(bytesMax);
            this.bytesMax = bytesMax;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            AdminHttpHandler.sendError(ctx, false, "", 413, "request body over " + bytesMax + " bytes");
            ctx.channel().closeFuture().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    /**
     * A restore's body is a whole snapshot: its request (and only it) gets an aggregator with the larger limit,
     * and its connection is closed after the answer, so the larger limit serves no other request.
     */
    private final class RestoreRoute extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final AdminSettings settings;

        RestoreRoute(AdminSettings settings) {
            this.settings = settings;
        }

        /**
         * Only a POST to restore, on a node with a token, that carries an Authorization header gets the larger
         * limit, and only one connection at a time holds it (until it closes): an anonymous client cannot make the
         * endpoint buffer large bodies. Any other request keeps the small limit (and is refused as it would be).
         */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof io.netty.handler.codec.http.HttpRequest request
                    && request.method().equals(io.netty.handler.codec.http.HttpMethod.POST)
                    && settings.mutatingAllowed()
                    && request.headers().contains(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION)
                    && RestoreReceiver.isRestore(new io.netty.handler.codec.http.QueryStringDecoder(request.uri())
                            .path())
                    && ctx.pipeline().get(AGGREGATOR) instanceof BoundedAggregator current
                    && current.bytesMax != RESTORE_BODY_BYTES_MAX) {
                if (!largeBodyTaken.compareAndSet(false, true)) {
                    io.netty.util.ReferenceCountUtil.release(message);
                    AdminHttpHandler.sendError(ctx, false, RestoreReceiver.NAMES.get(0), 429,
                            "another restore is being uploaded; try again when it is done");
                    return;
                }
                ctx.channel().closeFuture().addListener(f -> largeBodyTaken.set(false));
                // whoever holds the larger limit gives it back within this time, whatever they send or not
                ctx.executor().schedule(() -> ctx.close(), LARGE_BODY_HOLD_MINUTES, TimeUnit.MINUTES);
                ctx.pipeline().replace(AGGREGATOR, AGGREGATOR, new BoundedAggregator(RESTORE_BODY_BYTES_MAX));
            }
            ctx.fireChannelRead(message);
        }
    }
}
