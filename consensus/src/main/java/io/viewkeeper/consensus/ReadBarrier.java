package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linearizable reads without log entries (DESIGN §3). At the primary a batch of reads takes the op-number at the
 * time the batch starts as its read index and waits until a quorum of this view has answered a Commit round sent
 * after that, proving no newer view had formed when the reads arrived; it is then served once applied up to the
 * read index. A backup asks the primary for a read index (one request per batch) and serves the batch once it has
 * applied that op. Invariant: a read is served only with a confirmed read index at or below the commit number.
 */
final class ReadBarrier {

    /** A batch at the primary: local reads, or one remote backup's batch when {@code remoteReplica >= 0}. */
    private record PrimaryBatch(long round, long readIndex, List<Long> readIds, int remoteReplica, long remoteBatchId) {
    }

    /** A batch at a backup waiting for its read index ({@code readIndex < 0}) or for the apply to reach it. */
    private static final class BackupBatch {
        final List<Long> readIds;
        long readIndex = -1;
        long sentTick;

        BackupBatch(List<Long> readIds, long sentTick) {
            this.readIds = readIds;
            this.sentTick = sentTick;
        }
    }

    private record RemoteRequest(int replica, long batchId) {
    }

    private final Replica replica;
    private final int readQueueMax;
    private final List<Long> queued = new ArrayList<>();
    private final List<RemoteRequest> remoteQueued = new ArrayList<>();
    private final List<PrimaryBatch> primaryBatches = new ArrayList<>();
    private final List<PrimaryBatch> confirmed = new ArrayList<>();
    private final TreeMap<Long, BackupBatch> backupBatches = new TreeMap<>();
    private final long[] confirmedRound;
    private long round;
    private long nextBatchId;

    ReadBarrier(Replica replica, int readQueueMax, long batchIdBase) {
        this.replica = replica;
        this.readQueueMax = readQueueMax;
        this.confirmedRound = new long[ReplicaConfiguration.SLOTS];
        // Batch ids start at a random point so that an answer meant for an earlier incarnation of this replica
        // (sent before a crash, delivered after the restart) matches no batch of this one.
        this.nextBatchId = batchIdBase;
    }

    /** Queues a read; false when the queue is at its limit (the caller rejects the read). */
    boolean onRead(long readId) {
        if (pendingCount() >= readQueueMax) {
            return false;
        }
        queued.add(readId);
        return true;
    }

    void onReadIndexRequest(int from, long batchId) {
        if (remoteQueued.size() < readQueueMax) {
            remoteQueued.add(new RemoteRequest(from, batchId));
        }
    }

    /** Starts one batch of queued reads: a confirmation round at the primary, a read-index request at a backup. */
    void flush(boolean primary, long tick) {
        if (primary) {
            flushPrimary();
        } else if (!queued.isEmpty()) {
            long batchId = ++nextBatchId;
            backupBatches.put(batchId, new BackupBatch(List.copyOf(queued), tick));
            queued.clear();
            sendReadIndexRequest(batchId);
        }
    }

    private void flushPrimary() {
        if (queued.isEmpty() && remoteQueued.isEmpty()) {
            return;
        }
        round++;
        long readIndex = readConfirmationSkipped() ? replica.commitNumber() : replica.opNumber();
        if (!queued.isEmpty()) {
            primaryBatches.add(new PrimaryBatch(round, readIndex, List.copyOf(queued), -1, 0));
            queued.clear();
        }
        for (RemoteRequest request : remoteQueued) {
            primaryBatches.add(new PrimaryBatch(round, readIndex, List.of(), request.replica(), request.batchId()));
        }
        remoteQueued.clear();
        sendReadRound(round);
        confirmBatches();
    }

    void onCommitOk(int from, long ackedRound) {
        confirmedRound[from] = Math.max(confirmedRound[from], ackedRound);
        confirmBatches();
    }

    void onReadIndexResponse(long batchId, long readIndex) {
        BackupBatch batch = backupBatches.get(batchId);
        if (batch != null && batch.readIndex < 0) {
            batch.readIndex = readIndex;
            serveReady();
        }
    }

    /** Sends confirmed remote batches their read index; moves confirmed local batches to wait for the apply. */
    private void confirmBatches() {
        Iterator<PrimaryBatch> iterator = primaryBatches.iterator();
        while (iterator.hasNext()) {
            PrimaryBatch batch = iterator.next();
            if (!readConfirmationSkipped() && confirmations(batch.round()) < replica.quorum() - 1) {
                continue;
            }
            iterator.remove();
            if (batch.remoteReplica() >= 0) {
                sendReadIndexResponse(batch.remoteReplica(), batch.remoteBatchId(), batch.readIndex());
            } else {
                confirmed.add(batch);
            }
        }
        serveReady();
    }

    private int confirmations(long batchRound) {
        int count = 0;
        for (int voter : replica.configuration.voters()) {
            if (voter != replica.replicaIndex() && confirmedRound[voter] >= batchRound) {
                count++;
            }
        }
        return count;
    }

