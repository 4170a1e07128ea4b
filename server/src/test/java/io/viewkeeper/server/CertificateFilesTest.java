package io.viewkeeper.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a TLS context is rebuilt from when they change: the key and trust stores, and the password files that
 * go with them, checked at most once a second.
 */
class CertificateFilesTest {
    @TempDir
    Path dir;

    @Test
    void shouldSeeAChangedStoreOrPasswordFileOnceAndNothingBetweenChecks() throws Exception {
        Path keyStore = Files.writeString(dir.resolve("key.p12"), "key");
        Path trustStore = Files.writeString(dir.resolve("trust.p12"), "trust");
        Path password = Files.writeString(dir.resolve("key.pass"), "old");
        AtomicLong now = new AtomicLong(1_000_000);
        CertificateFiles files = new CertificateFiles(Map.of("ssl.keyStore.location", keyStore.toString(),
                "ssl.trustStore.location", trustStore.toString(), "ssl.keyStore.passwordPath", password.toString()),
                "ssl.", now::get);
        assertThat(files.files()).containsExactly(keyStore, trustStore, password);

        now.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        assertThat(files.changed()).as("nothing changed").isFalse();

        Files.writeString(password, "a new one");
        Files.setLastModifiedTime(password, FileTime.fromMillis(Files.getLastModifiedTime(password).toMillis() + 5000));
        assertThat(files.changed()).as("within the interval: not checked yet").isFalse();
        now.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        assertThat(files.changed()).as("the password file changed").isTrue();
        now.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        assertThat(files.changed()).as("reported once").isFalse();

        Files.delete(keyStore);
        now.addAndGet(CertificateFiles.CHECK_INTERVAL_MS);
        assertThat(files.changed()).as("a store gone is a change too").isTrue();
    }
}
