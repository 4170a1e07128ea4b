package io.viewkeeper.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The key and trust store files a TLS context was built from, watched for a change (a renewed certificate): at most
 * once per {@link #CHECK_INTERVAL_MS}, each file's modification time and size are compared with what they were.
 */
final class CertificateFiles {
    static final long CHECK_INTERVAL_MS = 1000;

    private final List<Path> files;
    private final LongSupplier clockMs;
    private List<String> stamps;
    private long checkedAtMs;

    /**
     * The files named by {@code prefix + "keyStore.location"} and {@code prefix + "trustStore.location"}, and the
     * password files their {@code passwordPath} keys name: a renewed store often comes with a new password, and
     * the two files are rarely replaced at the same instant, so a reload that read the old password is tried again
     * when the password file changes.
     */
    CertificateFiles(Map<String, String> settings, String prefix, LongSupplier clockMs) {
        this.clockMs = clockMs;
        List<Path> watched = new ArrayList<>();
        for (String key : List.of(prefix + "keyStore.location", prefix + "trustStore.location",
                prefix + "keyStore.passwordPath", prefix + "trustStore.passwordPath")) {
            String location = settings.get(key);
            if (location != null && !location.isBlank()) {
                watched.add(Path.of(location.trim()));
            }
        }
        this.files = List.copyOf(watched);
        this.stamps = stamps();
        this.checkedAtMs = clockMs.getAsLong();
    }

    /** Whether a file changed since the last call that said so (checked at most once per interval). */
    synchronized boolean changed() {
        long now = clockMs.getAsLong();
        if (now - checkedAtMs < CHECK_INTERVAL_MS) {
            return false;
        }
        checkedAtMs = now;
        List<String> seen = stamps();
        if (Objects.equals(seen, stamps)) {
            return false;
        }
        stamps = seen;
        return true;
    }

    List<Path> files() {
        return files;
    }

    /** Each file's modification time and size, or that it is missing. */
    private List<String> stamps() {
        List<String> result = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                result.add(a.lastModifiedTime().toMillis() + "/" + a.size());
            } catch (IOException e) {
                result.add("missing");
            }
        }
        return result;
    }
}
