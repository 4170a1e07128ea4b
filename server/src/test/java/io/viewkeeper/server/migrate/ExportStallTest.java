package io.viewkeeper.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin endpoint that answers an export's headers, sends part of the snapshot and then goes silent with the
 * connection open: the export gives up once nothing has arrived for its stall limit, instead of waiting forever,
 * and leaves no file behind.
 */
class ExportStallTest {
    @TempDir
    Path dir;

    @Test
    void shouldGiveUpOnASnapshotStreamThatStallsAndLeaveNoFile() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread endpoint = Thread.ofPlatform().daemon().start(() -> serveStalling(server, release));
            Path file = dir.resolve("snapshot.bin");
            long started = System.nanoTime();
            assertThatThrownBy(() -> AdminSnapshotClient.fetch("127.0.0.1:" + server.getLocalPort(), null, file,
                    null, Duration.ofMillis(500))).isInstanceOf(IOException.class).hasMessageContaining("stalled")
                    .hasMessageContaining("after 1000 bytes");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("given up soon after the limit")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(file).doesNotExist();
            assertThat(dir).isEmptyDirectory();
            release.countDown();
            endpoint.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** Answers one request with a 2000-byte snapshot, sends half of it, then holds the connection open. */
    private static void serveStalling(ServerSocket server, CountDownLatch release) {
        try (Socket socket = server.accept()) {
            socket.getInputStream().read(new byte[4096]);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 2000\r\n"
                    + "snapshot_size: 2000\r\nlast_zxid: 0x10\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            release.await(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // the client gave up and closed: what the test waits for
        }
    }
}
