package io.viewkeeper.server.migrate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.server.persistence.FileSnap;

/**
 * An import into a running group: ZooKeeper's state, as its own reader loaded it (the newest snapshot and the logs
 * after it), is written as one ZooKeeper snapshot and posted to the group's admin {@code restore} command with
 * {@code into_empty=true}. The group applies it as one op, refused there unless it holds no znode outside
 * /zookeeper, and its zxids move up to ZooKeeper's, so clients that saw the ensemble are accepted and their sessions
 * resume with the passwords they hold.
 */
final class OnlineImport {

    private OnlineImport() {
    }

    /** Posts the loaded state; returns the group's answer (its {@code last_zxid}). */
    static String intoRunningGroup(ZooKeeperDataDir.Loaded loaded, String admin, String authorization, Path tlsCa)
            throws IOException, MigrationException {
        Path snapshot = Files.createTempFile("viewkeeper-import-", ".snapshot");
        try {
            loaded.tree().lastProcessedZxid = loaded.lastZxid();
            new FileSnap(snapshot.getParent().toFile()).serialize(loaded.tree(),
                    new ConcurrentHashMap<>(loaded.sessions()), snapshot.toFile(), false);
            return AdminSnapshotClient.restore(admin, authorization, snapshot, tlsCa, true);
        } finally {
            Files.deleteIfExists(snapshot);
        }
    }
}
