package io.viewkeeper.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the replica thread writes to client channels: replies and events, written at once and flushed once per
 * duty cycle, and the in-flight count each reply lowers, which turns a connection's reading back on at half the
 * limit (ZooKeeper's per-connection throttle). Invariant: nothing is written to a connection once it is closed.
 */
final class ClientOutput {
    private final int inflightMax;
    private final ServerStats stats;
    /** Connections written to since the last {@link #flush}. */
    private final Set<ClientConnection> unflushed = new LinkedHashSet<>();

    ClientOutput(int inflightMax, ServerStats stats) {
        this.inflightMax = inflightMax;
        this.stats = stats;
    }

    void send(ClientConnection c, Outbound outbound) {
        if (c.isClosed() || c.channel.eventLoop().isShuttingDown()) {
            return; // a closed connection, or the node is stopping: its I/O threads take no more work
        }
        c.packetsSent++;
        stats.packetsSent++;
        boolean isReply = outbound.header() == null || outbound.header().getXid() != FrontendCore.NOTIFICATION_XID;
        if (isReply && c.inflight.decrementAndGet() <= inflightMax / 2 && !c.channel.config().isAutoRead()) {
            c.channel.eventLoop().execute(() -> c.updateReading(inflightMax));
        }
        if (outbound.closeAfter()) {
            c.markClosed();
            c.channel.writeAndFlush(outbound).addListener(ChannelFutureListener.CLOSE);
        } else {
            c.channel.write(outbound);
            unflushed.add(c);
        }
    }

    /** A four-letter word's answer is the connection's only output: written, flushed, then the connection closed. */
    void answerFourLetterWord(ClientConnection c, String text) {
        c.channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Flushes every connection written to since the last call, so one cycle's replies leave in one write each. */
    void flush() {
        for (ClientConnection c : unflushed) {
            c.channel.flush();
        }
        unflushed.clear();
    }

    void close(ClientConnection c) {
        c.markClosed();
        // what was written to it this cycle goes before the close
        c.channel.flush();
        c.channel.close();
    }
}
