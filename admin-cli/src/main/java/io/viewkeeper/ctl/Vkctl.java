package io.viewkeeper.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * vkctl: sees and steers a Viewkeeper replica group through its nodes' admin endpoints. The global options name the
 * servers and the token; each subcommand prints a table (or JSON) and exits with a code from {@link ExitCodes}.
 * Every failure is one line on stderr. This is the only class that calls System.exit.
 */
@Command(name = "vkctl", mixinStandardHelpOptions = true, versionProvider = Vkctl.Version.class,
        description = "See and steer a Viewkeeper replica group through its admin endpoints.",
        subcommands = {StatusCommand.class, GroupCommands.Members.class, GroupCommands.Sessions.class,
            GroupCommands.Watches.class, MetricsCommand.class, SteerCommands.ViewChange.class,
            SteerCommands.Checkpoint.class, GroupCommands.Log.class, BackupCommands.Snapshot.class,
            BackupCommands.Restore.class, InspectCommand.class, ReconfigCommands.AddLearner.class,
            ReconfigCommands.Promote.class, ReconfigCommands.Remove.class, ReconfigCommands.Replace.class,
            AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:done; status: healthy",
            "1:status: degraded (a replica down, not normal, or lagging)",
            "2:status: no quorum",
            "3:a server could not be reached or did not answer",
            "4:a server refused the command (the reason is printed)",
            "5:admin token missing or wrong",
            "6:view-change did not settle within --wait",
            "64:bad command line"},
        footerHeading = "%nExamples:%n", footer = {
            "  vkctl --servers 127.0.0.1:8080,127.0.0.2:8080,127.0.0.3:8080 status",
            "  vkctl status --watch --interval 1",
            "  vkctl status --json | jq .state",
            "  vkctl --token-file .viewkeeper/admin.token view-change",
            "  vkctl log --tail 50 --replica 2",
            "  source <(vkctl generate-completion)",
            "",
            "--servers defaults to $VKCTL_SERVERS, else 127.0.0.1:8080; the token comes from --token-file,",
            "$VKCTL_TOKEN_FILE or $VKCTL_TOKEN. './viewkeeper ctl' sets both for a group it started."})
public final class Vkctl implements Callable<Integer> {
    /** The version the build wrote into the storage jar, which vkctl ships with. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vkctl " + io.viewkeeper.storage.Version.number() + " (built "
                    + io.viewkeeper.storage.Version.built() + ")"};
        }
    }


    @Spec
    CommandSpec spec;

    @Option(names = "--servers", scope = CommandLine.ScopeType.INHERIT, paramLabel = "HOST:PORT,...", split = ",",
            defaultValue = "${env:VKCTL_SERVERS:-127.0.0.1:8080}",
            description = "Admin endpoints of the replicas (admin.serverAddress:admin.serverPort of each).")
    List<String> servers = new ArrayList<>();

    @Option(names = "--token-file", scope = CommandLine.ScopeType.INHERIT, paramLabel = "FILE", defaultValue = "${env:VKCTL_TOKEN_FILE}",
            description = "File holding the admin token, for view-change and checkpoint.")
    Path tokenFile;

    @Option(names = "--tls-ca", scope = CommandLine.ScopeType.INHERIT, paramLabel = "FILE",
            defaultValue = "${env:VKCTL_TLS_CA}",
            description = "Speak HTTPS (admin.forceHttps or admin.portUnification) and trust the CA certificates of "
                    + "this PEM file (also VKCTL_TLS_CA).")
    Path tlsCa;

    @Option(names = "--timeout", scope = CommandLine.ScopeType.INHERIT, paramLabel = "MS", defaultValue = "5000",
            description = "How long to wait for each server (default: ${DEFAULT-VALUE} ms).")
    long timeoutMs;

    public static void main(String[] args) {
        CommandLine line = commandLine();
        int code = line.execute(args);
        line.getOut().flush();
        line.getErr().flush();
        System.exit(code);
    }

    /** The command line with vkctl's exit codes for bad input and one-line errors. */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Vkctl());
        line.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("vkctl: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        line.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof AdminClient.CallFailure failure) {
                commandLine.getErr().println("vkctl: " + failure.getMessage());
                return failure.exitCode();
            }
            throw ex;
        });
        return line;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    AdminClient client() throws AdminClient.CallFailure {
        if (timeoutMs < 1 || timeoutMs > 600_000) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--timeout must be between 1 and 600000 ms");
        }
        return new AdminClient(Duration.ofMillis(timeoutMs), token(), tlsCa);
    }

    List<String> servers() throws AdminClient.CallFailure {
        List<String> result = new ArrayList<>();
        for (String server : servers) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || !s.substring(colon + 1).matches("\\d{1,5}")) {
                throw new AdminClient.CallFailure(ExitCodes.USAGE, "--servers: '" + s + "' is not host:port");
            }
            result.add(s);
        }
        if (result.isEmpty()) {
            throw new AdminClient.CallFailure(ExitCodes.USAGE, "--servers is empty");
        }
        return result;
    }

    private String token() throws AdminClient.CallFailure {
        if (tokenFile != null) {
            try {
                String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
                if (token.isEmpty()) {
                    throw new AdminClient.CallFailure(ExitCodes.AUTH, "token file " + tokenFile + " is empty");
                }
                return token;
            } catch (IOException e) {
                throw new AdminClient.CallFailure(ExitCodes.AUTH, "cannot read token file " + tokenFile + " ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        String env = System.getenv("VKCTL_TOKEN");
        return env == null || env.isBlank() ? null : env.strip();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
