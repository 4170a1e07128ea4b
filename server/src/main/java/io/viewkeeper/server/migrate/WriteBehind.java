package io.viewkeeper.server.migrate;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces files that are being written to the device at a fixed interval from a thread of its own, so the device
 * writes them while the writer still computes instead of all at once when it finally forces them. It only ever
 * adds durability early: the writer's own force at the end is what counts, so a failed force here is logged and
 * left to that one.
 */
final class WriteBehind implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBehind.class);
    private static final long CLOSE_WAIT_SECONDS = 60;

    private final ScheduledExecutorService scheduler;

    private WriteBehind(List<Path> files, long intervalMs) {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "import-write-behind");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> forceAll(files), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Starts forcing {@code files} every {@code intervalMs}; a file not there yet is skipped. */
    static WriteBehind start(List<Path> files, long intervalMs) {
        return new WriteBehind(List.copyOf(files), intervalMs);
    }

    private static void forceAll(List<Path> files) {
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                channel.force(false);
            } catch (NoSuchFileException e) {
                LOG.trace("{} not there (yet or any more)", file);
            } catch (IOException e) {
                LOG.debug("early force of {} failed ({}); the writer's own force decides", file, e.toString());
            }
        }
    }

    /** Stops, waiting for a force under way to end. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("the early forces of the import did not stop within {} s", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
