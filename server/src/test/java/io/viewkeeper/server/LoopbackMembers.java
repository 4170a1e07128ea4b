package io.viewkeeper.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
            members.add(new NodeConfig.Member(id, host, freePort(host), freePort(host)));
        }
        return members;
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
