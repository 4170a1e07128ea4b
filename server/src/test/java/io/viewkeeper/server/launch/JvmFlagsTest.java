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
                .containsExactly("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + archive.toAbsolutePath());
        assertThat(JvmFlags.classDataSharing(archive, jar + File.pathSeparator + lib)).isEmpty();
    }
}
