package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.viewkeeper.server.AdminSettings;
import io.viewkeeper.server.NodeConfig;
import io.viewkeeper.server.ViewkeeperNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any query to any admin command, by GET or POST, without the token, on a running node: the endpoint answers with
 * a status that says what was wrong (400, 401, 403, 404, 405...) or the command's answer, never 500 (an exception
 * a command did not expect), and the node never stops. The first input byte picks the command, the second the
 * method, the rest is the query string. Seeds: each command with no query and with typical parameters.
 */
class AdminRequestFuzzTest {
    private static final Pattern NAMES = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");
    private static ViewkeeperNode node;
    private static List<String> commands;

    static Stream<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        String[] queries = {"", "path=/", "path=/zookeeper&stat=true", "from=1&count=5", "ephemerals=true",
            "session=0x1", "streaming=true", "seconds=1", "limit=10"};
        for (int command = 0; command < commands().size(); command++) {
            for (int q = 0; q < queries.length; q++) {
                ByteArrayOutputStream seed = new ByteArrayOutputStream();
                seed.write(command);
                seed.write(q % 2);
                seed.writeBytes(queries[q].getBytes(StandardCharsets.ISO_8859_1));
                seeds.add(seed.toByteArray());
            }
        }
        return seeds.stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "10s")
    void shouldAnswerAnyQueryWithoutInternalErrorOrStopping(byte[] input) throws IOException {
        if (input.length < 2) {
            return;
        }
        List<String> names = commands();
        String name = names.get(Byte.toUnsignedInt(input[0]) % names.size());
        String method = input[1] % 2 == 0 ? "GET" : "POST";
        String query = new String(input, 2, input.length - 2, StandardCharsets.ISO_8859_1);
        int status = request(method + " /commands/" + name + (query.isEmpty() ? "" : "?" + query));
        assertThat(status).as("%s /commands/%s?%s", method, name, query).isNotEqualTo(500);
        assertThat(node.stoppedBy()).as("the node carries on").isNull();
    }

    /** The command names, from {@code /commands}, once the node is up. */
    private static synchronized List<String> commands() throws IOException {
        if (node == null) {
            NodeConfig base = NodeConfig.forTesting(Files.createTempDirectory("admin-fuzz"));
            node = ViewkeeperNode.start(base.withAdmin(AdminSettings.defaults().withPort(0)
                    .withToken("admin-fuzz-token-0123456789")));
            Runtime.getRuntime().addShutdownHook(new Thread(node::close));
            String listing = body("GET /commands");
            List<String> names = new ArrayList<>();
            Matcher m = NAMES.matcher(listing);
            while (m.find()) {
                names.add(m.group(1));
            }
            assertThat(names).as("the commands /commands lists").contains("snapshot", "restore", "znode")
                    .hasSizeGreaterThan(20);
            commands = List.copyOf(names);
        }
        return commands;
    }

    /** Sends one HTTP/1.1 request line (whatever bytes it holds) and returns the status, or 0 when none came. */
    private static int request(String line) throws IOException {
        String head = new String(raw(line), StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 ")) {
            return 0; // the connection was closed unanswered: a request line netty's decoder refused
        }
        return Integer.parseInt(head.substring(9, 12));
    }

    private static String body(String line) throws IOException {
        String response = new String(raw(line), StandardCharsets.UTF_8);
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    private static byte[] raw(String line) throws IOException {
        InetSocketAddress admin = node.adminAddress();
        try (Socket socket = new Socket(admin.getAddress(), admin.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((line + " HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            return in.readAllBytes();
        }
    }
}
