package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Curator's InterProcessMutex with clients on every replica contending across a kill -9 of the primary. Inside
 * the lock each holder checks it is alone (a shared holder count) and increments a znode counter with a
 * compare-and-set on the version it read: a second holder shows as a count above one or a version that moved.
 */
class ClusterMutexTest {
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final int CLIENTS = 4;
    private static final String LOCK = "/mutex/lock";
    private static final String COUNTER = "/mutex/counter";

    @TempDir
    Path dir;

    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final AtomicLong sections = new AtomicLong();
    private final AtomicLong acknowledgedIncrements = new AtomicLong();
    private final AtomicLong unknownIncrements = new AtomicLong();
    private final AtomicBoolean sessionLost = new AtomicBoolean();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldNeverHaveTwoHoldersWhenPrimaryIsKilledUnderContention() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(Settings.of(3), dir)) {
            int primary = cluster.awaitLeader(0, Duration.ofSeconds(30));
            List<CuratorFramework> curators = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try {
                for (int c = 0; c < CLIENTS; c++) {
                    CuratorFramework curator = ClusterClients.curator(cluster, c % cluster.size() + 1,
                            SESSION_TIMEOUT_MS);
                    curator.getConnectionStateListenable().addListener((client, state) -> {
                        if (state == ConnectionState.LOST) {
                            sessionLost.set(true);
                        }
                    });
                    curators.add(curator);
                }
                curators.get(0).create().creatingParentsIfNeeded().forPath(COUNTER, encode(0));
                for (int c = 0; c < CLIENTS; c++) {
                    CuratorFramework curator = curators.get(c);
                    Thread t = new Thread(() -> contend(curator), "mutex-client-" + c);
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                }
                awaitSections(30);
                cluster.kill9(primary);
                int next = cluster.awaitLeader(primary, Duration.ofSeconds(30));
                awaitSections(30);
                cluster.restart(primary);
                awaitSections(20);
                running = false;
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
                }
                System.out.println("mutex: " + sections.get() + " critical sections, primary " + primary
                        + " killed, new primary " + next + ", " + unknownIncrements.get()
                        + " increments with unknown outcome");
                assertThat(sessionLost).as("a session expired, which would let two clients hold the lock").isFalse();
                assertThat(violations).as("mutual exclusion violations").isEmpty();
                assertThat(maxHolders.get()).isEqualTo(1);
                long counter = decode(curators.get(0).getData().forPath(COUNTER));
                assertThat(counter).as("counter against the increments made")
                        .isBetween(acknowledgedIncrements.get(), acknowledgedIncrements.get() + unknownIncrements.get());
            } catch (Throwable t) {
                throw new AssertionError(t.getMessage() + "\n" + cluster.logTails(40), t);
            } finally {
                running = false;
                curators.forEach(CuratorFramework::close);
            }
        }
    }

    private void awaitSections(int more) {
        long target = sections.get() + more;
        await(more + " more critical sections").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> sections.get() >= target || !violations.isEmpty());
    }

    private void contend(CuratorFramework curator) {
        InterProcessMutex mutex = new InterProcessMutex(curator, LOCK);
        while (running) {
            try {
                if (!mutex.acquire(20, TimeUnit.SECONDS)) {
                    continue;
                }
                try {
                    criticalSection(curator.getZookeeperClient().getZooKeeper());
                } finally {
                    mutex.release();
                }
            } catch (Exception e) {
                // connection loss while acquiring or releasing: Curator retries; the next round starts over
            }
        }
    }

    private void criticalSection(ZooKeeper zk) throws InterruptedException {
        int now = holders.incrementAndGet();
        maxHolders.accumulateAndGet(now, Math::max);
        try {
            if (now != 1) {
                violations.add(now + " holders at once");
            }
            Stat stat = new Stat();
            long value;
            try {
                value = decode(zk.getData(COUNTER, false, stat));
            } catch (KeeperException e) {
                return; // connection loss before the increment: nothing changed
            }
            try {
                zk.setData(COUNTER, encode(value + 1), stat.getVersion());
                acknowledgedIncrements.incrementAndGet();
            } catch (KeeperException.BadVersionException e) {
                violations.add("the counter moved under the lock holder: read version " + stat.getVersion());
            } catch (KeeperException e) {
                unknownIncrements.incrementAndGet();
            }
            sections.incrementAndGet();
        } finally {
            holders.decrementAndGet();
        }
    }

    private static byte[] encode(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static long decode(byte[] data) {
        return Long.parseLong(new String(data, StandardCharsets.US_ASCII));
    }
}
