package io.viewkeeper.cluster;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.zookeeper.client.HostProvider;

/**
 * The ZooKeeper client's server list in a fixed order starting at a chosen replica, so a test decides which
 * replica each client is on; on connection loss the client moves to the next one, as with StaticHostProvider.
 */
final class PreferredHostProvider implements HostProvider {
    private final List<InetSocketAddress> servers;
    private int next;
    private int sinceConnected;

    PreferredHostProvider(List<InetSocketAddress> servers, int firstIndex) {
        this.servers = new ArrayList<>(servers);
        this.next = Math.floorMod(firstIndex, servers.size());
    }

    @Override
    public synchronized int size() {
        return servers.size();
    }

    /** After a whole round without a connection it pauses {@code spinDelay} ms, as StaticHostProvider does. */
    @Override
    public InetSocketAddress next(long spinDelay) {
        boolean wait;
        InetSocketAddress chosen;
        synchronized (this) {
            chosen = servers.get(next);
            next = (next + 1) % servers.size();
            sinceConnected++;
            wait = sinceConnected > servers.size();
        }
        if (wait && spinDelay > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(spinDelay));
        }
        return chosen;
    }

    @Override
    public synchronized void onConnected() {
        sinceConnected = 0;
    }

    @Override
    public boolean updateServerList(Collection<InetSocketAddress> serverAddresses, InetSocketAddress currentHost) {
        return false;
    }
}
