package io.viewkeeper.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.jute.BinaryOutputArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handlers of one client connection, in order: four-letter-word detection on the first bytes, length
 * framing with the jute.maxbuffer limit (a negative or oversized length closes the connection), decoding into
 * {@link Inbound} on the I/O thread, and encoding of {@link Outbound}. Decoded input goes to the replica thread
 * through its {@link ReplicaInbox}, in arrival order, without ever blocking the I/O thread ({@link ConnectionInput}).

 */
public final class ClientPipeline {
    private static final Logger log = LoggerFactory.getLogger(ClientPipeline.class);

    private final FrontendSettings settings;
    private final FrontendCore core;
    private final ReplicaInbox inbox;

    public ClientPipeline(FrontendSettings settings, FrontendCore core, ReplicaInbox inbox) {
        this.settings = settings;
        this.core = core;
        this.inbox = inbox;
    }

    /** Adds the handlers to a new channel, which {@code connection} describes. */
    public void install(Channel channel, ClientConnection connection) {
        install(channel, connection, null, false);
    }

    /**
     * Adds the handlers, TLS first when {@code tls} is given: only TLS ({@code tlsOnly}, a secureClientPort), or
     * TLS or plain as the client's first byte says (client.portUnification).
     */
    public void install(Channel channel, ClientConnection connection, ClientTls tls, boolean tlsOnly) {
        ConnectionInput input = new ConnectionInput(inbox, channel, connection, settings.maxInflightPerConnection());
        installPlain(channel, connection, input);
        if (tls != null && tlsOnly) {
            tls.installTlsOnly(channel, input, connection);
        } else if (tls != null) {
            tls.installUnified(channel, input, connection);
        }
    }

    private void installPlain(Channel channel, ClientConnection connection, ConnectionInput input) {
        channel.pipeline()
                .addLast("halfClose", new InputShutdownHandler(connection))
                .addLast("fourLetterWords", new FourLetterWordDetector(connection, input))
                .addLast("frames", new LengthFieldBasedFrameDecoder(settings.juteMaxBuffer() + 4, 0, 4, 0, 4, true))
                .addLast("requests", new RequestHandler(connection, input))
                .addLast("replies", new ReplyEncoder());
    }

    /**
     * Channels allow half-closure so that a four-letter word followed by the client's end of input is still answered
     * (the answer comes from the replica thread, after the read that saw the end); any other connection whose client
     * ends its input is closed, as before.
     */
    private static final class InputShutdownHandler extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final ClientConnection connection;

        InputShutdownHandler(ClientConnection connection) {
            this.connection = connection;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                if (!connection.answeringFourLetterWord) {
                    ctx.close();
                }
                return;
            }
            super.userEventTriggered(ctx, event);
        }
    }

    /** Answers a four-letter word when it is the first four bytes of a connection, else steps aside (§1.2). */
    private final class FourLetterWordDetector extends ByteToMessageDecoder {
        private final ClientConnection connection;
        private final ConnectionInput input;

        FourLetterWordDetector(ClientConnection connection, ConnectionInput input) {
            this.connection = connection;
            this.input = input;
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
            connection.answeringFourLetterWord = true;
            Inbound.FourLetterWord command = new Inbound.FourLetterWord(word, argument);
            input.dispatch(ClientInput.inbound(connection, command));
        }
    }

    private final class RequestHandler extends io.netty.channel.SimpleChannelInboundHandler<ByteBuf> {
        private final ClientConnection connection;
        private final RequestDecoder decoder = new RequestDecoder(settings.juteMaxBuffer());
        private final ConnectionInput input;
        private boolean connected;

        RequestHandler(ClientConnection connection, ConnectionInput input) {
            this.connection = connection;
            this.input = input;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            input.dispatch(ClientInput.opened(connection));
            ctx.executor().schedule(() -> {
                if (!connected) {
                    ctx.close();
                }
            }, FrontendSettings.SESSIONLESS_CONNECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            input.dispatch(ClientInput.closed(connection));
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
            connection.inflight.incrementAndGet();
            connection.updateReading(settings.maxInflightPerConnection());
            input.dispatch(ClientInput.inbound(connection, inbound));
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

}
