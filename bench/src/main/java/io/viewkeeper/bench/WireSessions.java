package io.viewkeeper.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;
import org.apache.zookeeper.proto.WatcherEvent;

/**
 * Many ZooKeeper sessions from one process, each a connection speaking the wire protocol (zookeeper-jute's records)
 * on one shared netty event loop: what the scale probe opens 10,000 sessions with, where the ZooKeeper client runs
 * two threads per session. A session connects, sets data watches with exists, pings every third of its timeout and
 * counts the NodeDataChanged notifications of one path. Both systems get the same client.
 */
final class WireSessions implements AutoCloseable {
    private static final int FRAME_BYTES_MAX = 0xfffff + 4;
    private static final int PING_XID = -2;
    private static final int NOTIFICATION_XID = -1;
    private static final int NODE_DATA_CHANGED = 3;

    private final EventLoopGroup loop = new NioEventLoopGroup(1);
    private final List<Channel> channels = new ArrayList<>();
    private final int sessionTimeoutMs;
    private final String watchedPath;
    private final CountDownLatch notified;
    private final AtomicLong lastNotifiedNanos = new AtomicLong();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    /** The shortest session timeout a server granted: pings go every third of it. */
    private final AtomicInteger grantedTimeoutMs = new AtomicInteger(Integer.MAX_VALUE);
    private CountDownLatch connected = new CountDownLatch(0);
    private CountDownLatch replied = new CountDownLatch(0);
    private ScheduledFuture<?> pings;

    /** Sessions that count a notification each when {@code watchedPath} changes, into {@code notified}. */
    WireSessions(int sessionTimeoutMs, String watchedPath, CountDownLatch notified) {
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.watchedPath = watchedPath;
        this.notified = notified;
    }

