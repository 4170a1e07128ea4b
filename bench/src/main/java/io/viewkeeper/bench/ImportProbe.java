package io.viewkeeper.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.data.StatPersisted;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.Request;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.FileTxnLog;
import org.apache.zookeeper.server.persistence.Util;
import org.apache.zookeeper.txn.CreateTxn;
import org.apache.zookeeper.txn.TxnHeader;

/**
 * The import of a large ZooKeeper data directory: a directory is written with ZooKeeper's own classes (a snapshot of
 * {@code znodes} znodes of 100 bytes under 1000 parents, and a transaction log tail of {@value #LOG_TAIL} creates
 * after it), {@code viewkeeper import --replicas 3} runs on it in a JVM of its own with the bench's heap and a GC log,
 * and one replica then starts on the result. Reported: the import's wall time (its JVM's start included) and znodes
 * per second, its heap from the GC log (the most before any collection, garbage included, and the most after one)
 * and peak resident memory, and the heap the running replica holds after a full GC, for the same tree.
 */
final class ImportProbe {
    static final int LOG_TAIL = 10_000;
    private static final Pattern GC_PAUSE = Pattern.compile("Pause.* (\\d+)M->(\\d+)M\\(");
    private static final Pattern IMPORTED = Pattern.compile("imported (\\d+) znodes");
    private static final long IMPORT_TIMEOUT_MINUTES = 30;
    private static final String MAIN = "io.viewkeeper.server.Main";

    private ImportProbe() {
    }

