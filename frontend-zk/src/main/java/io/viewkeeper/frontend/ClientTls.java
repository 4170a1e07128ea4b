package io.viewkeeper.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on client connections: the server context in use now ({@code context}, which may be rebuilt when its
 * certificate files change; each new connection takes the current one) and the client certificate subject that
 * is ZooKeeper's x509 super user ({@code superUser}, or null). A client that presents a certificate gets the
 * identity {@code x509:<subject>} (RFC 2253, as ZooKeeper's X509AuthenticationProvider names it), and the super
 * identity too when the subject is the super user's. A handshake that fails closes the connection.
 */
public record ClientTls(Supplier<SslContext> context, String superUser) {
    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);
    /** A TLS record of the handshake starts with this byte; a ZooKeeper frame never does (its length's top byte). */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    /** The handlers of a port that speaks only TLS, placed before the connection's own. */
    void installTlsOnly(io.netty.channel.Channel channel, ConnectionInput input, ClientConnection connection) {
        channel.pipeline().addFirst("tlsIdentity", new TlsIdentity(input, connection));
        channel.pipeline().addFirst("tls", context.get().newHandler(channel.alloc()));
    }

    /** The handler of a port that speaks both: TLS when the first byte starts a TLS handshake, else plain. */
    void installUnified(io.netty.channel.Channel channel, ConnectionInput input, ClientConnection connection) {
        channel.pipeline().addFirst("tlsDetector", new Detector(input, connection));
    }

    private final class Detector extends ByteToMessageDecoder {
        private final ConnectionInput input;
        private final ClientConnection connection;

        Detector(ConnectionInput input, ClientConnection connection) {
            this.input = input;
            this.connection = connection;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (!in.isReadable()) {
                return;
            }
            if (in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE_RECORD) {
                ctx.pipeline().addAfter(ctx.name(), "tlsIdentity", new TlsIdentity(input, connection));
                ctx.pipeline().addAfter(ctx.name(), "tls", context.get().newHandler(ctx.alloc()));
            }
            ctx.pipeline().remove(this); // the bytes read so far go on to what follows
        }
    }

    private final class TlsIdentity extends ChannelInboundHandlerAdapter {
        private final ConnectionInput input;
        private final ClientConnection connection;

        TlsIdentity(ConnectionInput input, ClientConnection connection) {
            this.input = input;
            this.connection = connection;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    log.info("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
                            done.cause().toString());
                    ctx.close();
                    return;
                }
                String subject = clientSubject(ctx);
                if (subject != null) {
                    // before any request of this connection: its requests follow on the same path, in order
                    input.dispatch(ClientInput.tlsIdentity(connection, subject, subject.equals(superUser)));
                }
                ctx.pipeline().remove(this);
            }
            super.userEventTriggered(ctx, event);
        }

        private static String clientSubject(ChannelHandlerContext ctx) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            try {
                Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                return chain.length > 0 && chain[0] instanceof X509Certificate certificate
                        ? certificate.getSubjectX500Principal().getName() : null;
            } catch (SSLPeerUnverifiedException none) {
                return null; // ssl.clientAuth=want or none, and no certificate given
            }
        }
    }
}
