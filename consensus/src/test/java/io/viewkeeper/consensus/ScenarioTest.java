package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The classic VR cases, each driven step by step through the {@link Scenario} DSL on a quiet cluster. */
class ScenarioTest {

    /** Where in normal operation (VR Revisited §4.1) the primary crashes. */
    enum Step { REQUEST_ACCEPTED, PREPARE_IN_FLIGHT, PREPARE_OK_IN_FLIGHT, COMMITTED }

    @ParameterizedTest
    @EnumSource(Step.class)
    void shouldKeepAcknowledgedWritesWhenPrimaryCrashesAtEachStep(Step step) {
        for (SimDisk.CrashMode mode : new SimDisk.CrashMode[] {SimDisk.CrashMode.INTACT,
            SimDisk.CrashMode.UNSYNCED_LOST}) {
            Scenario cluster = Scenario.cluster(3);
            int client = cluster.client(0);
            int other = cluster.client(1);
            cluster.write(client, 1);
            cluster.runUntilDone(client);
            cluster.write(client, 2);
            switch (step) {
                case REQUEST_ACCEPTED -> { }
                case PREPARE_IN_FLIGHT -> cluster.runUntilNext(Message.Prepare.class, 1);
                case PREPARE_OK_IN_FLIGHT -> cluster.runUntilNext(Message.PrepareOk.class, 0);
                case COMMITTED -> cluster.runUntilDone(client);
            }
            boolean acknowledged = cluster.simulation().clients().done(client);
            cluster.crash(0, mode);
            cluster.runUntilPrimaryIs(1);
            cluster.write(other, 3);
            cluster.runUntilDone(other);
            cluster.restart(0);
            cluster.finishSafely();
            assertThat(acknowledged).isEqualTo(step == Step.COMMITTED);
            assertThat(cluster.replica(0).commitNumber()).isGreaterThanOrEqualTo(acknowledged ? 3 : 2);
        }
    }

    /**
     * The old primary, cut off in view 0, keeps accepting writes into a long log; view 1 commits a shorter one.
     * When view 2 forms from the old primary and the view-1 replica, the newer view must win (§4.2 step 3).
     */
    @Test
    void shouldPreferNewerViewOverLongerLogWhenViewsNest() {
        assertThat(nestedViewChange(Set.of())).isNull();
    }

    @Test
    void shouldLoseCommittedWritesWhenLongestLogWinsRegardlessOfView() {
        assertThat(nestedViewChange(Set.of(PlantedBug.LONGEST_LOG_WINS))).isNotNull();
    }