    /**
     * Serves every batch whose read index the replica has applied. Called after each commit advance. A replica out
     * of contact with a quorum serves none (they wait for contact, or are queued again on a view change): a read
     * confirmed before it was cut off is still linearizable, but the frontend answers session resumes on these
     * barriers, and a cut-off replica vouches for no session.
     */
    void serveReady() {
        // a reconfiguration applied and not acted on yet: a read confirmed in its epoch may miss what the next
        // epoch commits, so it is confirmed again after the switch ({@link EpochProtocol#switchIfDue})
        if (!replica.inQuorumContact() || replica.epochs.switchDue()) {
            return;
        }
        long applied = replica.commitNumber();
        Iterator<PrimaryBatch> local = confirmed.iterator();
        while (local.hasNext()) {
            PrimaryBatch batch = local.next();
            if (batch.readIndex() <= applied) {
                local.remove();
                batch.readIds().forEach(replica.outbox::readReady);
            }
        }
        Iterator<BackupBatch> remote = backupBatches.values().iterator();
        while (remote.hasNext()) {
            BackupBatch batch = remote.next();
            if (batch.readIndex >= 0 && batch.readIndex <= applied) {
                remote.remove();
                batch.readIds.forEach(replica.outbox::readReady);
            }
        }
    }

    /** A backup re-asks for read indexes not answered within {@code resendTicks} (the request or answer was lost). */
    void onTick(boolean backup, long tick, int resendTicks) {
        if (!backup) {
            return;
        }
        for (var entry : backupBatches.entrySet()) {
            BackupBatch batch = entry.getValue();
            if (batch.readIndex < 0 && tick - batch.sentTick >= resendTicks) {
                batch.sentTick = tick;
                sendReadIndexRequest(entry.getKey());
            }
        }
    }

    /**
     * Leaving a view: confirmations of the old view mean nothing in the next, so unconfirmed local reads are queued
     * again and remote requests dropped (their backups ask again). Read indexes already obtained stay valid.
     */
    void onViewChange() {
        Arrays.fill(confirmedRound, 0);
        List<Long> requeue = new ArrayList<>();
        for (PrimaryBatch batch : primaryBatches) {
            requeue.addAll(batch.readIds());
        }
        for (PrimaryBatch batch : confirmed) {
            requeue.addAll(batch.readIds());
        }
        primaryBatches.clear();
        confirmed.clear();
        remoteQueued.clear();
        queued.addAll(0, requeue);
    }

    /**
     * Normal in a new view: read-index requests still unanswered went to a primary that may be gone. A backup asks
     * the new primary now rather than after the resend delay; a replica that is now the primary confirms those
     * reads itself, in its next round (no other replica would answer them). Read indexes already obtained stay.
     */
    void onNormal(boolean primary, long tick) {
        List<Long> requeue = new ArrayList<>();
        Iterator<Map.Entry<Long, BackupBatch>> unanswered = backupBatches.entrySet().iterator();
        while (unanswered.hasNext()) {
            Map.Entry<Long, BackupBatch> entry = unanswered.next();
            BackupBatch batch = entry.getValue();
            if (batch.readIndex >= 0) {
                continue;
            }
            if (primary) {
                requeue.addAll(batch.readIds);
                unanswered.remove();
            } else {
                batch.sentTick = tick;
                sendReadIndexRequest(entry.getKey());
            }
        }
        queued.addAll(0, requeue);
    }

    /** Recovery or a checkpoint install: the replica's state changed under the reads; queue them again. */
    void requeueAll() {
        onViewChange();
        List<Long> requeue = new ArrayList<>();
        for (BackupBatch batch : backupBatches.values()) {
            requeue.addAll(batch.readIds);
        }
        backupBatches.clear();
        queued.addAll(0, requeue);
    }

    int pendingCount() {
        int count = queued.size();
        for (PrimaryBatch batch : primaryBatches) {
            count += batch.readIds().size();
        }
        for (PrimaryBatch batch : confirmed) {
            count += batch.readIds().size();
        }
        for (BackupBatch batch : backupBatches.values()) {
            count += batch.readIds.size();
        }
        return count;
    }

    private void sendReadRound(long round) {
        replica.broadcast(new Message.Commit(replica.view(), replica.commitNumber(), round, replica.releasableOp(),
                replica.replicaIndex()));
    }

    private void sendReadIndexRequest(long batchId) {
        if (replica.status() == Replica.Status.NORMAL && !replica.isPrimary()) {
            replica.send(replica.primaryIndex(), new Message.ReadIndexRequest(replica.view(), batchId,
                    replica.replicaIndex()));
        }
    }

    private void sendReadIndexResponse(int backup, long batchId, long readIndex) {
        replica.send(backup, new Message.ReadIndexResponse(replica.view(), batchId, readIndex, replica.replicaIndex()));
    }

    private boolean readConfirmationSkipped() {
        return replica.bugs.contains(PlantedBug.READ_WITHOUT_CONFIRMATION);
    }
}