    record ImportResult(long znodes, double seconds, long peakHeapBytes, long peakLiveHeapBytes, long peakRssBytes,
            long replicaHeapBytes, String output) {
        double znodesPerSecond() {
            return znodes / seconds;
        }

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("znodes", znodes);
            map.put("seconds", seconds);
            map.put("znodesPerSecond", znodesPerSecond());
            map.put("peakHeapBytes", peakHeapBytes);
            map.put("peakHeapAfterGcBytes", peakLiveHeapBytes);
            map.put("peakRssBytes", peakRssBytes);
            map.put("replicaHeapAfterFullGcBytes", replicaHeapBytes);
            map.put("importOutput", output);
            return map;
        }
    }

    static ImportResult run(BenchEnvironment environment, long znodes, PrintStream log)
            throws IOException, InterruptedException {
        Path work = environment.out().resolve("import");
        BenchEnvironment.deleteRecursively(work);
        Path zkDir = work.resolve("zookeeper");
        log.printf(Locale.ROOT, "writing a ZooKeeper data directory of %,d znodes and %,d logged creates%n", znodes,
                LOG_TAIL);
        writeZooKeeperData(zkDir, znodes);
        Path target = work.resolve("viewkeeper");
        Path gcLog = work.resolve("import-gc.log");
        List<String> command = new ArrayList<>(List.of(environment.javaExecutable().toString()));
        command.addAll(environment.jvmOptions());
        command.addAll(List.of("-Xlog:gc:file=" + gcLog, "-cp", classpath(environment), MAIN, "import",
                "--zookeeper-data-dir", zkDir.toString(), "--data-dir", target.toString(), "--replicas", "3"));
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("import.out").toFile()).start();
        long peakRss = 0;
        while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
            peakRss = Math.max(peakRss, rssHighWater(process.pid()));
            if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(IMPORT_TIMEOUT_MINUTES)) {
                process.destroyForcibly();
                throw new IOException("the import did not finish within " + IMPORT_TIMEOUT_MINUTES + " minutes");
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String output = Files.readString(work.resolve("import.out"), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("the import failed (exit " + process.exitValue() + "): " + output);
        }
        List<String> gcLines = Files.readAllLines(gcLog, StandardCharsets.UTF_8);
        log.print(output);
        Matcher imported = IMPORTED.matcher(output);
        if (!imported.find()) {
            throw new IOException("the import did not say how many znodes it imported: " + output);
        }
        long replicaHeap = replicaHeap(environment, target.resolve("replica-1"), work, log);
        return new ImportResult(Long.parseLong(imported.group(1)), seconds, peakHeap(gcLines, 1),
                peakHeap(gcLines, 2), peakRss, replicaHeap, output.strip());
    }

    static String table(ImportResult r) {
        return String.format(Locale.ROOT, """
                | znodes | import s | znodes/s | import heap before GC, max MiB | import heap after GC, max MiB \
                | import peak RSS MiB | replica heap after full GC MiB |
                |---|---|---|---|---|---|---|
                | %,d | %.1f | %,.0f | %d | %d | %d | %d |
                """, r.znodes(), r.seconds(), r.znodesPerSecond(), r.peakHeapBytes() >> 20,
                r.peakLiveHeapBytes() >> 20, r.peakRssBytes() >> 20, r.replicaHeapBytes() >> 20);
    }

    /** A snapshot of {@code znodes} znodes under 1000 parents, then a log of creates after it, as ZooKeeper writes. */
    private static void writeZooKeeperData(Path zkDir, long znodes) throws IOException {
        Path version2 = Files.createDirectories(zkDir.resolve("version-2"));
        DataTree tree = new DataTree();
        ConcurrentHashMap<Long, Integer> sessions = new ConcurrentHashMap<>();
        byte[] value = new byte[100];
        long zxid = 0x100000000L;
        long time = System.currentTimeMillis();
        try {
            tree.createNode("/bench", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, 0, 0, ++zxid, time);
            for (int p = 0; p < ZnodeFill.PARENTS; p++) {
                tree.createNode("/bench/" + p, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, 0, 0, ++zxid, time);
            }
            for (long i = 0; i < znodes; i++) {
                String parent = "/bench/" + (i % ZnodeFill.PARENTS);
                StatPersisted parentStat = tree.getNode(parent).stat;
                tree.createNode(parent + "/n" + i, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, 0,
                        parentStat.getCversion() + 1, ++zxid, time);
            }
        } catch (org.apache.zookeeper.KeeperException e) {
            throw new IOException(e);
        }
        tree.lastProcessedZxid = zxid;
        new FileSnap(version2.toFile()).serialize(tree, sessions,
                version2.resolve(Util.makeSnapshotName(zxid)).toFile(), true);
        try (FileTxnLog txnLog = new FileTxnLog(version2.toFile())) {
            for (int i = 0; i < LOG_TAIL; i++) {
                zxid++;
                String path = "/bench/" + (i % ZnodeFill.PARENTS) + "/tail" + i;
                TxnHeader header = new TxnHeader(1, i + 1, zxid, time, OpCode.create);
                CreateTxn create = new CreateTxn(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, false, -1);
                txnLog.append(new Request(1, i + 1, OpCode.create, header, create, zxid));
            }
            txnLog.commit();
        }
    }

    /** The heap one replica of the imported group holds after a full GC, once it serves. */
    private static long replicaHeap(BenchEnvironment environment, Path dataDir, Path work, PrintStream log)
            throws IOException, InterruptedException {
        int port = environment.basePort();
        Path config = work.resolve("replica.cfg");
        Files.writeString(config, "tickTime=2000\ndataDir=" + dataDir + "\nclientPort=" + port
                + "\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n");
        List<String> command = new ArrayList<>(List.of(environment.javaExecutable().toString()));
        command.addAll(environment.jvmOptions());
        command.addAll(List.of("-cp", classpath(environment), MAIN, "node", "--config", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("replica.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            String host = InetAddress.getLoopbackAddress().getHostAddress();
            while (!FourLetterWord.srvr(host, port).contains("Mode:")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("the imported replica did not start; see " + work.resolve("replica.out"));
                }
                Thread.sleep(100); // polling a child process, not a test
            }
            long heap = HeapProbe.usedBytesAfterFullGc(environment.javaExecutable(), process.pid());
            log.printf(Locale.ROOT, "the imported replica holds %,d MiB of heap after a full GC%n", heap >> 20);
            return heap;
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static String classpath(BenchEnvironment environment) {
        return String.join(File.pathSeparator, environment.classpath().stream().map(Path::toString).toList());
    }

    /**
     * The largest heap occupancy in a unified GC log (-Xlog:gc), in bytes: before a collection (group 1, garbage
     * included) or after one (group 2, at most what was live).
     */
    static long peakHeap(List<String> gcLines, int group) {
        long peakMiB = 0;
        for (String line : gcLines) {
            Matcher m = GC_PAUSE.matcher(line);
            if (m.find()) {
                peakMiB = Math.max(peakMiB, Long.parseLong(m.group(group)));
            }
        }
        return peakMiB << 20;
    }

    /** VmHWM of a live process, the most resident memory it has had; 0 when it cannot be read. */
    private static long rssHighWater(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