    private static Simulation.Failure nestedViewChange(Set<PlantedBug> bugs) {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3), bugs);
        int stale = cluster.client(0);
        int fresh = cluster.client(1);
        return cluster.failureOf(() -> {
            cluster.isolate(0);
            for (int key = 0; key < 4; key++) {
                cluster.write(stale, key);
                cluster.runTicks(1);
            }
            cluster.runUntilPrimaryIs(1);
            cluster.write(fresh, 9);
            cluster.runUntilDone(fresh);
            cluster.crash(1);
            cluster.heal();
            cluster.runUntilPrimaryIs(2);
            cluster.restart(1);
        });
    }

    @Test
    void shouldRecoverWipedReplicaWhileViewChangeIsUnderWay() {
        Scenario cluster = Scenario.cluster(3);
        int client = cluster.client(1);
        cluster.writeKeysInTurn(client, 5);
        cluster.crash(2, SimDisk.CrashMode.WIPED);
        cluster.crash(0);
        cluster.restart(2);
        cluster.runTicks(80);
        assertThat(cluster.replica(2).status()).isEqualTo(Replica.Status.RECOVERING);
        cluster.restart(0);
        cluster.runUntilAllNormal();
        cluster.finishSafely();
        assertThat(cluster.replica(2).status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(cluster.replica(2).commitNumber()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void shouldCatchUpLaggingReplicaByStateTransfer() {
        Scenario cluster = Scenario.cluster(3);
        int client = cluster.client(0);
        cluster.drop(Message.Prepare.class, 2);
        for (int key = 0; key < 12; key++) {
            cluster.write(client, key % 3);
            cluster.runUntilDone(client);
        }
        cluster.runTicks(20);
        assertThat(cluster.simulation().delivered(Message.Prepare.class)).isPositive();
        assertThat(cluster.simulation().delivered(Message.NewState.class)).isPositive();
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(0).commitNumber()).isEqualTo(12);
        cluster.heal();
        cluster.finishSafely();
    }

    @Test
    void shouldCatchUpReplicaBehindReleasedLogByCheckpoint() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withCheckpoints(4, 8), Set.of());
        int client = cluster.client(0);
        cluster.crash(2);
        for (int key = 0; key < 40; key++) {
            cluster.write(client, key % 5);
            cluster.runUntilDone(client);
        }
        assertThat(cluster.replica(0).logStartOp()).isGreaterThan(0);
        cluster.restart(2);
        cluster.finishSafely();
        assertThat(cluster.simulation().checkpointTransfers()).isPositive();
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(0).commitNumber());
    }

    /**
     * A replica restarted from its disk knows only its checkpoint as committed. When the group changed view while
     * it was down, it catches up with the new view from the log it holds, which the new primary recognises by its
     * hash chain: the entries after it are enough, no checkpoint travels.
     */
    @Test
    void shouldCatchUpRestartedReplicaFromItsHeldLogWhenGroupChangedViewMeanwhile() {
        Scenario cluster = restartedAfterViewChangeWithoutIt(1000, 4);
        assertThat(cluster.replica(0).logStartOp()).as("log released up to the crashed replica's last op")
                .isEqualTo(20);
        assertThat(cluster.replica(2).commitNumber()).as("committed as far as the restarted one knows").isEqualTo(16);
        awaitCaughtUpWithView(cluster);
        assertThat(cluster.simulation().checkpointTransfers()).as("checkpoints fetched").isZero();
        cluster.finishSafely();
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(1).commitNumber());
    }

    @Test
    void shouldCatchUpRestartedReplicaByCheckpointWhenGroupChangedViewAndReleasedItsLog() {
        Scenario cluster = restartedAfterViewChangeWithoutIt(8, 20);
        assertThat(cluster.replica(0).logStartOp()).as("log released above the crashed replica's log")
                .isGreaterThan(20);
        awaitCaughtUpWithView(cluster);
        assertThat(cluster.simulation().checkpointTransfers()).as("checkpoints fetched").isPositive();
        cluster.finishSafely();
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(1).commitNumber());
    }

    /**
     * Checkpoints every 8 ops; 20 writes reach all three replicas; replica 2 crashes; {@code writesAfter} more are
     * committed and the group moves to view 1 without it; then replica 2 restarts from its disk. A lagging replica
     * pins the log unless it lags by more than {@code retainedOpsMax}.
     */
    private static Scenario restartedAfterViewChangeWithoutIt(int retainedOpsMax, int writesAfter) {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withCheckpoints(8, retainedOpsMax), Set.of());
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 20);
        cluster.runUntil(() -> cluster.replica(2).commitNumber() == 20);
        cluster.crash(2);
        cluster.writeKeysInTurn(client, writesAfter);
        assertThat(cluster.replica(0).requestViewChange()).isTrue();
        cluster.runUntilPrimaryIs(1);
        cluster.restart(2);
        return cluster;
    }

    private static void awaitCaughtUpWithView(Scenario cluster) {
        cluster.runUntil(() -> cluster.replica(2).status() == Replica.Status.NORMAL
                && cluster.replica(2).view() == cluster.replica(1).view());
    }

    @Test
    void shouldSendCheckpointInBoundedChunksWhenReplicaIsBehindReleasedLog() {
        Transfer transfer = transferToLaggingReplica(Simulation.Basis.NONE);

        assertThat(transfer.offered().bytes()).isEqualTo(8 + 16 * 40);
        assertThat(transfer.chunks()).allSatisfy(chunk -> assertThat(chunk.data().length)
                .isLessThanOrEqualTo(Simulation.SIM_CHUNK_BYTES));
        assertThat(transfer.fetched()).isGreaterThanOrEqualTo(transfer.offered().bytes());
    }

    @Test
    void shouldFetchOnlyTheBytesItDoesNotHoldOfAnOfferedCheckpoint() {
        Transfer transfer = transferToLaggingReplica(Simulation.Basis.WHOLE);

        int offered = transfer.offered().bytes();
        assertThat(transfer.bytesHeld()).as("bytes held of %d", offered).isPositive();
        // what is not held, and at most the first window, asked for before the driver named what it holds
        assertThat((long) transfer.fetched()).as("bytes fetched of %d, %d held", offered, transfer.bytesHeld())
                .isLessThanOrEqualTo(offered - transfer.bytesHeld()
                        + Simulation.SIM_CHUNK_BYTES * Simulation.SIM_CHUNK_WINDOW);
    }

    @Test
    void shouldFetchTheWholeCheckpointAgainWhenAHeldPartIsWrong() {
        Transfer transfer = transferToLaggingReplica(Simulation.Basis.WRONG);

        assertThat(transfer.fetched()).as("bytes fetched of %d", transfer.offered().bytes())
                .isGreaterThanOrEqualTo(transfer.offered().bytes());
    }

    /** The chunks a lagging replica was sent, and the bytes its driver said it held. */
    private record Transfer(List<Message.CheckpointChunk> chunks, long bytesHeld) {
        CheckpointRef offered() {
            return chunks.get(0).checkpoint();
        }

        /** Bytes sent of the first checkpoint offered. */
        int fetched() {
            return chunks.stream().filter(chunk -> chunk.checkpoint().equals(offered()))
                    .mapToInt(chunk -> chunk.data().length).sum();
        }
    }

    /** Replica 2 misses 40 writes while the others release their log, and catches up by a checkpoint. */
    private static Transfer transferToLaggingReplica(Simulation.Basis basis) {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withCheckpoints(4, 8), Set.of());
        cluster.simulation().basis = basis;
        List<Message.CheckpointChunk> chunks = new ArrayList<>();
        cluster.simulation().dropWhere(deliver -> {
            if (deliver.message() instanceof Message.CheckpointChunk chunk && deliver.to() == 2) {
                chunks.add(chunk);
            }
            return false;
        });
        int client = cluster.client(0);
        cluster.crash(2);
        cluster.writeKeysInTurn(client, 40);
        cluster.restart(2);
        cluster.runUntilAllNormal();
        cluster.runTicks(100);

        assertThat(chunks).isNotEmpty();
        assertThat(cluster.replica(2).latestCheckpoint().op()).isGreaterThanOrEqualTo(chunks.get(0).checkpoint().op());
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(0).commitNumber());
        cluster.finishSafely();
        return new Transfer(chunks, cluster.simulation().bytesHeld);
    }

    @Test
    void shouldResumeCheckpointTransferWhereItStoppedWhenChunksStopComing() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3).withCheckpoints(4, 8), Set.of());
        cluster.simulation().basis = Simulation.Basis.NONE;
        List<Message.CheckpointRequest> requests = new ArrayList<>();
        int[] chunksSent = {0};
        boolean[] cut = {false};
        cluster.simulation().dropWhere(deliver -> {
            if (deliver.message() instanceof Message.CheckpointRequest request) {
                requests.add(request);
            }
            if (deliver.message() instanceof Message.CheckpointChunk && deliver.to() == 2) {
                chunksSent[0]++;
                return cut[0];
            }
            return false;
        });
        int client = cluster.client(0);
        cluster.crash(2);
        cluster.writeKeysInTurn(client, 40);
        cluster.restart(2);
        cluster.simulation().runUntil(() -> chunksSent[0] >= 12, 2000);
        cut[0] = true;
        cluster.runTicks(60);
        int requestsBeforeResume = requests.size();
        cut[0] = false;
        cluster.runUntilAllNormal();
        cluster.runTicks(100);

        List<Message.CheckpointRequest> afterCut = requests.subList(requestsBeforeResume, requests.size());
        assertThat(afterCut).isNotEmpty();
        assertThat(afterCut).allSatisfy(request -> assertThat(request.offset()).isGreaterThan(0));
        assertThat(cluster.replica(2).commitNumber()).isEqualTo(cluster.replica(0).commitNumber());
        cluster.finishSafely();
    }

    @Test
    void shouldNeverAnswerReadAtDeposedPartitionedPrimary() {
        Scenario cluster = Scenario.cluster(3);
        int deposed = cluster.client(0);
        int writer = cluster.client(1);
        cluster.write(writer, 7);
        cluster.runUntilDone(writer);
        cluster.isolate(0);
        cluster.runUntilPrimaryIs(1);
        cluster.write(writer, 7);
        cluster.runUntilDone(writer);
        cluster.read(deposed, 7);
        cluster.runTicks(30);
        assertThat(cluster.simulation().clients().done(deposed)).isFalse();
        cluster.heal();
        cluster.finishSafely();
    }

    @Test
    void shouldServeBackupReadAfterApplyingReadIndexFromPrimary() {
        Scenario cluster = Scenario.cluster(3);
        int writer = cluster.client(0);
        int reader = cluster.client(2);
        cluster.write(writer, 4);
        cluster.runUntilDone(writer);
        cluster.read(reader, 4);
        cluster.runUntilDone(reader);
        assertThat(cluster.simulation().delivered(Message.ReadIndexRequest.class)).isEqualTo(1);
        assertThat(cluster.simulation().delivered(Message.ReadIndexResponse.class)).isEqualTo(1);
        assertThat(cluster.simulation().clients().answeredReads()).isEqualTo(1);
        cluster.finishSafely();
    }

    /**
     * A read at a backup whose read-index request the primary never answered: the primary crashes and that backup
     * becomes the primary. Nobody else will answer the request, so the new primary must confirm the read itself.
     */
    @Test
    void shouldServeBackupReadWhenItsReplicaBecomesPrimaryBeforeReadIndexArrives() {
        Scenario cluster = Scenario.cluster(3);
        int writer = cluster.client(1);
        int reader = cluster.client(1);
        cluster.write(writer, 4);
        cluster.runUntilDone(writer);
        cluster.drop(Message.ReadIndexRequest.class, 0);
        cluster.read(reader, 4);
        cluster.runTicks(2);
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        cluster.runUntil(() -> cluster.simulation().clients().done(reader));
        assertThat(cluster.simulation().clients().answeredReads()).as("reads answered").isEqualTo(1);
        cluster.heal();
        cluster.restart(0);
        cluster.finishSafely();
    }

    @Test
    void shouldServeStaleReadWhenPrimaryReadsLocally() {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3), Set.of(PlantedBug.READ_WITHOUT_CONFIRMATION));
        int deposed = cluster.client(0);
        int writer = cluster.client(1);
        Simulation.Failure failure = cluster.failureOf(() -> {
            cluster.isolate(0);
            cluster.runUntilPrimaryIs(1);
            cluster.write(writer, 7);
            cluster.runUntilDone(writer);
            cluster.read(deposed, 7);
            cluster.runTicks(30);
        });
        assertThat(failure).isNotNull();
        assertThat(failure.kind()).isIn("stale-read", "linearizability");
    }

    @Test
    void shouldExecuteDuplicateRequestOnceAcrossViewChange() {
        assertThat(retryAcrossViewChange(Set.of())).isNull();
    }

    @Test
    void shouldExecuteRetryTwiceWhenClientTableIsIgnored() {
        Simulation.Failure failure = retryAcrossViewChange(Set.of(PlantedBug.IGNORE_CLIENT_TABLE));
        assertThat(failure).isNotNull();
        assertThat(failure.kind()).isEqualTo("duplicate-execution");
    }

    /** The primary crashes with the request prepared but unanswered; the client re-sends it in the new view. */
    private static Simulation.Failure retryAcrossViewChange(Set<PlantedBug> bugs) {
        Scenario cluster = Scenario.cluster(SimSettings.quiet(3), bugs);
        int client = cluster.client(0);
        return cluster.failureOf(() -> {
            cluster.write(client, 3);
            cluster.runUntilNext(Message.PrepareOk.class, 0);
            cluster.crash(0);
            cluster.runUntilPrimaryIs(1);
            cluster.runUntilDone(client);
            assertThat(cluster.simulation().clients().acknowledgedWrites()).isEqualTo(1);
            cluster.restart(0);
        });
    }

    private static Scenario pristineCluster(int replicaCount) {
        return Scenario.cluster(SimSettings.quiet(replicaCount).withPristineStart(), Set.of());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 5})
    void shouldStartGroupAndCommitWhenEveryReplicaStartsPristine(int replicaCount) {
        Scenario cluster = pristineCluster(replicaCount);
        assertThat(cluster.replica(0).isPristine()).isTrue();
        int client = cluster.client(replicaCount - 1);
        cluster.runUntilAllNormal();
        cluster.writeKeysInTurn(client, 4);
        cluster.finishSafely();
        for (int i = 0; i < replicaCount; i++) {
            assertThat(cluster.replica(i).view()).isZero();
            assertThat(cluster.replica(i).commitNumber()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void shouldNotStartGroupWhileOnePristineReplicaIsUnreachable() {
        Scenario cluster = pristineCluster(3);
        cluster.isolate(2);
        cluster.runTicks(300);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.replica(i).status()).isEqualTo(Replica.Status.RECOVERING);
            assertThat(cluster.replica(i).isPristine()).isTrue();
        }
        cluster.heal();
        cluster.runUntilAllNormal();
        int client = cluster.client(1);
        cluster.write(client, 1);
        cluster.runUntilDone(client);
        cluster.finishSafely();
    }

    /**
     * Two replicas start the group and commit while the third hears no answer; it then hears replicas that hold
     * ops, so it must recover their state rather than start a group of its own.
     */
    @Test
    void shouldRecoverLatePristineReplicaWhenOthersStartedGroupAndCommitted() {
        Scenario cluster = pristineCluster(3);
        cluster.drop(Message.RecoveryResponse.class, 2);
        cluster.simulation().runUntil(() -> cluster.primary() == 0
                && cluster.replica(1).status() == Replica.Status.NORMAL, 3000);
        int client = cluster.client(0);
        cluster.writeKeysInTurn(client, 5);
        assertThat(cluster.replica(2).isPristine()).isTrue();
        cluster.heal();
        cluster.runUntilAllNormal();
        // a replica applies what it learns is committed a bounded batch per call: wait for the apply
        cluster.runUntil(() -> cluster.replica(2).commitNumber() >= 5);
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        cluster.runUntil(() -> cluster.replica(1).commitNumber() >= 5);
        cluster.restart(0);
        cluster.finishSafely();
    }

    /** A wiped replica restarts pristine; the replicas that started the group answer as not pristine. */
    @Test
    void shouldRecoverWipedReplicaInsteadOfStartingAfreshWhenGroupStartedPristine() {
        Scenario cluster = pristineCluster(3);
        int client = cluster.client(1);
        cluster.runUntilAllNormal();
        writeFiveThenWipeAndRecover(cluster, client, 2);
        cluster.crash(1);
        cluster.runUntilPrimaryIs(0);
        int other = cluster.client(0);
        cluster.write(other, 9);
        cluster.runUntilDone(other);
        cluster.restart(1);
        cluster.finishSafely();
        assertThat(cluster.replica(0).commitNumber()).isGreaterThanOrEqualTo(6);
    }

    /** One pristine replica among normal ones of a group that started with state recovers it; nothing is lost. */
    @Test
    void shouldRecoverPristineReplicaAmongNormalOnesWithoutLosingCommittedOps() {
        Scenario cluster = Scenario.cluster(3);
        writeFiveThenWipeAndRecover(cluster, cluster.client(0), 1);
        cluster.crash(0);
        cluster.runUntilPrimaryIs(1);
        assertThat(cluster.replica(1).opNumber()).isGreaterThanOrEqualTo(5);
        cluster.restart(0);
        cluster.finishSafely();
    }

    /** Five writes, then replica {@code wiped} loses its disk, restarts pristine and recovers all five. */
    private static void writeFiveThenWipeAndRecover(Scenario cluster, int client, int wiped) {
        cluster.writeKeysInTurn(client, 5);
        cluster.crash(wiped, SimDisk.CrashMode.WIPED);
        cluster.restart(wiped);
        assertThat(cluster.replica(wiped).isPristine()).isTrue();
        cluster.runUntilAllNormal();
        cluster.runUntil(() -> cluster.replica(wiped).commitNumber() >= 5);
    }
}
