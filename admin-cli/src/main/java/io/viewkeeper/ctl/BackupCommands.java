package io.viewkeeper.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Backup and restore through the admin endpoints' snapshot and restore commands (ZooKeeper 3.9's), with the admin
 * token. The file is a ZooKeeper snapshot: ZooKeeper 3.9 and its tools load it, and {@code viewkeeper import
 * --zookeeper-snapshot} turns it into new data directories.
 */
final class BackupCommands {
    private BackupCommands() {
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true,
            description = "Writes the group's state, at an op the primary (or --replica ID) has applied, to FILE as "
                    + "a ZooKeeper snapshot.")
    static final class Snapshot implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Parameters(paramLabel = "FILE", description = "The snapshot file to write (replaced if it exists).")
        Path file;

        @Option(names = "--replica", paramLabel = "ID", description = "Take it from this replica.")
        Integer replica;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            Probe target = GroupCommands.target(GroupView.probe(vkctl.client(), vkctl.servers()), replica);
            AdminClient.Snapshot taken = vkctl.client().snapshot(target.server(), file);
            vkctl.out().println("r" + target.id() + ": snapshot at zxid " + taken.lastZxid() + " (" + taken.bytes()
                    + " bytes) written to " + file);
            return ExitCodes.OK;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Replaces the group's whole state with the ZooKeeper snapshot in FILE, through the log "
                    + "(one op every replica applies); client connections are closed and the snapshot's sessions "
                    + "can resume. Everything written since the snapshot is gone: --yes confirms.")
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        Vkctl vkctl;

        @Parameters(paramLabel = "FILE", description = "The snapshot to restore (uncompressed, as snapshot writes).")
        Path file;

        @Option(names = "--replica", paramLabel = "ID", description = "Send it to this replica (default: the primary).")
        Integer replica;

        @Option(names = "--yes", description = "Confirm that the group's state is to be replaced.")
        boolean confirmed;

        @Override
        public Integer call() throws AdminClient.CallFailure {
            PrintWriter err = vkctl.spec.commandLine().getErr();
            if (!confirmed) {
                err.println("vkctl: restore replaces the group's whole state with " + file
                        + "; run it again with --yes to confirm");
                return ExitCodes.USAGE;
            }
            if (!Files.isRegularFile(file)) {
                err.println("vkctl: " + file + " is not a file");
                return ExitCodes.USAGE;
            }
            Probe target = GroupCommands.target(GroupView.probe(vkctl.client(), vkctl.servers()), replica);
            JsonNode answer = vkctl.client().restore(target.server(), file);
            vkctl.out().println("r" + target.id() + ": restored " + file + " at zxid 0x"
                    + Long.toHexString(answer.path("last_zxid").asLong()));
            return ExitCodes.OK;
        }
    }
}
