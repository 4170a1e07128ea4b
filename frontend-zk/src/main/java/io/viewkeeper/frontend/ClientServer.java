package io.viewkeeper.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.jute.BinaryOutputArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client port: a netty pipeline of four-letter-word detection, length framing with the jute.maxbuffer
 * limit, decoding into {@link Inbound} on the I/O thread, and encoding of {@link Outbound}. Everything else runs
 * on the replica thread, reached through {@code replicaThread}.
 */
public final class ClientServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientServer.class);

    private final FrontendSettings settings;
    private final FrontendCore core;
    private final Consumer<Runnable> replicaThread;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final ConcurrentHashMap<String, AtomicInteger> connectionsPerAddress = new ConcurrentHashMap<>();
    private Channel serverChannel;

    public ClientServer(FrontendSettings settings, FrontendCore core, Consumer<Runnable> replicaThread) {
        this.settings = settings;
        this.core = core;
        this.replicaThread = replicaThread;
    }

    /** Binds the client port; returns the bound address (the real port when 0 was asked). */
    public InetSocketAddress bind(String host, int port) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch);
                    }
                });
        serverChannel = bootstrap.bind(host, port).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    private void initConnection(SocketChannel ch) {
        String address = ch.remoteAddress().getAddress().getHostAddress();
        AtomicInteger count = connectionsPerAddress.computeIfAbsent(address, k -> new AtomicInteger());
        if (settings.maxClientCnxns() > 0 && count.incrementAndGet() > settings.maxClientCnxns()) {
            count.decrementAndGet();
            log.warn("too many connections from {} (max {}); closing", address, settings.maxClientCnxns());
            ch.close();
            return;
        }
        if (settings.maxClientCnxns() <= 0) {
            count.incrementAndGet();
        }
        ch.closeFuture().addListener(f -> count.decrementAndGet());
        ClientConnection connection = new ClientConnection(ch, address, ch.remoteAddress().getPort(),
                System.currentTimeMillis());
        ch.pipeline()
                .addLast("fourLetterWords", new FourLetterWordDetector(connection))
                .addLast("frames", new LengthFieldBasedFrameDecoder(settings.juteMaxBuffer() + 4, 0, 4, 0, 4, true))
                .addLast("requests", new RequestHandler(connection))
                .addLast("replies", new ReplyEncoder());
    }

    private void dispatch(Runnable task) {
        replicaThread.accept(task);
    }

    /** Answers a four-letter word when it is the first four bytes of a connection, else steps aside (§1.2). */
    private final class FourLetterWordDetector extends ByteToMessageDecoder {
        private final ClientConnection connection;

        FourLetterWordDetector(ClientConnection connection) {
            this.connection = connection;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (in.readableBytes() < 4) {
                return;
            }
            String word = in.toString(in.readerIndex(), 4, StandardCharsets.ISO_8859_1);
            if (in.getInt(in.readerIndex()) == 0xfff4fffd) {
                ctx.close();
                return;
            }
            if (!FourLetterWords.KNOWN.contains(word)) {
                ctx.pipeline().remove(this);
                return;
            }
            if (word.equals("stmk") && in.readableBytes() < 12) {
                return;
            }
            in.skipBytes(4);
            long argument = word.equals("stmk") ? in.readLong() : 0;
            in.skipBytes(in.readableBytes());
            ctx.channel().config().setAutoRead(false);
            Inbound.FourLetterWord command = new Inbound.FourLetterWord(word, argument);
            dispatch(() -> core.onInbound(connection, command));
        }
    }

    private final class RequestHandler extends io.netty.channel.SimpleChannelInboundHandler<ByteBuf> {
        private final ClientConnection connection;
        private final RequestDecoder decoder = new RequestDecoder(settings.juteMaxBuffer());
        private boolean connected;

        RequestHandler(ClientConnection connection) {
            this.connection = connection;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            dispatch(() -> core.onConnectionOpened(connection));
            ctx.executor().schedule(() -> {
                if (!connected) {
                    ctx.close();
                }
            }, FrontendSettings.SESSIONLESS_CONNECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            dispatch(() -> core.onConnectionClosed(connection));
            ctx.fireChannelInactive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws IOException {
            Inbound inbound;
            if (!connected) {
                inbound = decoder.decodeConnect(frame);
                connected = true;
            } else {
                inbound = decoder.decodeRequest(frame);
            }
            if (connection.inflight.incrementAndGet() >= settings.maxInflightPerConnection()) {
                ctx.channel().config().setAutoRead(false);
            }
            dispatch(() -> core.onInbound(connection, inbound));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("closing {}: {}", connection, cause.toString());
            ctx.close();
        }
    }

    /** Writes a frame: 4-byte length, then the reply header and body with the jute binary encoding. */
    static final class ReplyEncoder extends MessageToByteEncoder<Outbound> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Outbound message, ByteBuf out) throws IOException {
            int start = out.writerIndex();
            out.writeInt(0);
            BinaryOutputArchive archive = new BinaryOutputArchive(new DataOutputStream(new ByteBufOutputStream(out)));
            if (message.header() != null) {
                message.header().serialize(archive, "header");
            }
            if (message.body() != null) {
                message.body().serialize(archive, "response");
            }
            out.setInt(start, out.writerIndex() - start - 4);
        }
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
