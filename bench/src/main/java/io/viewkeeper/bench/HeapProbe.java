package io.viewkeeper.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap in use after a full collection of a server JVM, read with jcmd (GC.run, then GC.heap_info) by PID. */
final class HeapProbe {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final long JCMD_TIMEOUT_MS = 60_000;

    private HeapProbe() {
    }

    static long usedBytesAfterFullGc(Path javaExecutable, long pid) throws IOException, InterruptedException {
        Path jcmd = javaExecutable.resolveSibling("jcmd");
        jcmd(jcmd, pid, "GC.run");
        return parseUsedBytes(jcmd(jcmd, pid, "GC.heap_info"));
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
