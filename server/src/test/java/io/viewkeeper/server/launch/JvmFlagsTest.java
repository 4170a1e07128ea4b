package io.viewkeeper.server.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Class data sharing is asked of the JVM only for a class path of jars, which is all the JVM archives from. */
class JvmFlagsTest {
    @TempDir
    Path dir;

    @Test
    void shouldArchiveClassesBesideTheNodeOnlyWhenTheClassPathHoldsNoDirectory() throws Exception {
        Path jar = Files.writeString(dir.resolve("server.jar"), "jar");
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path archive = dir.resolve("data/viewkeeper.jsa");
        assertThat(JvmFlags.classDataSharing(archive, jar + File.pathSeparator + lib + File.separator + "*"))
                .startsWith("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive.toAbsolutePath())
                .contains("-Xlog:cds=off");
        assertThat(JvmFlags.classDataSharing(archive, jar + File.pathSeparator + lib)).isEmpty();
    }

    /** An archive older than a jar (an upgrade) is deleted, so the JVM writes a new one instead of refusing it. */
    @Test
    void shouldDeleteAnArchiveOlderThanAJarOfTheClassPath() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path jar = Files.writeString(lib.resolve("server.jar"), "jar");
        Path archive = Files.writeString(Files.createDirectories(dir.resolve("data")).resolve("viewkeeper.jsa"), "a");
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis());
        Files.setLastModifiedTime(jar, now);
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(now.toMillis() + 60_000));
        JvmFlags.classDataSharing(archive, lib + File.separator + "*");
        assertThat(archive).as("an archive newer than every jar").exists();
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(now.toMillis() + 120_000));
        JvmFlags.classDataSharing(archive, lib + File.separator + "*");
        assertThat(archive).as("an archive older than a jar").doesNotExist();
    }
}
