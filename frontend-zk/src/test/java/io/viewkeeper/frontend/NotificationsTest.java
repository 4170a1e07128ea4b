package io.viewkeeper.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.viewkeeper.storage.Acl;
import io.viewkeeper.storage.Change;
import io.viewkeeper.storage.Identity;
import java.util.List;
import org.apache.zookeeper.proto.WatcherEvent;
import org.junit.jupiter.api.Test;

/**
 * Watch events of a committed change: sent as notifications (xid -1) with the change's zxid to the watchers that
 * may read the node, never to a closed connection, and without counting as a reply in the in-flight figure.
 */
class NotificationsTest {

    private final WatchRegistry watches = new WatchRegistry(1000);
    private final ClientOutput output = new ClientOutput(1000, new ServerStats());
    private final Notifications notifications = new Notifications(watches, output);

    private ClientConnection watcher(String path) {
        ClientConnection c = new ClientConnection(new EmbeddedChannel(), "127.0.0.1", 50_000, 0);
        c.transitionTo(ConnectionState.READY);
        watches.addData(path, c, WatchRegistry.Mode.STANDARD);
        return c;
    }

    private static List<Outbound> written(ClientConnection c) {
        EmbeddedChannel channel = (EmbeddedChannel) c.channel();
        List<Outbound> out = new java.util.ArrayList<>();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            out.add((Outbound) message);
        }
        return out;
    }

    @Test
    void shouldDeliverEventOnlyToWatchersThatMayReadTheNode() {
        ClientConnection alice = watcher("/a");
        alice.identities.add(new Identity("digest", "alice:hash"));
        ClientConnection other = watcher("/a");
        List<Acl> aliceOnly = List.of(new Acl(Acl.READ, "digest", "alice:hash"));

        notifications.deliver(new Change(Change.Type.DATA_CHANGED, "/a", aliceOnly), 7);
        output.flush();

        List<Outbound> toAlice = written(alice);
        assertThat(toAlice).hasSize(1);
        assertThat(toAlice.get(0).header().getXid()).isEqualTo(FrontendCore.NOTIFICATION_XID);
        assertThat(toAlice.get(0).header().getZxid()).isEqualTo(7);
        WatcherEvent event = (WatcherEvent) toAlice.get(0).body();
        assertThat(event.getType()).isEqualTo(Change.Type.DATA_CHANGED.eventType());
        assertThat(event.getState()).isEqualTo(3);
        assertThat(event.getPath()).isEqualTo("/a");
        assertThat(alice.inflight().get()).as("an event is not a reply").isZero();
        assertThat(written(other)).isEmpty();
    }

    @Test
    void shouldSendNothingWhenWatcherIsClosed() {
        ClientConnection closed = watcher("/a");
        closed.markClosed();
        notifications.deliver(new Change(Change.Type.DELETED, "/a", Acl.OPEN), 3);
        output.flush();
        assertThat(written(closed)).isEmpty();
        assertThat(closed.packetsSent).isZero();
    }
}
