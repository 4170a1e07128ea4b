package io.viewkeeper.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Members of an in-process test group: replica N on 127.0.0.N, with a free peer port and client port each. */
public final class LoopbackMembers {

    private LoopbackMembers() {
    }

    public static List<NodeConfig.Member> of(int count) throws IOException {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            String host = "127.0.0." + id;
            // the client port free on 127.0.0.1 too: a node of NodeConfig.forTesting serves clients there
            members.add(new NodeConfig.Member(id, host, freePort(host), TestPorts.freeOnEach(host, "127.0.0.1")));
        }
        return members;
    }

    /** A port free on each of 127.0.0.1 to 127.0.0.{@code count} now: one admin port every member shares. */
    public static int portFreeOnEveryMember(int count) throws IOException {
        return TestPorts.freeOnMembers(count);
    }

    private static int freePort(String host) throws IOException {
        return TestPorts.free(host);
    }
}
