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

    /** A port free on each of 127.0.0.1 to 127.0.0.{@code count} now: one admin port every member shares. */
    public static int portFreeOnEveryMember(int count) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort("127.0.0.1");
            boolean everywhere = true;
            for (int id = 2; id <= count && everywhere; id++) {
                try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0." + id))) {
                    everywhere = s.getLocalPort() == port;
                } catch (IOException taken) {
                    everywhere = false;
                }
            }
            if (everywhere) {
                return port;
            }
        }
        throw new IOException("no port free on all of 127.0.0.1-" + count + " after 100 attempts");
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
