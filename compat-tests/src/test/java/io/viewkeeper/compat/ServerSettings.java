package io.viewkeeper.compat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * What a test class asks of the server it runs against, expressed once so that Viewkeeper and the reference
 * ZooKeeper server are started with the same settings.
 *
 * @param fourLetterWords the whitelist; {@code null} means every word ({@code *})
 */
public record ServerSettings(
        int tickTimeMs,
        String superDigest,
        long containerCheckIntervalMs,
        int maxClientCnxns,
        Set<String> fourLetterWords) {

    /** The password of the super user every test server knows; {@code addauth digest super:superSecret}. */
    public static final String SUPER_PASSWORD = "superSecret";
    public static final String SUPER_DIGEST = digest("super:" + SUPER_PASSWORD);

    /** tickTime 2000, super digest, containers checked every minute, 60 connections, every four-letter word. */
    public static ServerSettings defaults() {
        return new ServerSettings(2000, SUPER_DIGEST, 60_000, 60, null);
    }

    public ServerSettings withContainerCheckIntervalMs(long intervalMs) {
        return new ServerSettings(tickTimeMs, superDigest, intervalMs, maxClientCnxns, fourLetterWords);
    }

    public ServerSettings withTickTimeMs(int tick) {
        return new ServerSettings(tick, superDigest, containerCheckIntervalMs, maxClientCnxns, fourLetterWords);
    }

    public ServerSettings withFourLetterWords(Set<String> words) {
        return new ServerSettings(tickTimeMs, superDigest, containerCheckIntervalMs, maxClientCnxns, words);
    }

    /** ZooKeeper's digest form: {@code user:BASE64(SHA1("user:password"))}, computed from {@code user:password}. */
    public static String digest(String userColonPassword) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA1").digest(userColonPassword.getBytes(StandardCharsets.UTF_8));
            String user = userColonPassword.substring(0, userColonPassword.indexOf(':'));
            return user + ":" + Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
