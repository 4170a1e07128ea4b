package io.viewkeeper.server.peer;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLEngine;

/**
 * How replicas prove to each other that they are members, on top of the HELLO's checks (a member's index, from that
 * member's address, with the cluster id).
 * <ul>
 * <li>TLS ({@code sslQuorum}): dials go over mutual TLS; the accepting side takes TLS, plain connections, or both
 * during a rolling switch ({@code portUnification}), told apart by the first byte.</li>
 * <li>A shared secret ({@code peer.auth.secretFile}): the accepting side answers a HELLO with a random challenge and
 * the dialer proves the secret with an HMAC-SHA256 over the challenge, both indexes and the cluster id, so that a
 * process that can reach a peer port but does not hold the secret cannot speak for a member, and a recorded HELLO
 * cannot be replayed. With {@code secretRequired} false (a rolling switch), a replica sends the proof and checks
 * one it is given, but still takes a plain HELLO from a member not switched yet.</li>
 * </ul>
 * The secret authenticates the start of a connection only; against a party on the network path, TLS is the answer.
 */
public final class PeerSecurity {
    static final int CHALLENGE_BYTES = 32;
    static final int MAC_BYTES = 32;
    /** The shortest secret taken: 16 bytes (128 bits). */
    public static final int SECRET_BYTES_MIN = 16;
    private static final byte[] CONTEXT = "viewkeeper peer hello 1".getBytes(StandardCharsets.US_ASCII);

    /** The SSL engines for peer connections, from the operator's ssl.quorum.* stores (reloaded as they change). */
    public interface TlsEngines {
        /** An engine in server mode for a connection accepted from {@code remote}. */
        SSLEngine forAccepted(InetSocketAddress remote);

        /** An engine in client mode for this replica's dial to the peer at {@code peer}. */
        SSLEngine forDial(InetSocketAddress peer);
    }

    private final boolean dialTls;
    private final boolean acceptTls;
    private final boolean acceptPlain;
    private final TlsEngines tls;
    private final byte[] secret;
    private final boolean secretRequired;

    private PeerSecurity(boolean dialTls, boolean acceptTls, boolean acceptPlain, TlsEngines tls, byte[] secret,
            boolean secretRequired) {
        if ((dialTls || acceptTls) != (tls != null)) {
            throw new IllegalArgumentException("TLS engines are given exactly when TLS is used");
        }
        if (dialTls && !acceptTls) {
            throw new IllegalArgumentException("a replica that dials over TLS accepts TLS");
        }
        if (!acceptTls && !acceptPlain) {
            throw new IllegalArgumentException("a replica accepts some kind of connection");
        }
        if (secret != null && secret.length < SECRET_BYTES_MIN) {
            throw new IllegalArgumentException("a secret of " + secret.length + " bytes");
        }
        if (secretRequired && secret == null) {
            throw new IllegalArgumentException("a secret is required but none is given");
        }
        this.dialTls = dialTls;
        this.acceptTls = acceptTls;
        this.acceptPlain = acceptPlain;
        this.tls = tls;
        this.secret = secret == null ? null : secret.clone();
        this.secretRequired = secretRequired;
    }

    /** Plain TCP and the HELLO's checks only. */
    public static PeerSecurity plain() {
        return new PeerSecurity(false, false, true, null, null, false);
    }

    /**
     * @param sslQuorum dial over TLS, and accept only TLS unless {@code portUnification}
     * @param portUnification accept TLS and plain connections both
     * @param tls the engines, required with either
     * @param secret the shared secret, or null
     * @param secretRequired refuse a HELLO without the secret's proof
     */
    public static PeerSecurity of(boolean sslQuorum, boolean portUnification, TlsEngines tls, byte[] secret,
            boolean secretRequired) {
        return new PeerSecurity(sslQuorum, sslQuorum || portUnification, !sslQuorum || portUnification,
                sslQuorum || portUnification ? tls : null, secret, secretRequired);
    }

    boolean dialTls() {
        return dialTls;
    }

    boolean acceptTls() {
        return acceptTls;
    }

    boolean acceptPlain() {
        return acceptPlain;
    }

    TlsEngines tls() {
        return tls;
    }

    boolean hasSecret() {
        return secret != null;
    }

    boolean secretRequired() {
        return secretRequired;
    }

    /** The PROOF payload: the MAC of replica {@code from} answering replica {@code to}'s challenge. */
    byte[] proof(byte[] challenge, int from, long cluster, int to) {
        return mac(challenge, from, cluster, to);
    }

    /** Whether {@code proof} is the MAC this replica ({@code to}) expects for that challenge and sender. */
    boolean proves(byte[] proof, byte[] challenge, int from, long cluster, int to) {
        return MessageDigest.isEqual(proof, mac(challenge, from, cluster, to));
    }

    private byte[] mac(byte[] challenge, int from, long cluster, int to) {
        if (secret == null || challenge.length != CHALLENGE_BYTES) {
            throw new IllegalStateException("a MAC needs the secret and a " + CHALLENGE_BYTES + "-byte challenge");
        }
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
            hmac.update(CONTEXT);
            hmac.update(challenge);
            hmac.update(ByteBuffer.allocate(16).putInt(from).putLong(cluster).putInt(to).array());
            return hmac.doFinal();
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is required of every Java platform
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "PeerSecurity[dialTls=" + dialTls + ", acceptTls=" + acceptTls + ", acceptPlain=" + acceptPlain
                + ", secret=" + (secret == null ? "none" : secretRequired ? "required" : "offered") + "]";
    }

}
