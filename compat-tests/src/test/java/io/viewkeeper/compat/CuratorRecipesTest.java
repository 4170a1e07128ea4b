package io.viewkeeper.compat;

import static io.viewkeeper.compat.Zk.bytes;
import static io.viewkeeper.compat.Zk.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.NodeCache;
import org.apache.curator.framework.recipes.cache.PathChildrenCache;
import org.apache.curator.framework.recipes.cache.TreeCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.recipes.nodes.PersistentTtlNode;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Apache Curator 5.x recipes against the server; every condition is awaited with a bound. */
class CuratorRecipesTest extends CompatTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private ExecutorService pool;

    @BeforeEach
    void startPool() {
        pool = Executors.newFixedThreadPool(6);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).as("worker threads stopped").isTrue();
    }

    @Test
    void shouldGiveInterProcessMutexToOneClientAtATime() throws Exception {
        int clients = 4;
        int rounds = 15;
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxHolders = new AtomicInteger();
        AtomicInteger counter = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            CuratorFramework c = curator();
            InterProcessMutex mutex = new InterProcessMutex(c, "/locks/mutex");
            workers.add(pool.submit(() -> {
                for (int r = 0; r < rounds; r++) {
                    if (!mutex.acquire(20, TimeUnit.SECONDS)) {
                        throw new AssertionError("lock not acquired within 20 s");
                    }
                    try {
                        maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                        int seen = counter.get();
                        // a read-modify-write with a server round trip in between: lost updates show a broken lock
                        c.checkExists().forPath("/locks/mutex");
                        counter.set(seen + 1);
                        holders.decrementAndGet();
                    } finally {
                        mutex.release();
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get(90, TimeUnit.SECONDS);
        }
        assertThat(maxHolders.get()).as("holders at the same time").isEqualTo(1);
        assertThat(counter.get()).isEqualTo(clients * rounds);
        assertThat(curator().getChildren().forPath("/locks/mutex")).as("lock nodes cleaned up").isEmpty();
    }

    @Test
    void shouldElectExactlyOneLeaderLatchAndMoveLeadershipOnClose() throws Exception {
        List<LeaderLatch> latches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LeaderLatch latch = closeAfterTest(new LeaderLatch(curator(), "/election/latch", "p" + i));
            latch.start();
            latches.add(latch);
        }
        await().atMost(WAIT).until(() -> leaders(latches).size() == 1);
        LeaderLatch first = leaders(latches).get(0);
        assertThat(latches.get(0).getLeader().getId()).isEqualTo(first.getId());
        assertThat(first.getParticipants()).hasSize(3);
        first.close();
        latches.remove(first);
        await().atMost(WAIT).until(() -> leaders(latches).size() == 1);
        LeaderLatch second = leaders(latches).get(0);
        assertThat(second.getId()).isNotEqualTo(first.getId());
        await().atMost(WAIT).until(() -> second.getParticipants().size() == 2);
    }

    private static List<LeaderLatch> leaders(List<LeaderLatch> latches) {
        return latches.stream().filter(LeaderLatch::hasLeadership).toList();
    }

    @Test
    void shouldRunOneLeaderSelectorAtATimeAndMoveOnClose() throws Exception {
        AtomicInteger leading = new AtomicInteger();
        AtomicInteger maxLeading = new AtomicInteger();
        List<String> terms = new CopyOnWriteArrayList<>();
        List<CountDownLatch> release = new ArrayList<>();
        List<CuratorFramework> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "s" + i;
            CountDownLatch done = new CountDownLatch(1);
            release.add(done);
            CuratorFramework c = curator();
            clients.add(c);
            LeaderSelector selector = closeAfterTest(new LeaderSelector(c, "/election/selector",
                    new LeaderSelectorListenerAdapter() {
                        @Override
                        public void takeLeadership(CuratorFramework client) throws Exception {
                            maxLeading.accumulateAndGet(leading.incrementAndGet(), Math::max);
                            terms.add(id);
                            try {
                                done.await(60, TimeUnit.SECONDS);
                            } finally {
                                leading.decrementAndGet();
                            }
                        }
                    }));
            selector.setId(id);
            selector.start();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(terms).hasSize(1));
        String first = terms.get(0);
        assertThat(maxLeading.get()).isEqualTo(1);
        // closing the leader's client ends its session (its lock node goes); another selector takes over. The old
        // leader's thread is a local matter of the closed process, so it is let go here.
        clients.get(Integer.parseInt(first.substring(1))).close();
        release.get(Integer.parseInt(first.substring(1))).countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThat(terms).hasSize(2));
        assertThat(terms.get(1)).isNotEqualTo(first);
        await().atMost(WAIT).until(() -> leading.get() == 1);
        maxLeading.set(1);
        // a normal handover: the second leader returns and the last one takes over, never two at once
        release.get(Integer.parseInt(terms.get(1).substring(1))).countDown();
        await().atMost(WAIT).untilAsserted(() -> assertThat(terms).hasSize(3));
        assertThat(terms).doesNotHaveDuplicates();
        assertThat(maxLeading.get()).isEqualTo(1);
        release.forEach(CountDownLatch::countDown);
    }

    @Test
    void shouldMirrorTheTreeInCuratorCache() throws Exception {
        CuratorFramework c = curator();
        List<String> events = new CopyOnWriteArrayList<>();
        CuratorCache cache = closeAfterTest(CuratorCache.build(c, "/cc"));
        CountDownLatch initialized = new CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(n -> events.add("created " + n.getPath() + " " + text(n.getData())))
                .forChanges((o, n) -> events.add("changed " + n.getPath() + " " + text(n.getData())))
                .forDeletes(n -> events.add("deleted " + n.getPath()))
                .forInitialized(initialized::countDown)
                .build());
        c.create().forPath("/cc", bytes("root"));
        cache.start();
        awaitLatch(initialized, "cache initialized");
        c.create().forPath("/cc/a", bytes("1"));
        c.create().forPath("/cc/a/b", bytes("2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(3));
        // the cache reads the data back after a change event but drops a deleted node at once, so each step is
        // awaited before the next to keep the listener's order independent of timing
        c.setData().forPath("/cc/a", bytes("3"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(4));
        c.delete().forPath("/cc/a/b");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(5));
        assertThat(events).containsExactly("created /cc root", "created /cc/a 1", "created /cc/a/b 2",
                "changed /cc/a 3", "deleted /cc/a/b");
        assertThat(cache.get("/cc/a")).map(ChildData::getData).map(Zk::text).contains("3");
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void shouldDeliverRecursiveEventsToPersistentWatcher() throws Exception {
        CuratorFramework c = curator();
        List<String> events = new CopyOnWriteArrayList<>();
        PersistentWatcher watcher = closeAfterTest(new PersistentWatcher(c, "/pwr", true));
        watcher.getListenable().addListener(e -> events.add(e.getType() + " " + e.getPath()));
        CountDownLatch registered = new CountDownLatch(1);
        watcher.getResetListenable().addListener(registered::countDown);
        watcher.start();
        awaitLatch(registered, "addWatch answered");
        c.create().creatingParentsIfNeeded().forPath("/pwr/x/y", bytes("v"));
        c.setData().forPath("/pwr/x/y", bytes("w"));
        c.delete().deletingChildrenIfNeeded().forPath("/pwr");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(7));
        assertThat(events).containsExactly("NodeCreated /pwr", "NodeCreated /pwr/x", "NodeCreated /pwr/x/y",
                "NodeDataChanged /pwr/x/y", "NodeDeleted /pwr/x/y", "NodeDeleted /pwr/x", "NodeDeleted /pwr");
    }

    @Test
    @SuppressWarnings("deprecation")
    void shouldFollowOneNodeWithNodeCache() throws Exception {
        CuratorFramework c = curator();
        NodeCache cache = closeAfterTest(new NodeCache(c, "/ncache"));
        List<String> seen = new CopyOnWriteArrayList<>();
        cache.getListenable().addListener(() -> {
            ChildData d = cache.getCurrentData();
            seen.add(d == null ? "gone" : text(d.getData()));
        });
        cache.start(true);
        assertThat(cache.getCurrentData()).isNull();
        c.create().forPath("/ncache", bytes("a"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).contains("a"));
        c.setData().forPath("/ncache", bytes("b"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).contains("b"));
        c.delete().forPath("/ncache");
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).contains("gone"));
        assertThat(seen).containsExactly("a", "b", "gone");
    }

    @Test
    @SuppressWarnings("deprecation")
    void shouldReportChildEventsFromPathChildrenCache() throws Exception {
        CuratorFramework c = curator();
        c.create().forPath("/pcc");
        c.create().forPath("/pcc/early", bytes("0"));
        PathChildrenCache cache = closeAfterTest(new PathChildrenCache(c, "/pcc", true));
        List<String> events = new CopyOnWriteArrayList<>();
        cache.getListenable().addListener((cl, e) -> {
            if (e.getData() != null) {
                events.add(e.getType() + " " + e.getData().getPath() + " " + text(e.getData().getData()));
            } else {
                events.add(e.getType().toString());
            }
        });
        cache.start(PathChildrenCache.StartMode.POST_INITIALIZED_EVENT);
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).contains("INITIALIZED"));
        c.create().forPath("/pcc/a", bytes("1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(3));
        c.setData().forPath("/pcc/a", bytes("2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(4));
        c.delete().forPath("/pcc/early");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(5));
        assertThat(events).containsExactly("CHILD_ADDED /pcc/early 0", "INITIALIZED", "CHILD_ADDED /pcc/a 1",
                "CHILD_UPDATED /pcc/a 2", "CHILD_REMOVED /pcc/early 0");
        assertThat(cache.getCurrentData()).extracting(ChildData::getPath).containsExactly("/pcc/a");
    }

    @Test
    void shouldWatchDeepNodesWithTreeCache() throws Exception {
        CuratorFramework c = curator();
        c.create().creatingParentsIfNeeded().forPath("/tc/x/y", bytes("y"));
        TreeCache cache = closeAfterTest(TreeCache.newBuilder(c, "/tc").build());
        List<String> events = new CopyOnWriteArrayList<>();
        cache.getListenable().addListener((cl, e) -> events.add(e.getType()
                + (e.getData() == null ? "" : " " + e.getData().getPath())));
        cache.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).contains("INITIALIZED"));
        assertThat(events).containsExactlyInAnyOrder("NODE_ADDED /tc", "NODE_ADDED /tc/x", "NODE_ADDED /tc/x/y",
                "INITIALIZED");
        events.clear();
        c.create().forPath("/tc/x/y/z", bytes("z"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(1));
        c.setData().forPath("/tc/x", bytes("x2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(2));
        c.delete().forPath("/tc/x/y/z");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(3));
        assertThat(events).containsExactly("NODE_ADDED /tc/x/y/z", "NODE_UPDATED /tc/x", "NODE_REMOVED /tc/x/y/z");
        assertThat(text(cache.getCurrentData("/tc/x").getData())).isEqualTo("x2");
        assertThat(cache.getCurrentChildren("/tc").keySet()).containsExactly("x");
    }

    @Test
    void shouldHoldWaitersAtADistributedBarrierUntilRemoved() throws Exception {
        DistributedBarrier setter = new DistributedBarrier(curator(), "/barrier/simple");
        setter.setBarrier();
        DistributedBarrier waiter = new DistributedBarrier(curator(), "/barrier/simple");
        CountDownLatch waiting = new CountDownLatch(1);
        Future<Boolean> passed = pool.submit(() -> {
            waiting.countDown();
            return waiter.waitOnBarrier(30, TimeUnit.SECONDS);
        });
        awaitLatch(waiting, "waiter started");
        assertThat(passed.isDone()).isFalse();
        setter.removeBarrier();
        assertThat(passed.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(waiter.waitOnBarrier(1, TimeUnit.SECONDS)).as("no barrier left").isTrue();
    }

    @Test
    void shouldReleaseDoubleBarrierMembersTogether() throws Exception {
        int members = 3;
        List<Future<Boolean>> results = new ArrayList<>();
        AtomicInteger entered = new AtomicInteger();
        for (int i = 0; i < members; i++) {
            DistributedDoubleBarrier barrier = new DistributedDoubleBarrier(curator(), "/barrier/double", members);
            results.add(pool.submit(() -> {
                boolean in = barrier.enter(30, TimeUnit.SECONDS);
                if (in) {
                    entered.incrementAndGet();
                }
                return in && barrier.leave(30, TimeUnit.SECONDS);
            }));
        }
        for (Future<Boolean> r : results) {
            assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(entered.get()).isEqualTo(members);
        DistributedDoubleBarrier lonely = new DistributedDoubleBarrier(curator(), "/barrier/lonely", 2);
        assertThat(lonely.enter(500, TimeUnit.MILLISECONDS)).as("one member cannot enter alone").isFalse();
    }

    @Test
    void shouldDeliverQueuedItemsInOrder() throws Exception {
        List<String> consumed = new CopyOnWriteArrayList<>();
        QueueSerializer<String> serializer = new QueueSerializer<>() {
            @Override
            public byte[] serialize(String item) {
                return bytes(item);
            }

            @Override
            public String deserialize(byte[] data) {
                return text(data);
            }
        };
        QueueConsumer<String> consumer = new QueueConsumer<>() {
            @Override
            public void consumeMessage(String message) {
                consumed.add(message);
            }

            @Override
            public void stateChanged(CuratorFramework client, ConnectionState newState) {
                // nothing to do on state changes in this test
            }
        };
        DistributedQueue<String> producer = closeAfterTest(
                QueueBuilder.builder(curator(), null, serializer, "/queue").buildQueue());
        producer.start();
        for (int i = 0; i < 10; i++) {
            producer.put("item-" + i);
        }
        DistributedQueue<String> queue = closeAfterTest(
                QueueBuilder.builder(curator(), consumer, serializer, "/queue").buildQueue());
        queue.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(consumed).hasSize(10));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("item-" + i);
        }
        assertThat(consumed).isEqualTo(expected);
        CuratorFramework observer = curator();
        await().atMost(WAIT).until(() -> observer.getChildren().forPath("/queue").isEmpty());
    }

    @Test
    void shouldShareACountWithVersionChecks() throws Exception {
        SharedCount a = closeAfterTest(new SharedCount(curator(), "/shared/count", 5));
        SharedCount b = closeAfterTest(new SharedCount(curator(), "/shared/count", 99));
        List<Integer> seenByB = new CopyOnWriteArrayList<>();
        a.start();
        b.start();
        b.addListener(new org.apache.curator.framework.recipes.shared.SharedCountListener() {
            @Override
            public void countHasChanged(org.apache.curator.framework.recipes.shared.SharedCountReader reader,
                    int newCount) {
                seenByB.add(newCount);
            }

            @Override
            public void stateChanged(CuratorFramework client, ConnectionState newState) {
                // not used
            }
        });
        assertThat(b.getCount()).as("the first to create the node sets the seed").isEqualTo(5);
        VersionedValue<Integer> v = a.getVersionedValue();
        assertThat(a.trySetCount(v, 6)).isTrue();
        assertThat(a.trySetCount(v, 7)).as("stale version refused").isFalse();
        await().atMost(WAIT).until(() -> b.getCount() == 6);
        assertThat(seenByB).contains(6);
        assertThat(b.trySetCount(b.getVersionedValue(), 8)).isTrue();
        await().atMost(WAIT).until(() -> a.getCount() == 8);
    }

    @Test
    void shouldIncrementDistributedAtomicLongWithoutLosingUpdates() throws Exception {
        int clients = 4;
        int increments = 15;
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            DistributedAtomicLong counter = new DistributedAtomicLong(curator(), "/atomic/long", new RetryNTimes(200, 1));
            workers.add(pool.submit(() -> {
                for (int n = 0; n < increments; n++) {
                    AtomicValue<Long> r = counter.increment();
                    if (!r.succeeded()) {
                        throw new AssertionError("increment did not succeed");
                    }
                    if (r.postValue() != r.preValue() + 1) {
                        throw new AssertionError("increment from " + r.preValue() + " to " + r.postValue());
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get(90, TimeUnit.SECONDS);
        }
        DistributedAtomicLong reader = new DistributedAtomicLong(curator(), "/atomic/long", new RetryNTimes(3, 10));
        assertThat(reader.get().postValue()).isEqualTo((long) clients * increments);
        AtomicValue<Long> cas = reader.compareAndSet(0L, 5L);
        assertThat(cas.succeeded()).isFalse();
    }

    @Test
    void shouldNeverHandOutMoreSemaphoreLeasesThanAllowed() throws Exception {
        int leases = 2;
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger maxHolding = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(curator(), "/semaphore", leases);
            CuratorFramework c = curator();
            workers.add(pool.submit(() -> {
                for (int r = 0; r < 8; r++) {
                    Lease lease = semaphore.acquire(20, TimeUnit.SECONDS);
                    if (lease == null) {
                        throw new AssertionError("no lease within 20 s");
                    }
                    try {
                        maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        c.checkExists().forPath("/semaphore");
                        holding.decrementAndGet();
                    } finally {
                        semaphore.returnLease(lease);
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get(90, TimeUnit.SECONDS);
        }
        assertThat(maxHolding.get()).isBetween(1, leases);
        InterProcessSemaphoreV2 s = new InterProcessSemaphoreV2(curator(), "/semaphore", leases);
        Collection<Lease> two = s.acquire(2, 10, TimeUnit.SECONDS);
        assertThat(two).hasSize(2);
        InterProcessSemaphoreV2 other = new InterProcessSemaphoreV2(curator(), "/semaphore", leases);
        assertThat(other.acquire(300, TimeUnit.MILLISECONDS)).as("all leases taken").isNull();
        s.returnAll(two);
        assertThat(other.acquire(10, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void shouldRecreatePersistentNodeAfterItIsDeleted() throws Exception {
        CuratorFramework owner = curator();
        PersistentNode node = closeAfterTest(new PersistentNode(owner, CreateMode.EPHEMERAL, false, "/pn/member",
                bytes("here")));
        node.start();
        assertThat(node.waitForInitialCreate(20, TimeUnit.SECONDS)).isTrue();
        CuratorFramework other = curator();
        Stat stat = other.checkExists().forPath("/pn/member");
        assertThat(stat.getEphemeralOwner()).isEqualTo(owner.getZookeeperClient().getZooKeeper().getSessionId());
        other.delete().forPath("/pn/member");
        await().atMost(WAIT).until(() -> other.checkExists().forPath("/pn/member") != null);
        assertThat(text(other.getData().forPath("/pn/member"))).isEqualTo("here");
        node.setData(bytes("there"));
        await().atMost(WAIT).until(() -> "there".equals(text(other.getData().forPath("/pn/member"))));
        node.close();
        await().atMost(WAIT).until(() -> other.checkExists().forPath("/pn/member") == null);
    }

    @Test
    void shouldCreatePersistentTtlNodeAsATtlContainer() throws Exception {
        CuratorFramework c = curator();
        // the recipe keeps a container at the path and touches a TTL child every ttl/2
        PersistentTtlNode node = closeAfterTest(new PersistentTtlNode(c, "/ttlnode", 2000, bytes("ttl")));
        node.start();
        assertThat(node.waitForInitialCreate(20, TimeUnit.SECONDS)).isTrue();
        Stat stat = c.checkExists().forPath("/ttlnode");
        assertThat(stat).isNotNull();
        assertThat(stat.getEphemeralOwner()).isZero();
        assertThat(text(c.getData().forPath("/ttlnode"))).isEqualTo("ttl");
        await().atMost(WAIT).until(() -> c.checkExists().forPath("/ttlnode/touch") != null);
        assertThat(c.checkExists().forPath("/ttlnode/touch").getEphemeralOwner()).isZero();
    }

    @Test
    void shouldCommitTransactionsAtomically() throws Exception {
        CuratorFramework c = curator();
        c.create().forPath("/tx", bytes("0"));
        CuratorOp create = c.transactionOp().create().forPath("/tx/a", bytes("a"));
        CuratorOp set = c.transactionOp().setData().forPath("/tx", bytes("1"));
        CuratorOp check = c.transactionOp().check().withVersion(1).forPath("/tx");
        CuratorOp seq = c.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/tx/s-");
        List<CuratorTransactionResult> results = c.transaction().forOperations(create, set, check, seq);
        assertThat(results).extracting(CuratorTransactionResult::getType).containsExactly(OperationType.CREATE,
                OperationType.SET_DATA, OperationType.CHECK, OperationType.CREATE);
        assertThat(results.get(0).getResultPath()).isEqualTo("/tx/a");
        assertThat(results.get(1).getResultStat().getVersion()).isEqualTo(1);
        assertThat(results.get(3).getResultPath()).isEqualTo("/tx/s-0000000001");

        CuratorOp ok = c.transactionOp().create().forPath("/tx/b");
        CuratorOp bad = c.transactionOp().delete().withVersion(9).forPath("/tx/a");
        assertThatThrownBy(() -> c.transaction().forOperations(ok, bad))
                .isInstanceOf(KeeperException.BadVersionException.class);
        assertThat(c.checkExists().forPath("/tx/b")).isNull();
        assertThat(c.getChildren().forPath("/tx")).containsExactlyInAnyOrder("a", "s-0000000001");
    }
}
