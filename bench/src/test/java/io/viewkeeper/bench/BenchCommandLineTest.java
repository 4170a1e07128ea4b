package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** An unknown system or mix on the bench's command line is a usage error naming it, before anything starts. */
class BenchCommandLineTest {

    @Test
    void shouldRefuseAnUnknownMixOrSystemWithOneLineAndExitTwo() {
        for (String[] args : new String[][] {{"matrix", "--mixes", "setData:100"}, {"matrix", "--systems", "zk,etcd"},
                {"restart", "--systems", "vk-lin,nope"}, {"scale", "--systems", "zk,nope"}}) {
            StringWriter err = new StringWriter();
            CommandLine line = BenchMain.commandLine();
            line.setErr(new PrintWriter(err, true));
            line.setOut(new PrintWriter(new StringWriter(), true));
            assertThat(line.execute(args)).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).as(String.join(" ", args)).containsPattern("unknown (mix|system)")
                    .doesNotContain("\tat io.viewkeeper");
        }
    }

    /** Tree sizes for the scale probe grow: a list that goes down is refused before any server starts. */
    @Test
    void shouldRefuseTreeSizesThatAreNotAscending() {
        StringWriter err = new StringWriter();
        CommandLine line = BenchMain.commandLine();
        line.setErr(new PrintWriter(err, true));
        line.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(line.execute("scale", "--znodes", "1000000,0", "--out", "target/never-written")).isEqualTo(2);
        assertThat(err.toString()).contains("--znodes must be ascending").doesNotContain("\tat io.viewkeeper");
    }
}
