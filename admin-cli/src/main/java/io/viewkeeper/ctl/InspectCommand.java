package io.viewkeeper.ctl;

import io.viewkeeper.storage.DataDirInspector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Offline: checks a stopped replica's data directory with the server's own checks; needs no server running. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Check a stopped replica's data directory offline: its metadata, its checkpoint (every record "
                + "and the tree digest) and its log segments (checksums, op ranges, torn tail). Changes nothing.",
            "Exit 0 when every check passes, 1 when a problem is found, 64 when the directory cannot be read."},
        footer = {"", "Example:", "  vkctl inspect --data-dir .viewkeeper/data/replica-2"})
final class InspectCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "The replica's data directory.")
    private Path dataDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            return DataDirInspector.inspect(dataDir, out) == 0 ? ExitCodes.OK : ExitCodes.DEGRADED;
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("vkctl: inspect: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
