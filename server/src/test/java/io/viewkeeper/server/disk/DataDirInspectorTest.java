package io.viewkeeper.server.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.viewkeeper.consensus.LogEntry;
import io.viewkeeper.storage.DataDirInspector;
import io.viewkeeper.storage.DataTree;
import io.viewkeeper.storage.SessionTable;
import io.viewkeeper.storage.ZnodeStateMachine;
import io.viewkeeper.storage.checkpoint.CheckpointStore;
import io.viewkeeper.storage.wal.ChannelOpener;
import io.viewkeeper.storage.wal.MetadataStore;
import io.viewkeeper.storage.wal.ReplicaMetadata;
import io.viewkeeper.storage.wal.WalRecord;
import io.viewkeeper.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirInspectorTest {

    @TempDir
    Path dataDir;

    private void populate() throws Exception {
        MetadataStore.open(dataDir, ChannelOpener.DIRECT).store()
                .write(new ReplicaMetadata(0xabcL, 2, "1@a:1,2@b:2,3@c:3,", 7, 7, 0));
        try (CheckpointStore store = CheckpointStore.open(dataDir.resolve("checkpoint"), System::nanoTime)) {
            store.save(new ZnodeStateMachine(new DataTree(), new SessionTable(), false, false), 0, 0,
                    ReplicaDisk.encodeClients(List.of()));
        }
        WriteAheadLog wal = WriteAheadLog.open(dataDir.resolve("wal"), WriteAheadLog.Options.defaults(),
                ChannelOpener.DIRECT, 0).log();
        List<WalRecord> records = new ArrayList<>();
        long chain = 0;
        for (long op = 1; op <= 20; op++) {
            LogEntry entry = LogEntry.of(op, 7, 1, op, ("body-" + op).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            chain = entry.chainAfter(chain);
            records.add(new WalRecord(op, 7, 1, op, entry.checksum(), chain, entry.body()));
        }
        wal.append(records);
        wal.close();
    }

    private String inspect(int expectedProblems) throws IOException {
        StringWriter text = new StringWriter();
        int problems = DataDirInspector.inspect(dataDir, new PrintWriter(text));
        assertThat(problems).as(text.toString()).isEqualTo(expectedProblems);
        return text.toString();
    }

    @Test
    void shouldDescribeAnIntactDirectory() throws Exception {
        populate();
        String report = inspect(0);
        assertThat(report).contains("replica 2 of cluster abc", "view 7", "checkpoint: op 0",
                "ops 1..20, 20 entries", "every check passed");
    }

    @Test
    void shouldReportDamagedLogAndMetadata() throws Exception {
        populate();
        Path segment;
        try (var files = Files.list(dataDir.resolve("wal"))) {
            segment = files.filter(p -> p.toString().endsWith(".wal")).findFirst().orElseThrow();
        }
        flip(segment, 64 + 30);
        flip(dataDir.resolve("metadata.0"), 20);
        flip(dataDir.resolve("metadata.1"), 20);
        String report = inspect(2);
        assertThat(report).contains("PROBLEM metadata", "PROBLEM log", "damaged records between intact ones at ops [1]");
        flip(segment, 64 + 2); // the length of the first record: nothing after it can be read
        assertThat(inspect(2)).contains("PROBLEM log", "followed by a complete batch");
    }

    private static void flip(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x10));
            channel.write(one.rewind(), position);
        }
    }
}