    /** Opens {@code count} sessions round-robin over {@code servers}; returns once every one has its session id. */
    void open(List<InetSocketAddress> servers, int count, long timeoutMs) throws IOException, InterruptedException {
        connected = new CountDownLatch(count);
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeoutMs, Integer.MAX_VALUE))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new LengthFieldBasedFrameDecoder(FRAME_BYTES_MAX, 0, 4, 0, 4),
                                new SessionHandler());
                    }
                });
        for (int i = 0; i < count; i++) {
            bootstrap.connect(servers.get(i % servers.size())).addListener((ChannelFuture future) -> {
                if (!future.isSuccess()) {
                    failures.incrementAndGet();
                    connected.countDown();
                    return;
                }
                Channel channel = future.channel();
                synchronized (channels) {
                    channels.add(channel);
                }
                ConnectRequest request = new ConnectRequest(0, 0, sessionTimeoutMs, 0, new byte[16], false);
                channel.writeAndFlush(frame(channel, null, request));
            });
        }
        if (!connected.await(timeoutMs, TimeUnit.MILLISECONDS) || failures.get() > 0) {
            throw new IOException((count - opened.get()) + " of " + count + " sessions did not open ("
                    + failures.get() + " failed)");
        }
        long pingMs = Math.max(1, Math.min(sessionTimeoutMs, grantedTimeoutMs.get()) / 3);
        pings = loop.scheduleAtFixedRate(this::ping, pingMs, pingMs, TimeUnit.MILLISECONDS);
    }

    /** Every session sets a data watch on every path (one exists each); returns once every reply has come. */
    void watch(List<String> paths, long timeoutMs) throws IOException, InterruptedException {
        List<Channel> all;
        synchronized (channels) {
            all = List.copyOf(channels);
        }
        replied = new CountDownLatch(all.size() * paths.size());
        for (Channel channel : all) {
            SessionHandler session = channel.pipeline().get(SessionHandler.class);
            for (String path : paths) {
                RequestHeader header = new RequestHeader(session.nextXid(), ZooDefs.OpCode.exists);
                channel.write(frame(channel, header, new ExistsRequest(path, true)));
            }
            channel.flush();
        }
        if (!replied.await(timeoutMs, TimeUnit.MILLISECONDS) || failures.get() > 0) {
            throw new IOException(replied.getCount() + " watches not acknowledged, " + failures.get() + " failed");
        }
    }

    /** The latest arrival of a counted notification, in System.nanoTime; 0 before any. */
    long lastNotifiedNanos() {
        return lastNotifiedNanos.get();
    }

    private void ping() {
        List<Channel> all;
        synchronized (channels) {
            all = List.copyOf(channels);
        }
        for (Channel channel : all) {
            if (channel.isActive()) {
                channel.writeAndFlush(frame(channel, new RequestHeader(PING_XID, ZooDefs.OpCode.ping), null));
            }
        }
    }

    /** A length-prefixed frame: the header (none for the connect request) and the body. */
    private static ByteBuf frame(Channel channel, RequestHeader header, Record body) {
        ByteBuf buffer = channel.alloc().buffer(64);
        buffer.writeInt(0);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buffer)) {
            BinaryOutputArchive archive = BinaryOutputArchive.getArchive(out);
            if (header != null) {
                header.serialize(archive, "header");
            }
            if (body != null) {
                body.serialize(archive, "request");
            }
        } catch (IOException e) {
            buffer.release();
            throw new UncheckedIOException(e);
        }
        buffer.setInt(0, buffer.readableBytes() - 4);
        return buffer;
    }

    @Override
    public void close() {
        if (pings != null) {
            pings.cancel(false);
        }
        List<Channel> all;
        synchronized (channels) {
            all = List.copyOf(channels);
            channels.clear();
        }
        for (Channel channel : all) {
            if (channel.isActive()) {
                SessionHandler session = channel.pipeline().get(SessionHandler.class);
                RequestHeader header = new RequestHeader(session == null ? 1 : session.nextXid(),
                        ZooDefs.OpCode.closeSession);
                channel.writeAndFlush(frame(channel, header, null));
            }
        }
        for (Channel channel : all) {
            channel.close().awaitUninterruptibly(1_000);
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }

    /** One session: its connect response first, then replies and notifications. Runs on the event loop. */
    private final class SessionHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private boolean open;
        /** The connect response came, or the connection failed first: counted once either way. */
        private boolean settled;
        private boolean counted;
        private int xid;

        int nextXid() {
            return ++xid;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, ByteBuf frame) throws IOException {
            BinaryInputArchive archive = BinaryInputArchive.getArchive(new ByteBufInputStream(frame));
            if (!open) {
                ConnectResponse response = new ConnectResponse();
                response.deserialize(archive, "connect");
                settled = true;
                if (response.getSessionId() == 0 || response.getTimeOut() <= 0) {
                    failures.incrementAndGet(); // the server refused the session
                    context.close();
                } else {
                    open = true;
                    opened.incrementAndGet();
                    grantedTimeoutMs.accumulateAndGet(response.getTimeOut(), Math::min);
                }
                connected.countDown();
                return;
            }
            ReplyHeader header = new ReplyHeader();
            header.deserialize(archive, "header");
            if (header.getXid() == NOTIFICATION_XID) {
                WatcherEvent event = new WatcherEvent();
                event.deserialize(archive, "event");
                if (event.getType() == NODE_DATA_CHANGED && watchedPath.equals(event.getPath()) && !counted) {
                    counted = true;
                    lastNotifiedNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    notified.countDown();
                }
            } else if (header.getXid() != PING_XID) {
                if (header.getErr() != 0) { // an exists reply: OK, or NONODE for a path not there
                    if (header.getErr() != org.apache.zookeeper.KeeperException.Code.NONODE.intValue()) {
                        failures.incrementAndGet();
                    }
                }
                replied.countDown();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            if (!settled) {
                settled = true;
                failures.incrementAndGet();
                connected.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            failures.incrementAndGet();
            context.close();
        }
    }
}
