package io.viewkeeper.compat;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/**
 * A watcher that records every event it is given, in delivery order. Node events are read with {@link #drain},
 * which first makes a round trip on the watching client: the server writes notifications before later replies
 * and the client delivers watch events and callbacks on one thread in arrival order, so once the round trip's
 * callback has run every notification the server had sent before it has been recorded. No sleeping.
 */
public final class EventLog implements Watcher {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final List<WatchedEvent> events = new ArrayList<>();
    private int drained;

    @Override
    public synchronized void process(WatchedEvent event) {
        events.add(event);
    }

    /** Every event so far, node and session events, as {@code "Type path"} or {@code "None State"}. */
    public synchronized List<String> all() {
        return events.stream().map(EventLog::describe).toList();
    }

    public synchronized List<WatchedEvent> raw() {
        return List.copyOf(events);
    }

    /** The session states seen so far, in order. */
    public synchronized List<KeeperState> states() {
        return events.stream().filter(e -> e.getType() == EventType.None).map(WatchedEvent::getState).toList();
    }

    /** Waits until the session state {@code state} has been reported at least {@code count} times in all. */
    public void awaitState(KeeperState state, int count) {
        await("state " + state + " x" + count).atMost(TIMEOUT)
                .until(() -> states().stream().filter(s -> s == state).count() >= count);
    }

    public void awaitState(KeeperState state) {
        awaitState(state, 1);
    }

    /** Waits (bounded) until a node event equal to {@code expected} ("NodeDeleted /x") has been recorded. */
    public void awaitNodeEvent(String expected) {
        await("event " + expected).atMost(TIMEOUT).until(() -> nodeEventsSoFar().contains(expected));
    }

    /** Node events recorded so far, without a round trip. */
    public synchronized List<String> nodeEventsSoFar() {
        return events.stream().filter(e -> e.getType() != EventType.None).map(EventLog::describe).toList();
    }

    /**
     * The node events recorded since the last drain, after a round trip on {@code zk} (the client this watcher is
     * registered with) has made sure every notification sent before it has arrived.
     */
    public List<String> drain(ZooKeeper zk) {
        return drainRaw(zk).stream().map(EventLog::describe).toList();
    }

    public List<WatchedEvent> drainRaw(ZooKeeper zk) {
        roundTrip(zk);
        synchronized (this) {
            List<WatchedEvent> fresh = new ArrayList<>();
            for (int i = drained; i < events.size(); i++) {
                if (events.get(i).getType() != EventType.None) {
                    fresh.add(events.get(i));
                }
            }
            drained = events.size();
            return fresh;
        }
    }

    /** An asynchronous sync whose callback runs on the event thread after every event that arrived before it. */
    static void roundTrip(ZooKeeper zk) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        zk.sync("/", (rc, path, ctx) -> done.complete(rc), null);
        try {
            int rc = done.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (rc != 0) {
                throw new AssertionError("sync during an event round trip failed with rc " + rc);
            }
        } catch (Exception e) {
            throw new AssertionError("no reply to a sync within " + TIMEOUT, e);
        }
    }

    static String describe(WatchedEvent e) {
        return e.getType() == EventType.None ? "None " + e.getState() : e.getType() + " " + e.getPath();
    }
}
