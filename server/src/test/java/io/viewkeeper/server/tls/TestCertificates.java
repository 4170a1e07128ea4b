package io.viewkeeper.server.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Throwaway certificates for TLS tests: a CA, and certificates it signs for the loopback addresses 127.0.0.1-3 and
 * localhost, written as PKCS12 or PEM stores in the form ZooKeeper's ssl.keyStore and ssl.trustStore keys take.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-password";
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestCertificates() throws GeneralSecurityException, OperatorCreationException {
        caKeys = keyPair();
        X500Name name = new X500Name("CN=Viewkeeper test CA");
        X509v3CertificateBuilder builder = builder(name, name, caKeys);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        ca = sign(builder, caKeys.getPrivate());
    }

    /** A key and a certificate signed by the CA for {@code subject}, valid for the loopback addresses. */
    public Issued issue(String subject) throws GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        return issue(subject, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    /** As {@link #issue(String)}, but it expired a day ago. */
    public Issued issueExpired(String subject) throws GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        return issue(subject, now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)));
    }

    /**
     * As {@link #issue(String)}, valid for these further host names and IP addresses too (a test group whose
     * replicas reach each other through proxies under other names).
     */
    public Issued issue(String subject, List<String> dnsNames, List<String> ipAddresses)
            throws GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        return issue(subject, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)), dnsNames, ipAddresses);
    }

    private Issued issue(String subject, Instant from, Instant to)
            throws GeneralSecurityException, OperatorCreationException {
        return issue(subject, from, to, List.of(), List.of());
    }

    private Issued issue(String subject, Instant from, Instant to, List<String> dnsNames, List<String> ipAddresses)
            throws GeneralSecurityException, OperatorCreationException {
        KeyPair keys = keyPair();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Viewkeeper test CA"),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from), Date.from(to), new X500Name(subject),
                keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            List<GeneralName> names = new ArrayList<>(List.of(
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.2"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.3")));
            dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
            ipAddresses.forEach(address -> names.add(new GeneralName(GeneralName.iPAddress, address)));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return new Issued(keys.getPrivate(), sign(builder, caKeys.getPrivate()), ca);
    }

    /** A trust store holding the CA, PKCS12. */
    public Path trustStore(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    /** A trust store holding the CA, PEM. */
    public Path trustStorePem(Path file) throws IOException {
        Files.writeString(file, pem(ca), StandardCharsets.US_ASCII);
        return file;
    }

    public X509Certificate ca() {
        return ca;
    }

    public record Issued(PrivateKey key, X509Certificate certificate, X509Certificate ca) {
        /** The key and the chain as a PKCS12 key store. */
        public Path keyStore(Path file) throws IOException, GeneralSecurityException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, PASSWORD.toCharArray(), new Certificate[] {certificate, ca});
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                store.store(out, PASSWORD.toCharArray());
            }
            // replaced in one step, as a certificate renewal tool does, so a reader never sees half a file
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return file;
        }

        /** The key and the chain as one PEM file (ZooKeeper's PEM key store: key, then certificates). */
        public Path keyStorePem(Path file) throws IOException {
            Files.writeString(file, pem(key) + pem(certificate) + pem(ca), StandardCharsets.US_ASCII);
            return file;
        }

        public String subject() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object instanceof PrivateKey key
                    ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate() : object);
        }
        return text.toString();
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(key)));
    }
}
