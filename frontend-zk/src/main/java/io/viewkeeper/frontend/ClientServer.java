package io.viewkeeper.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client port: accepts connections, enforces maxClientCnxns per address, and gives each connection a
 * {@link ClientPipeline}. Everything past decoding runs on the replica thread, reached through its
 * {@link ReplicaInbox} without blocking.
 */
public final class ClientServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientServer.class);

    private final FrontendSettings settings;
    private final FrontendCore core;
    private final ReplicaInbox inbox;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final ConcurrentHashMap<String, AtomicInteger> connectionsPerAddress = new ConcurrentHashMap<>();
    private final java.util.List<Channel> serverChannels = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ClientServer(FrontendSettings settings, FrontendCore core, ReplicaInbox inbox) {
        this.settings = settings;
        this.core = core;
        this.inbox = inbox;
    }

    /** Binds the client port; returns the bound address (the real port when 0 was asked). */
    public InetSocketAddress bind(String host, int port) throws InterruptedException {
        return bind(host, port, null, false);
    }

    /**
     * Binds a client port: plain ({@code tls} null), TLS only ({@code tlsOnly}, ZooKeeper's secureClientPort), or
     * either as each client's first byte says (ZooKeeper's client.portUnification).
     */
    public InetSocketAddress bind(String host, int port, ClientTls tls, boolean tlsOnly) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // see ClientPipeline.InputShutdownHandler
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch, tls, tlsOnly);
                    }
                });
        Channel bound = bootstrap.bind(host, port).sync().channel();
        serverChannels.add(bound);
        return (InetSocketAddress) bound.localAddress();
    }

    private void initConnection(SocketChannel ch, ClientTls tls, boolean tlsOnly) {
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
        new ClientPipeline(settings, core, inbox).install(ch, connection, tls, tlsOnly);
    }

    @Override
    public void close() {
        for (Channel channel : serverChannels) {
            channel.close().syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
