package io.viewkeeper.cluster;

import io.viewkeeper.server.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the node's command line ({@code viewkeeper import}, {@code export}, ...) in this JVM. */
public final class ViewkeeperCommand {
    private ViewkeeperCommand() {
    }

    /** What the command printed, on standard output and standard error together. */
    public static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine line = new CommandLine(new Main());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(out, true));
        line.execute(args);
        return out.toString();
    }
}
