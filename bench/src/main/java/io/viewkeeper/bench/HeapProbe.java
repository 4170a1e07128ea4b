package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap in use after a full collection of a server JVM, read with jcmd (GC.run, then GC.heap_info) by PID. */
final class HeapProbe {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("\\s*Total\\s+(\\d+)\\s+(\\d+)\\s*");
    private static final long JCMD_TIMEOUT_MS = 60_000;

    private HeapProbe() {
    }

    static long usedBytesAfterFullGc(Path javaExecutable, long pid) throws IOException, InterruptedException {
        Path jcmd = javaExecutable.resolveSibling("jcmd");
        jcmd(jcmd, pid, "GC.run");
        return parseUsedBytes(jcmd(jcmd, pid, "GC.heap_info"));
    }

    /** One class of a heap histogram: how many objects and bytes (shallow) its instances take. */
    record ClassShare(String className, long instances, long bytes) {
    }

    /**
     * The {@code top} classes by bytes of a server's live objects ({@code jcmd GC.class_histogram}, which collects
     * first), followed by one share named "total" for all of them.
     */
    static List<ClassShare> classHistogram(Path javaExecutable, long pid, int top)
            throws IOException, InterruptedException {
        return parseHistogram(jcmd(javaExecutable.resolveSibling("jcmd"), pid, "GC.class_histogram"), top);
    }

    static List<ClassShare> parseHistogram(String histogram, int top) {
        List<ClassShare> shares = new ArrayList<>();
        for (String line : histogram.split("\\R")) {
            Matcher row = HISTOGRAM_ROW.matcher(line);
            if (row.matches() && shares.size() < top) {
                shares.add(new ClassShare(row.group(3), Long.parseLong(row.group(1)), Long.parseLong(row.group(2))));
            }
            Matcher total = HISTOGRAM_TOTAL.matcher(line);
            if (total.matches()) {
                shares.add(new ClassShare("total", Long.parseLong(total.group(1)), Long.parseLong(total.group(2))));
                return shares;
            }
        }
        throw new IllegalStateException("no Total line in the class histogram: " + histogram);
    }

    static long parseUsedBytes(String heapInfo) {
        Matcher matcher = USED.matcher(heapInfo);
        if (!matcher.find()) {
            throw new IllegalStateException("no 'used NK' in heap info: " + heapInfo);
        }
        return Long.parseLong(matcher.group(1)) * 1024;
    }

    private static String jcmd(Path jcmd, long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(JCMD_TIMEOUT_MS, TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed: " + output);
        }
        return output;
    }
}
