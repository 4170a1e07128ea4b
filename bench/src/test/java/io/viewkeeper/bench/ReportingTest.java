package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportingTest {
    private static final Workload WRITE = MatrixPlan.StandardMix.WRITE.workload(4, 8, 0, 1000);

    private static RunResult result(BenchSystem system, long completed, long p99) {
        return new RunResult(system.id(), WRITE, 1, 1000, completed, Map.of(),
                new RunResult.Latency(1, 2, p99, p99, p99, 1.5));
    }

    @Test
    void shouldEscapeAndKeepOrderWhenWritingJson() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("b", "quote \" slash \\ line\n");
        map.put("a", List.of(1, 2.5, true));
        map.put("n", null);
        map.put("whole", 3.0);
        assertThat(Json.write(map))
                .isEqualTo("{\"b\":\"quote \\\" slash \\\\ line\\n\",\"a\":[1,2.500,true],\"n\":null,\"whole\":3}");
    }

    @Test
    void shouldCarryEverySummaryFieldWhenRunResultWritten() {
        String json = result(BenchSystem.ZK, 5000, 900).toJson();
        assertThat(json).startsWith("{\"system\":\"zk\",\"config\":\"write s=4 w=8\"")
                .contains("\"opsPerSec\":5000", "\"p99Us\":900", "\"p999Us\":900", "\"maxUs\":900", "\"errors\":{}");
    }

    @Test
    void shouldTakeMedianOfOddAndEvenCounts() {
        assertThat(Medians.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Medians.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
        assertThat(Medians.median(new double[0])).isNaN();
    }

    @Test
    void shouldPrintMediansAndRatiosToReferenceWhenTableFormatted() {
        List<RunResult> runs = List.of(result(BenchSystem.ZK, 1000, 4000), result(BenchSystem.ZK, 3000, 8000),
                result(BenchSystem.ZK, 2000, 6000), result(BenchSystem.VK_LINEARIZABLE, 4000, 3000));
        String table = ResultTable.format(Medians.of(runs), List.of(BenchSystem.ZK, BenchSystem.VK_LINEARIZABLE));
        assertThat(table.lines().toList()).containsExactly(
                "| configuration | metric |    zk | vk-lin | vk-lin/zk |",
                "|:--------------|:-------|------:|-------:|----------:|",
                "| write s=4 w=8 | ops/s  | 2,000 |  4,000 |     2.00x |",
                "|               | p99 ms |  6.00 |   3.00 |     0.50x |");
    }

    @Test
    void shouldDrawOneBarPerSystemAndConfigurationWhenChartRendered() {
        List<RunResult> runs = List.of(result(BenchSystem.ZK, 1000, 4000), result(BenchSystem.VK_LINEARIZABLE, 2000,
                3000));
        String svg = SvgChart.render(Medians.of(runs), List.of(BenchSystem.ZK, BenchSystem.VK_LINEARIZABLE), "a < b");
        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("a &lt; b");
        assertThat(svg.split("<title>", -1)).hasSize(1 + 2 * 2);
    }

    @Test
    void shouldReadModeAndHeapWhenServersAnswer() {
        assertThat(FourLetterWord.parseMode("Zookeeper version: 3.9.4\nLatency min/avg/max: 0/0/0\nMode: leader\n"))
                .contains("leader");
        assertThat(FourLetterWord.parseMode("This ZooKeeper instance is not currently serving requests\n")).isEmpty();
        assertThat(HeapProbe.parseUsedBytes(" garbage-first heap   total reserved 1048576K, committed 1048576K, "
                + "used 20480K [0x00000000c0000000, 0x0000000100000000)")).isEqualTo(20480L * 1024);
    }

    @Test
    void shouldKeepTheTopClassesAndTheTotalWhenReadingAHistogram() {
        String histogram = "12345:\n num     #instances         #bytes  class name (module)\n"
                + "-------------------------------------------------------\n"
                + "   1:        200000       24000000  [B (java.base@25.0.3)\n"
                + "   2:        200000       19200000  io.viewkeeper.storage.Znode\n"
                + "   3:          1000          64000  java.util.HashMap$Node[] (java.base@25.0.3)\n"
                + "Total        401000       43264000\n";
        assertThat(HeapProbe.parseHistogram(histogram, 2)).containsExactly(
                new HeapProbe.ClassShare("[B", 200000, 24000000),
                new HeapProbe.ClassShare("io.viewkeeper.storage.Znode", 200000, 19200000),
                new HeapProbe.ClassShare("total", 401000, 43264000));
        assertThatThrownBy(() -> HeapProbe.parseHistogram("12345:\n", 2)).isInstanceOf(IllegalStateException.class);
    }
}
