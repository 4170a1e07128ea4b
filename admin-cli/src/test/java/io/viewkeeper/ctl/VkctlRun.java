package io.viewkeeper.ctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One vkctl invocation in this JVM: its exit code and what it printed on stdout and stderr. */
record VkctlRun(int exitCode, String out, String err) {

    static VkctlRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Vkctl.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new VkctlRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
}
