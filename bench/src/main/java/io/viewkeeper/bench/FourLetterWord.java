package io.viewkeeper.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Sends a four-letter word (srvr, ruok) on a client port and reads the answer until the server closes. */
final class FourLetterWord {
    static final int TIMEOUT_MS = 2000;
    static final int ANSWER_BYTES_MAX = 1 << 20;

    private FourLetterWord() {
    }

    static String send(String host, int port, String word) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            socket.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int read;
            while ((read = in.read(buffer)) >= 0 && answer.size() < ANSWER_BYTES_MAX) {
                answer.write(buffer, 0, read);
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The Mode line of a srvr answer (leader, follower, standalone), if the server answers. */
    static Optional<String> mode(String host, int port) {
        return parseMode(srvr(host, port));
    }

    /** The srvr answer, or an empty string when the server does not answer (down, not listening yet). */
    static String srvr(String host, int port) {
        try {
            return send(host, port, "srvr");
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Whether a srvr answer shows a server in its group's normal operation: Mode leader or follower and, for
     * Viewkeeper (whose srvr adds a "Replica: status view v ..." line, and says follower while it recovers), the
     * status normal.
     */
    static boolean isInGroup(String srvr) {
        Optional<String> mode = parseMode(srvr);
        if (mode.isEmpty() || !mode.get().equals("leader") && !mode.get().equals("follower")) {
            return false;
        }
        for (String line : srvr.split("\n")) {
            if (line.startsWith("Replica:")) {
                return line.substring("Replica:".length()).trim().startsWith("normal ");
            }
        }
        return true;
    }

    static Optional<String> parseMode(String srvr) {
        for (String line : srvr.split("\n")) {
            if (line.startsWith("Mode:")) {
                return Optional.of(line.substring("Mode:".length()).trim());
            }
        }
        return Optional.empty();
    }
}
