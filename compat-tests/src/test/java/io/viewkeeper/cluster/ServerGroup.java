package io.viewkeeper.cluster;

import java.io.IOException;

/** What a test does to a group of servers, Viewkeeper replicas or a ZooKeeper ensemble alike (ids from 1). */
interface ServerGroup {
    String connectString();

    String connectString(int id);

    void kill9(int id);

    void restart(int id) throws IOException;

    String fourLetterWord(int id, String word) throws IOException;
}
