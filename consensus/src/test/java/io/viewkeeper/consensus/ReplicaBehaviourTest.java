package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Unit tests of one replica's rules, driven directly through its inputs with a recording {@link Outbox}. */
class ReplicaBehaviourTest {

    private final List<LogEntry> persisted = new ArrayList<>();
    private final List<LogEntry> applied = new ArrayList<>();
    private final List<Long> readsReady = new ArrayList<>();
    private final List<String> replies = new ArrayList<>();
    private final List<Message> sent = new ArrayList<>();
    private final List<String> viewStates = new ArrayList<>();
    private final List<Long> installed = new ArrayList<>();
    private final Outbox outbox = new Outbox() {
        @Override
        public void persist(List<LogEntry> entries) {
            persisted.addAll(entries);
        }

        @Override
        public void commit(LogEntry entry) {
            applied.add(entry);
        }

        @Override
        public byte[] apply(LogEntry entry) {
            applied.add(entry);
            return new byte[] {(byte) entry.op()};
        }

        @Override
        public boolean endsClient(LogEntry entry) {
            return entry.body().length == 1 && entry.body()[0] == 'X';
        }

        @Override
        public void reply(long clientId, long requestNumber, long op, byte[] result) {
            replies.add(clientId + "/" + requestNumber + "@" + op + "=" + result[0]);
        }

        @Override
        public void readReady(long readId) {
            readsReady.add(readId);
        }

        @Override
        public void send(int replicaIndex, Message message) {
            sent.add(message);
        }

        @Override
        public void persistMembership(Membership membership, long op) {
            throw new UnsupportedOperationException("these tests never reconfigure");
        }

        @Override
        public void persistViewState(long view, long lastNormalView) {
            viewStates.add(view + "/" + lastNormalView);
        }

        @Override
        public void repairLog(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("no replica here restarts with damaged records");
        }

        @Override
        public void resolveTail(List<LogEntry> entries, long[] chains) {
            throw new IllegalStateException("no replica here restarts on an unreadable last write");
        }

        @Override
        public void truncate(long lastOpKept) {
            viewStates.add("truncate " + lastOpKept);
        }

        @Override
        public void installCheckpoint(Checkpoint checkpoint) {
            installed.add(checkpoint.op());
            viewStates.add("install " + checkpoint.op());
        }
    };

    private Replica single(ReplicaOptions options) {
        return new Replica(ReplicaConfiguration.single(), options, outbox, new SplittableRandom(1), 0,
                EnumSet.noneOf(PlantedBug.class));
    }

