package io.viewkeeper.consensus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated clients. Each has at most one request outstanding (many clients give many requests in flight),
 * talks to one replica at a time and moves to another on timeout, re-sending a write with the same request number
 * so that the client table must deduplicate it. Every call and answer is recorded with a logical time for the
 * linearizability check, and each read is checked as it returns: its state must contain every write acknowledged
 * before the read began.
 */
public final class SimClients {

    static final int TIMEOUT_TICKS = 40;

    private static final class Outstanding {
        final boolean write;
        final long key;
        final long value;
        final int historyIndex;
        final long readId;
        final long ackedOpAtCall;
        long sentTick;

        Outstanding(boolean write, long key, long value, int historyIndex, long readId, long ackedOpAtCall,
                    long sentTick) {
            this.write = write;
            this.key = key;
            this.value = value;
            this.historyIndex = historyIndex;
            this.readId = readId;
            this.ackedOpAtCall = ackedOpAtCall;
            this.sentTick = sentTick;
        }
    }

    private static final class Client {
        final long clientId;
        int node;
        long requestNumber;
        int quota;
        int issued;
        Outstanding outstanding;

        Client(long clientId, int node, int quota) {
            this.clientId = clientId;
            this.node = node;
            this.quota = quota;
        }
    }

    private final Simulation sim;
    private final List<Client> clients = new ArrayList<>();
    private final List<LinearizabilityChecker.Operation> history = new ArrayList<>();
    private final Map<Long, Client> readers = new HashMap<>();
    private long clock;
    private long nextReadId;
    private long ackedOpMax;
    private int acknowledgedWrites;
    private int answeredReads;

    SimClients(Simulation sim) {
        this.sim = sim;
    }

    /** Adds a client attached to {@code node}, allowed {@code quota} random operations; returns its index. */
    public int add(int node, int quota) {
        clients.add(new Client(clients.size() + 1, node, quota));
        return clients.size() - 1;
    }

    void extendQuotas(int more) {
        for (Client client : clients) {
            client.quota = Math.max(client.quota, client.issued) + more;
        }
    }

    void onTick() {
        for (Client client : clients) {
            if (client.outstanding != null) {
                retryIfTimedOut(client);
            } else if (client.issued < client.quota && sim.random.nextDouble() < 0.3) {
                client.issued++;
                long key = sim.random.nextInt(sim.settings.keyCount());
                if (sim.random.nextDouble() < sim.settings.readFraction()) {
                    read(client, key);
                } else {
                    write(client, key);
                }
            }
        }
    }

    private void retryIfTimedOut(Client client) {
        Outstanding outstanding = client.outstanding;
        if (sim.now - outstanding.sentTick < TIMEOUT_TICKS) {
            return;
        }
        client.node = sim.random.nextInt(sim.nodes.length);
        if (outstanding.write) {
            outstanding.sentTick = sim.now;
            submitWrite(client, outstanding);
        } else {
            readers.remove(outstanding.readId);
            client.outstanding = null;
        }
    }

    /** Scenario use: client {@code index} writes a fresh value to {@code key} through its replica. */
    public long write(int index, long key) {
        return write(clients.get(index), key);
    }

    /** Scenario use: client {@code index} reads {@code key} through its replica. */
    public void read(int index, long key) {
        read(clients.get(index), key);
    }

    public void attach(int index, int node) {
        clients.get(index).node = node;
    }

    private long write(Client client, long key) {
        client.requestNumber++;
        long value = client.clientId * 1_000_000 + client.requestNumber;
        history.add(new LinearizabilityChecker.Operation(key, true, value, ++clock, Long.MAX_VALUE,
                (int) client.clientId));
        client.outstanding = new Outstanding(true, key, value, history.size() - 1, 0, ackedOpMax, sim.now);
        sim.hash(5, client.clientId, value);
        submitWrite(client, client.outstanding);
        return value;
    }

    private void submitWrite(Client client, Outstanding outstanding) {
        SimNode node = sim.nodes[client.node];
        sim.record("client " + client.clientId + " request " + client.requestNumber + " to r" + client.node);
        if (node.up) {
            node.replica.onRequest(client.clientId, client.requestNumber,
                    KvApplication.write(outstanding.key, outstanding.value));
        }
    }

    private void read(Client client, long key) {
        long readId = ++nextReadId;
        history.add(new LinearizabilityChecker.Operation(key, false, 0, ++clock, Long.MAX_VALUE,
                (int) client.clientId));
        client.outstanding = new Outstanding(false, key, 0, history.size() - 1, readId, ackedOpMax, sim.now);
        sim.hash(6, client.clientId, key);
        SimNode node = sim.nodes[client.node];
        if (node.up && node.replica.onRead(readId)) {
            readers.put(readId, client);
        }
    }

    void onReply(int node, long clientId, long requestNumber, long op) {
        Client client = clients.get((int) clientId - 1);
        Outstanding outstanding = client.outstanding;
        if (outstanding == null || !outstanding.write || client.node != node
                || client.requestNumber != requestNumber) {
            return;
        }
        LogEntry entry = sim.committedEntry(op);
        if (entry == null || entry.clientId() != clientId || entry.requestNumber() != requestNumber) {
            throw new Simulation.Violation("lost-write", "client " + clientId + " request " + requestNumber
                    + " acknowledged at op " + op + " but the committed entry there is " + entry);
        }
        ackedOpMax = Math.max(ackedOpMax, op);
        acknowledgedWrites++;
        complete(client, outstanding, outstanding.value);
    }

    void onReadReady(int node, long readId) {
        Client client = readers.remove(readId);
        if (client == null || client.node != node) {
            return;
        }
        Outstanding outstanding = client.outstanding;
        Replica replica = sim.nodes[node].replica;
        if (replica.commitNumber() < outstanding.ackedOpAtCall) {
            throw new Simulation.Violation("stale-read", "read at r" + node + " served at op "
                    + replica.commitNumber() + " but op " + outstanding.ackedOpAtCall
                    + " was acknowledged before the read began");
        }
        answeredReads++;
        complete(client, outstanding, sim.nodes[node].app.get(outstanding.key));
    }

    private void complete(Client client, Outstanding outstanding, long value) {
        LinearizabilityChecker.Operation call = history.get(outstanding.historyIndex);
        history.set(outstanding.historyIndex, new LinearizabilityChecker.Operation(call.key(), call.write(), value,
                call.callTime(), ++clock, call.client()));
        client.outstanding = null;
        sim.hash(7, client.clientId, value);
        sim.record("client " + client.clientId + (outstanding.write ? " write " : " read ") + "key "
                + outstanding.key + " = " + value + " done");
    }

    boolean idle() {
        for (Client client : clients) {
            if (client.outstanding != null || client.issued < client.quota) {
                return false;
            }
        }
        return true;
    }

    /** Whether client {@code index} has no request outstanding. */
    public boolean done(int index) {
        return clients.get(index).outstanding == null;
    }

    List<LinearizabilityChecker.Operation> history() {
        return history;
    }

    public int acknowledgedWrites() {
        return acknowledgedWrites;
    }

    public int answeredReads() {
        return answeredReads;
    }

    String describe() {
        StringBuilder builder = new StringBuilder();
        for (Client client : clients) {
            builder.append(client.clientId).append(client.outstanding == null ? "" : "*").append('@')
                    .append(client.node).append(' ').append(client.issued).append('/').append(client.quota)
                    .append(' ');
        }
        return builder.toString();
    }
}
