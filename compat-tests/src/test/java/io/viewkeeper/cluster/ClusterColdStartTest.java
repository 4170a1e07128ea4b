package io.viewkeeper.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.viewkeeper.cluster.ClusterProcesses.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.PathChildrenCache;
import org.apache.curator.framework.recipes.cache.PathChildrenCacheEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients started before any server: Curator with a 1 s session and a 1 s connection timeout over three servers
 * (each attempt gets a third of a second) and a PathChildrenCache, started while every server is down; then the
 * whole group starts on empty directories. The client must reach CONNECTED and the cache must work, as against a
 * ZooKeeper ensemble started the same way.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterColdStartTest {
    private static final Duration CONNECTED_WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "tickTime {0} ms")
    @ValueSource(ints = {500, 2000})
    void shouldConnectClientStartedBeforeAnyServerWhenGroupStartsEmpty(int tickTimeMs) throws Exception {
        Settings settings = Settings.of(3);
        settings = new Settings(3, false, tickTimeMs, settings.reads(), settings.extraConfig());
        try (ClusterProcesses cluster = ClusterProcesses.prepare(settings, dir.resolve("tick-" + tickTimeMs))) {
            List<ConnectionState> states = new CopyOnWriteArrayList<>();
            List<PathChildrenCacheEvent.Type> events = new CopyOnWriteArrayList<>();
            try (CuratorFramework client = CuratorFrameworkFactory.newClient(cluster.connectString(), 1000, 1000,
                    new RetryOneTime(1));
                    PathChildrenCache cache = new PathChildrenCache(client, "/cold", true)) {
                client.getConnectionStateListenable().addListener((c, state) -> states.add(state));
                cache.getListenable().addListener((c, event) -> events.add(event.getType()));
                client.start();
                cache.start();

                cluster.startAll();
                long started = System.nanoTime();
                await("CONNECTED after the group started").atMost(CONNECTED_WITHIN)
                        .pollInterval(Duration.ofMillis(50)).until(() -> states.contains(ConnectionState.CONNECTED));
                System.out.println("client connected " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                        + " ms after every replica answered srvr");
                client.create().creatingParentsIfNeeded().forPath("/cold/child");
                await("the cache sees the child").atMost(CONNECTED_WITHIN)
                        .until(() -> events.contains(PathChildrenCacheEvent.Type.CHILD_ADDED));
                assertThat(cache.getCurrentData()).hasSize(1);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + "\n" + cluster.logTails(40), e);
            }
        }
    }
}