    private static byte[] body(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A one-replica group whose driver answers each checkpoint with {@code answer}. */
    private static Replica checkpointingReplica(java.util.function.LongFunction<byte[]> answer) {
        Outbox outbox = new OneReplicaOutbox() {
            @Override
            public void persist(List<LogEntry> entries) {
            }

            @Override
            public void commit(LogEntry entry) {
            }

            @Override
            public byte[] checkpoint(long op, long chain, List<ClientTable.Session> clients) {
                return answer.apply(op);
            }
        };
        return new Replica(ReplicaConfiguration.single(), ReplicaOptions.defaults(), outbox, new SplittableRandom(1),
                0, EnumSet.noneOf(PlantedBug.class));
    }

    @Test
    void shouldTakeRequestedCheckpointAtCommitNumberOnlyOnce() {
        List<Long> checkpointOps = new ArrayList<>();
        Replica replica = checkpointingReplica(op -> {
            checkpointOps.add(op);
            return new byte[] {(byte) op};
        });
        assertThat(replica.requestCheckpoint()).isFalse();
        replica.onRequest(1, 1, body("a"));
        replica.onRequest(1, 2, body("b"));
        replica.flush();
        replica.onPersisted(2);
        assertThat(replica.requestCheckpoint()).isTrue();
        assertThat(replica.requestCheckpoint()).isFalse();
        assertThat(checkpointOps).containsExactly(2L);
        assertThat(replica.latestCheckpoint().op()).isEqualTo(2);
        assertThat(replica.latestCheckpoint().application()).containsExactly(2);
    }

    @Test
    void shouldMakeACheckpointSavedLaterTheLatestOnlyOnceTheDriverReportsItDurable() {
        List<Long> checkpointOps = new ArrayList<>();
        Replica replica = checkpointingReplica(op -> {
            checkpointOps.add(op);
            return Outbox.SAVING;
        });
        replica.onRequest(1, 1, body("a"));
        replica.onRequest(1, 2, body("b"));
        replica.flush();
        replica.onPersisted(2);
        assertThat(replica.requestCheckpoint()).as("taken, being saved").isTrue();
        assertThat(replica.latestCheckpoint()).as("not durable yet").isNull();
        replica.onRequest(1, 3, body("c"));
        replica.flush();
        replica.onPersisted(3);
        assertThat(replica.requestCheckpoint()).as("one save at a time").isFalse();
        replica.onCheckpointSaved(3, true);
        assertThat(replica.latestCheckpoint()).as("a report of another op is ignored").isNull();
        replica.onCheckpointSaved(2, true);
        assertThat(replica.latestCheckpoint().op()).isEqualTo(2);
        assertThat(replica.latestCheckpoint().application()).as("a token: the driver holds the snapshot").isEmpty();
        assertThat(replica.requestCheckpoint()).isTrue();
        replica.onCheckpointSaved(3, false);
        assertThat(replica.latestCheckpoint().op()).as("a failed save changes nothing").isEqualTo(2);
        assertThat(replica.requestCheckpoint()).as("and the next may be taken").isTrue();
        assertThat(checkpointOps).containsExactly(2L, 3L, 3L);
        replica.onCheckpointSaved(3, true);
        assertThat(replica.latestCheckpoint().op()).isEqualTo(3);
    }

    @Test
    void shouldAnswerReadOnlyOnceWritesBeforeItAreApplied() {
        Replica replica = new Replica(ReplicaConfiguration.single(), outbox, 0);
        replica.onRequest(1, 1, body("a"));
        replica.onRead(100);
        replica.flush();
        assertThat(readsReady).isEmpty();
        replica.onPersisted(1);
        assertThat(readsReady).containsExactly(100L);
        replica.onRead(101);
        replica.flush();
        assertThat(readsReady).containsExactly(100L, 101L);
    }

    @Test
    void shouldKeepOnlyUncommittedEntriesWhenGroupHasOneReplica() {
        Replica replica = new Replica(ReplicaConfiguration.single(), outbox, 10);
        for (int i = 1; i <= 100; i++) {
            replica.onRequest(1, i, body("x"));
        }
        replica.flush();
        replica.onPersisted(60);
        assertThat(replica.logStartOp()).isEqualTo(60);
        assertThat(replica.entry(60)).isNull();
        assertThat(replica.entry(61)).isNotNull();
        assertThat(replica.commitNumber()).isEqualTo(60);
    }

    @Test
    void shouldAnswerDuplicateFromClientTableWithoutExecutingAgain() {
        Replica replica = single(ReplicaOptions.defaults());
        assertThat(replica.onRequest(7, 1, body("a"))).isEqualTo(1);
        assertThat(replica.onRequest(7, 1, body("a"))).as("in progress").isZero();
        replica.flush();
        replica.onPersisted(1);
        assertThat(replica.onRequest(7, 1, body("a"))).as("executed").isZero();
        assertThat(replica.onRequest(7, 0, body("old"))).as("older").isZero();
        assertThat(applied).hasSize(1);
        assertThat(replies).containsExactly("7/1@1=1", "7/1@1=1");
    }

    @Test
    void shouldOrderRequestOnlyAfterItsPreviousWhenClientPipelines() {
        Replica replica = single(ReplicaOptions.defaults());
        assertThat(replica.onRequest(7, 1, Message.Request.NO_PREVIOUS, body("a"))).isEqualTo(1);
        assertThat(replica.onRequest(7, 3, 2, body("c"))).as("previous request 2 not here yet").isEqualTo(-1);
        assertThat(replica.onRequest(7, 2, 1, body("b"))).as("previous in the log").isEqualTo(2);
        assertThat(replica.onRequest(7, 3, 2, body("c"))).as("offered again after its previous").isEqualTo(3);
        replica.flush();
        replica.onPersisted(3);
        assertThat(replica.onRequest(7, 4, 3, body("d"))).as("previous executed").isEqualTo(4);
        assertThat(replica.onRequest(7, 6, 5, body("f"))).as("previous 5 lost").isEqualTo(-1);
        assertThat(replica.onRequest(8, 9, 8, body("g"))).as("a client the primary knows nothing of").isEqualTo(5);
        replica.flush();
        replica.onPersisted(5);
        assertThat(applied).extracting(LogEntry::requestNumber).containsExactly(1L, 2L, 3L, 4L, 9L);
    }

    @Test
    void shouldStartViewChangeWithinHeartbeatWhenPrimaryIsUnreachable() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 1, 8);
        ReplicaOptions options = ReplicaOptions.defaults();
        Replica backup = Replica.restart(configuration, options, outbox, new SplittableRandom(6),
                new DurableState(0, 0, null, List.of()));
        Replica other = Replica.restart(configuration, options, outbox, new SplittableRandom(6),
                new DurableState(0, 0, null, List.of()));
        backup.onPeerUnreachable(2);
        other.onPeerUnreachable(0);
        backup.onPeerUnreachable(0);
        for (int tick = 0; tick <= options.heartbeatTicks(); tick++) {
            backup.onTick();
            other.onTick();
            if (tick == 1) {
                other.onMessage(new Message.Commit(0, 0, 0, 0, 0));
            }
        }
        assertThat(backup.status()).isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(backup.view()).isEqualTo(1);
        assertThat(other.status()).as("heard from the primary after the suspicion").isEqualTo(Replica.Status.NORMAL);
        assertThat(options.viewChangeTimeoutTicks()).as("well before the timeout")
                .isGreaterThan(3 * options.heartbeatTicks());
    }

    @Test
    void shouldStartViewChangeAtOnceWhenPrimaryRefusesConnection() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 1, 8);
        Replica backup = Replica.restart(configuration, ReplicaOptions.defaults(), outbox, new SplittableRandom(6),
                new DurableState(0, 0, null, List.of()));
        backup.onTick();
        backup.onPeerRefused(2);
        backup.onTick();
        assertThat(backup.status()).as("refused by a backup").isEqualTo(Replica.Status.NORMAL);
        backup.onPeerRefused(0);
        assertThat(backup.status()).isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(backup.view()).isEqualTo(1);
    }

    @Test
    void shouldForwardPreviousRequestNumberWhenBackupGetsRequest() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 1, 8);
        Replica backup = Replica.restart(configuration, ReplicaOptions.defaults(), outbox, new SplittableRandom(5),
                new DurableState(0, 0, null, List.of()));
        assertThat(backup.isPrimary()).isFalse();
        assertThat(backup.onRequest(7, 5, 4, body("e"))).isZero();
        assertThat(sent).hasSize(1).first().isInstanceOf(Message.Request.class);
        Message.Request forwarded = (Message.Request) sent.get(0);
        assertThat(forwarded.previousRequestNumber()).isEqualTo(4);
        assertThat(forwarded.requestNumber()).isEqualTo(5);
    }

    @Test
    void shouldForgetClientWhenApplicationEndsIt() {
        Replica replica = single(ReplicaOptions.defaults());
        replica.onRequest(7, 1, body("a"));
        replica.onRequest(7, 2, body("X"));
        replica.flush();
        replica.onPersisted(2);
        assertThat(replica.clients.session(7)).isNull();
    }

    @Test
    void shouldEvictClientWithOldestOpWhenTableIsFull() {
        ClientTable table = new ClientTable(2);
        table.record(1, 1, 10, new byte[0]);
        table.record(2, 1, 11, new byte[0]);
        table.record(1, 2, 12, new byte[0]);
        table.record(3, 1, 13, new byte[0]);
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.session(2)).isNull();
        assertThat(table.executed(1, 2)).isTrue();
        assertThat(table.executed(3, 2)).isFalse();
    }

    @Test
    void shouldRejectRequestWhenPipelineIsFull() {
        ReplicaOptions options = new ReplicaOptions(2, 5, 30, 10, 16, 0, 1024, 16, true);
        Replica replica = single(options);
        assertThat(replica.onRequest(1, 1, body("a"))).isEqualTo(1);
        assertThat(replica.onRequest(2, 1, body("b"))).isEqualTo(2);
        assertThat(replica.onRequest(3, 1, body("c"))).isEqualTo(-1);
    }

    /**
     * A restarted group learns its whole log tail is committed at once (tens of thousands of ops after a kill -9):
     * the replica applies a bounded batch per call and keeps its ticks, rather than going silent while it applies.
     */
    @Test
    void shouldApplyCommittedBacklogABatchPerCallWhenCommitJumps() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 2, 8);
        List<LogEntry> log = new ArrayList<>();
        for (int op = 1; op <= 10; op++) {
            log.add(LogEntry.of(op, 0, 1, op, body("e" + op)));
        }
        Replica replica = Replica.restart(configuration, ReplicaOptions.defaults().withApplyOpsMax(3), outbox,
                new SplittableRandom(4), new DurableState(0, 0, null, log));
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);

        replica.onMessage(new Message.Commit(0, 10, 0, 0, 0));
        assertThat(replica.commitNumber()).as("one batch with the message").isEqualTo(3);
        assertThat(replica.applyPending()).isTrue();
        replica.onTick();
        assertThat(replica.commitNumber()).isEqualTo(6);
        replica.flush();
        assertThat(replica.commitNumber()).isEqualTo(9);
        replica.onTick();
        assertThat(replica.commitNumber()).isEqualTo(10);
        assertThat(replica.applyPending()).isFalse();
        assertThat(applied).extracting(LogEntry::op).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void shouldCountIgnoredPrepareByReasonWhenEntryIsDamagedOrSenderIsNotPrimary() {
        Replica backup = new Replica(new ReplicaConfiguration(3, 1, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(5));
        LogEntry damaged = LogEntry.of(1, 0, 1, 1, body("a"));
        damaged.body()[0] ^= 1;
        backup.onMessage(new Message.Prepare(0, 0, 0, List.of(damaged), 0, 0));
        assertThat(persisted).as("a damaged entry is not taken").isEmpty();
        assertThat(backup.ignoredCounts()).containsEntry(Ignored.BAD_CHECKSUM, 1L);

        backup.onMessage(new Message.Prepare(0, 0, 0, List.of(LogEntry.of(1, 0, 1, 1, body("a"))), 0, 2));
        assertThat(backup.ignoredCounts()).as("replica 2 is not the primary of view 0")
                .containsEntry(Ignored.STALE_VIEW, 1L).containsEntry(Ignored.BAD_CHECKSUM, 1L);
        backup.onMessage(new Message.PrepareOk(0, 1, 2));
        assertThat(backup.ignoredCounts()).containsEntry(Ignored.NOT_PRIMARY, 1L);
        backup.onMessage(new Message.Prepare(0, 0, 0, List.of(LogEntry.of(1, 0, 1, 1, body("a"))), 0, 0));
        backup.flush();
        assertThat(persisted).extracting(LogEntry::op).containsExactly(1L);
    }

    @Test
    void shouldRecoverInsteadOfServingWhenDiskEntryFailsChecksum() {
        LogEntry good = LogEntry.of(1, 0, 1, 1, body("a"));
        LogEntry damaged = LogEntry.of(2, 0, 1, 2, body("b"));
        damaged.body()[0] ^= 1;
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 1, 8);
        Replica replica = Replica.restart(configuration, ReplicaOptions.defaults(), outbox, new SplittableRandom(2),
                new DurableState(0, 0, null, List.of(good, damaged)));
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(replica.opNumber()).isZero();
        replica.onMessage(new Message.Prepare(0, 0, 0, List.of(good), 0, 0));
        assertThat(persisted).as("a recovering replica accepts nothing").isEmpty();
    }

    @Test
    void shouldStartNextViewWhenPrimaryRestarts() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 0, 8);
        Replica replica = Replica.restart(configuration, ReplicaOptions.defaults(), outbox, new SplittableRandom(3),
                new DurableState(3, 3, null, List.of()));
        assertThat(replica.status()).isEqualTo(Replica.Status.VIEW_CHANGE);
        assertThat(replica.view()).isEqualTo(4);
        assertThat(sent).hasOnlyElementsOfType(Message.StartViewChange.class).hasSize(2);
    }

    @Test
    void shouldRejoinAsBackupWithDurableLogWhenBackupRestarts() {
        ReplicaConfiguration configuration = new ReplicaConfiguration(3, 2, 8);
        List<LogEntry> log = List.of(LogEntry.of(1, 0, 1, 1, body("a")), LogEntry.of(2, 0, 1, 2, body("b")));
        Replica replica = Replica.restart(configuration, ReplicaOptions.defaults(), outbox, new SplittableRandom(4),
                new DurableState(0, 0, null, log));
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.opNumber()).isEqualTo(2);
        assertThat(replica.durableOp()).isEqualTo(2);
        assertThat(replica.commitNumber()).isZero();
    }

    @Test
    void shouldLinkHashChainAndKeepItAcrossTruncateAndRelease() {
        ReplicaLog log = new ReplicaLog(0, 0);
        LogEntry first = LogEntry.of(1, 0, 1, 1, body("a"));
        LogEntry second = LogEntry.of(2, 0, 1, 2, body("b"));
        log.append(first);
        log.append(second);
        assertThat(log.chain(2)).isEqualTo(ReplicaLog.link(ReplicaLog.link(0, first), second));
        long chainAtOne = log.chain(1);
        log.truncateAfter(1);
        assertThat(log.lastOp()).isEqualTo(1);
        log.append(LogEntry.of(2, 1, 9, 9, body("c")));
        assertThat(log.chain(2)).isNotEqualTo(ReplicaLog.link(chainAtOne, second));
        log.releaseUpTo(1);
        assertThat(log.startOp()).isEqualTo(1);
        assertThat(log.chain(1)).isEqualTo(chainAtOne);
        assertThat(log.holds(1)).isFalse();
    }

    private Replica pristine(int index) {
        return Replica.pristine(new ReplicaConfiguration(3, index, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(5));
    }

    private long recoveryNonce() {
        return sent.stream().filter(Message.Recovery.class::isInstance).map(Message.Recovery.class::cast)
                .peek(recovery -> assertThat(recovery.pristine()).isTrue()).findFirst().orElseThrow().nonce();
    }

    private static Message.RecoveryResponse pristineAnswer(long nonce, int from) {
        return new Message.RecoveryResponse(0, nonce, false, true, 0, 0, null, 0, List.of(),
                new ReplicaConfiguration(3, from, 8).membership(), from);
    }

    @Test
    void shouldStartGroupInViewZeroWhenEveryOtherReplicaIsPristine() {
        Replica replica = pristine(1);
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(replica.isPristine()).isTrue();
        assertThat(viewStates).as("a pristine replica writes nothing").isEmpty();
        replica.onTick();
        long nonce = recoveryNonce();
        replica.onMessage(pristineAnswer(nonce, 0));
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(replica.onRequest(1, 1, body("a"))).isEqualTo(-1);
        replica.onMessage(pristineAnswer(nonce, 2));
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.isPristine()).isFalse();
        assertThat(replica.view()).isZero();
        assertThat(replica.opNumber()).isZero();
        assertThat(viewStates).containsExactly("0/0");
    }

    @Test
    void shouldNotStartGroupWhenOnePeerNeverAnswers() {
        Replica replica = pristine(1);
        replica.onTick();
        replica.onMessage(pristineAnswer(recoveryNonce(), 2));
        for (int tick = 0; tick < 500; tick++) {
            replica.onTick();
        }
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(replica.isPristine()).isTrue();
        assertThat(viewStates).isEmpty();
    }

    @Test
    void shouldNotStartGroupWhenPeerHoldsOpsOrAnswersAnotherNonce() {
        Replica replica = pristine(1);
        replica.onTick();
        long nonce = recoveryNonce();
        replica.onMessage(pristineAnswer(nonce + 1, 0));
        replica.onMessage(pristineAnswer(nonce, 2));
        assertThat(replica.status()).as("an answer to another nonce").isEqualTo(Replica.Status.RECOVERING);
        replica.onMessage(new Message.RecoveryResponse(0, nonce, false, false, 3, 2, null, 0, List.of(), null, 0));
        assertThat(replica.status()).as("a backup holding ops").isEqualTo(Replica.Status.RECOVERING);
        assertThat(viewStates).isEmpty();
    }

    @Test
    void shouldStartGroupWhenNonPristinePeerHoldsNoOp() {
        Replica replica = pristine(1);
        replica.onTick();
        long nonce = recoveryNonce();
        replica.onMessage(new Message.RecoveryResponse(7, nonce, false, false, 0, 0, null, 0, List.of(), null, 2));
        replica.onMessage(pristineAnswer(nonce, 0));
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.view()).isZero();
    }

    @Test
    void shouldAnswerAsPristineOnlyToPristineReplicaAndOnlyWhilePristine() {
        Replica replica = pristine(1);
        replica.onMessage(new Message.Recovery(11, false, 0));
        assertThat(sent).as("a recovering replica answers a non-pristine one nothing").isEmpty();
        replica.onMessage(new Message.Recovery(12, true, 0));
        assertThat(sent).containsExactly(pristineAnswer(12, 1));
        replica.onTick();
        long nonce = recoveryNonce();
        replica.onMessage(pristineAnswer(nonce, 0));
        replica.onMessage(pristineAnswer(nonce, 2));
        sent.clear();
        replica.onMessage(new Message.Recovery(13, true, 2));
        assertThat(sent).hasSize(1);
        Message.RecoveryResponse answer = (Message.RecoveryResponse) sent.get(0);
        assertThat(answer.pristine()).as("a replica that started the group").isFalse();
        assertThat(answer.nonce()).isEqualTo(13);
    }

    @Test
    void shouldRecordRecoveryBeforeWritingStateWhenPristineReplicaRecoversFromPrimary() {
        Replica replica = pristine(2);
        replica.onTick();
        long nonce = recoveryNonce();
        List<LogEntry> log = List.of(LogEntry.of(1, 3, 1, 1, body("a")), LogEntry.of(2, 3, 1, 2, body("b")));
        replica.onMessage(pristineAnswer(nonce, 1));
        replica.onMessage(new Message.RecoveryResponse(3, nonce, true, false, 2, 1, null, 0, log, null, 0));
        assertThat(replica.isPristine()).isFalse();
        assertThat(viewStates).as("the recovery mark says it was pristine").startsWith("-1/-1", "install 0");
        replica.flush();
        assertThat(persisted).isEqualTo(log);
        replica.onPersisted(2);
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.view()).isEqualTo(3);
        assertThat(replica.commitNumber()).isEqualTo(1);
    }

    @Test
    void shouldAnswerPristineReplicaAsPristineWhenRestartedOnRecoveryRecordedWhilePristine() {
        List<LogEntry> taken = List.of(LogEntry.of(1, 0, 1, 1, body("a")));
        DurableState disk = new DurableState(Replica.PRISTINE_RECOVERING_VIEW, Replica.RECOVERING_MARK, null, taken);
        Replica replica = Replica.restart(new ReplicaConfiguration(3, 2, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(5), disk);
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(replica.isPristine()).isFalse();
        assertThat(replica.opNumber()).as("what it took before the crash is not trusted").isZero();
        assertThat(viewStates).as("it keeps the mark that says it was pristine").containsExactly("-1/-1");
        replica.onMessage(new Message.Recovery(11, false, 0));
        assertThat(sent).as("a recovering replica answers a non-pristine one nothing").isEmpty();
        replica.onMessage(new Message.Recovery(12, true, 1));
        assertThat(sent).containsExactly(pristineAnswer(12, 2));
        replica.onTick();
        assertThat(sent).filteredOn(Message.Recovery.class::isInstance).isNotEmpty()
                .allMatch(recovery -> !((Message.Recovery) recovery).pristine(), "a Recovery that is not pristine");
    }

    @Test
    void shouldAnswerNothingWhenRestartedOnRecoveryRecordedAfterLosingState() {
        DurableState disk = new DurableState(0, Replica.RECOVERING_MARK, null, List.of());
        Replica replica = Replica.restart(new ReplicaConfiguration(3, 2, 8), ReplicaOptions.defaults(), outbox,
                new SplittableRandom(5), disk);
        assertThat(replica.status()).isEqualTo(Replica.Status.RECOVERING);
        assertThat(viewStates).containsExactly("0/-1");
        replica.onMessage(new Message.Recovery(12, true, 1));
        assertThat(sent).as("it may have acknowledged ops before it lost its state").isEmpty();
    }

    @Test
    void shouldRefuseRequestsUntilBackupsSayTheyAreNormalWhenPrimaryStartedGroup() {
        Replica replica = pristine(0);
        replica.onTick();
        long nonce = recoveryNonce();
        replica.onMessage(pristineAnswer(nonce, 1));
        replica.onMessage(pristineAnswer(nonce, 2));
        assertThat(replica.status()).isEqualTo(Replica.Status.NORMAL);
        assertThat(replica.isPrimary()).isTrue();
        assertThat(replica.onRequest(1, 1, body("a"))).isEqualTo(-1);
        replica.onMessage(new Message.PrepareOk(0, 0, 2));
        assertThat(replica.onRequest(1, 1, body("a"))).isEqualTo(1);
    }
}
