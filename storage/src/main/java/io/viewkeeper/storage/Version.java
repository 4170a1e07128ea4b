package io.viewkeeper.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Viewkeeper's version and build time, as the build wrote them into {@code version.properties}: one source for all. */
public final class Version {
    private static final Properties PROPERTIES = load();

    private Version() {
    }

    /** Such as {@code 0.1.0-SNAPSHOT}. */
    public static String number() {
        return PROPERTIES.getProperty("version");
    }

    /** Such as {@code 2026-12-05 16:24 UTC}. */
    public static String built() {
        return PROPERTIES.getProperty("built");
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the storage jar");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("version.properties cannot be read", e);
        }
        if (properties.getProperty("version") == null || properties.getProperty("version").contains("${")) {
            throw new IllegalStateException("version.properties was not filtered by the build: " + properties);
        }
        return properties;
    }
}
