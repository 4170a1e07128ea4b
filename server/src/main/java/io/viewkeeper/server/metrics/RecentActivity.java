package io.viewkeeper.server.metrics;

import io.viewkeeper.frontend.RequestListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * What a replica did over the last minutes, for the console: requests answered and their p99 latency per second
 * (the last {@link #SECONDS_KEPT} seconds), and its recent view changes, status changes and checkpoints (the last
 * {@link #EVENTS_KEPT}). Requests and events are recorded on the replica thread; readers may call from any thread
 * (every method holds this object's lock, uncontended on the hot path).
 */
public final class RecentActivity implements RequestListener {
    public static final int SECONDS_KEPT = 300;
    public static final int EVENTS_KEPT = 100;
    private static final long LATENCY_MAX_NANOS = 60_000_000_000L;

    /** One second: its start (epoch ms), requests answered in it, and their p99 latency in ms (0 without any). */
    public record Second(long startMs, long requests, double p99Ms) {
    }

    /** Something that changed the replica's standing: {@code kind} is status, checkpoint or installed. */
    public record Event(long atMs, String kind, String detail) {
    }

    private final LongSupplier clockMs;
    private final Histogram current = new Histogram(1_000, LATENCY_MAX_NANOS, 2);
    private final ArrayDeque<Second> seconds = new ArrayDeque<>();
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long currentSecond;
    private long currentCount;

    public RecentActivity(LongSupplier clockMs) {
        this.clockMs = clockMs;
        this.currentSecond = clockMs.getAsLong() / 1000;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public synchronized void onAnswered(int opCode, long latencyNanos, int errorCode) {
        roll(clockMs.getAsLong() / 1000);
        currentCount++;
        current.recordValue(Math.min(LATENCY_MAX_NANOS, Math.max(1_000, latencyNanos)));
    }

    /** Records an event; the oldest is dropped beyond {@link #EVENTS_KEPT}. */
    public synchronized void event(String kind, String detail) {
        events.addLast(new Event(clockMs.getAsLong(), kind, detail));
        while (events.size() > EVENTS_KEPT) {
            events.removeFirst();
        }
    }

    /** The completed seconds, oldest first (a second without requests is there with zeros). */
    public synchronized List<Second> seconds() {
        roll(clockMs.getAsLong() / 1000);
        return new ArrayList<>(seconds);
    }

    /** The kept events, oldest first. */
    public synchronized List<Event> events() {
        return new ArrayList<>(events);
    }

    /** Closes the seconds before {@code second}; a gap longer than the window is not filled second by second. */
    private void roll(long second) {
        if (second <= currentSecond) {
            return;
        }
        double p99 = currentCount == 0 ? 0 : current.getValueAtPercentile(99.0) / 1e6;
        add(new Second(currentSecond * 1000, currentCount, p99));
        long from = Math.max(currentSecond + 1, second - SECONDS_KEPT);
        for (long s = from; s < second; s++) {
            add(new Second(s * 1000, 0, 0));
        }
        current.reset();
        currentCount = 0;
        currentSecond = second;
    }

    private void add(Second s) {
        seconds.addLast(s);
        while (seconds.size() > SECONDS_KEPT) {
            seconds.removeFirst();
        }
    }
}
