package io.viewkeeper.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for tests that start servers. A port the kernel picked for a bind to port 0 lies in its ephemeral range, which
 * it also hands to outgoing connections: once the probing socket closes, a peer's or a client's dial may take it
 * before the server under test binds ("Address already in use"). These ports come from outside that range, each
 * handed out once per test JVM (from a random start, so that JVMs running side by side rarely meet), and are checked
 * free when handed out.
 */
public final class TestPorts {
    private static final int LOW;
    private static final int HIGH;
    private static final AtomicInteger NEXT;

    static {
        int[] ephemeral = ephemeralRange();
        if (ephemeral[0] - 15_000 >= 4_000) {
            LOW = 15_000;
            HIGH = ephemeral[0];
        } else {
            LOW = ephemeral[1] + 1;
            HIGH = 65_536;
        }
        NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(HIGH - LOW));
    }

    private TestPorts() {
    }

    /** A port free now on {@code host}, handed out by no other call in this JVM. */
    public static int free(String host) throws IOException {
        return freeOn(1, host);
    }

    /** A port free now on each of {@code hosts}. */
    public static int freeOnEach(String... hosts) throws IOException {
        return freeOn(1, hosts);
    }

    /** A port free now on every one of 127.0.0.1 to 127.0.0.{@code members}. */
    public static int freeOnMembers(int members) throws IOException {
        return freeRun(1, members);
    }

    /** The first of {@code run} consecutive ports free now on every one of 127.0.0.1 to 127.0.0.{@code members}. */
    public static int freeRun(int run, int members) throws IOException {
        String[] hosts = new String[members];
        for (int id = 1; id <= members; id++) {
            hosts[id - 1] = "127.0.0." + id;
        }
        return freeOn(run, hosts);
    }

    private static int freeOn(int run, String... hosts) throws IOException {
        int span = HIGH - LOW;
        for (int attempt = 0; attempt < 1000; attempt++) {
            int first = LOW + Math.floorMod(NEXT.getAndAdd(run), span);
            if (first + run > HIGH) {
                continue;
            }
            boolean free = true;
            for (int port = first; port < first + run && free; port++) {
                for (String host : hosts) {
                    free &= bindable(host, port);
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IOException("no run of " + run + " free ports in " + LOW + "-" + (HIGH - 1) + " after 1000 tries");
    }

    private static boolean bindable(String host, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort() == port;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Linux's ephemeral port range, or IANA's (49152-65535) where it cannot be read. */
    private static int[] ephemeralRange() {
        try {
            String[] bounds = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException | RuntimeException unreadable) {
            return new int[] {49_152, 65_535};
        }
    }
}
