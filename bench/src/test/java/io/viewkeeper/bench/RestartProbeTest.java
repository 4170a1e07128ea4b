package io.viewkeeper.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RestartProbeTest {
    private static final String ZK_LEADER = "Zookeeper version: 3.9.4\nLatency min/avg/max: 0/0/0\nMode: leader\n"
            + "Node count: 5\n";
    private static final String ZK_FOLLOWER = ZK_LEADER.replace("leader", "follower");
    private static final String ZK_NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n";
    private static final String VK_LEADER = "Zookeeper version: 3.9.4-viewkeeper\nMode: leader\n"
            + "Replica: normal view 4 op 100 commit 100\nNode count: 5\n";
    private static final String VK_FOLLOWER = VK_LEADER.replace("leader", "follower");
    private static final String VK_RECOVERING = "Zookeeper version: 3.9.4-viewkeeper\nMode: follower\n"
            + "Replica: recovering view 4 op 0 commit 0\nNode count: 1\n";

    private static RestartProbe.RestartResult result(String system, int repeat, long firstReadMs, long allMs) {
        return new RestartProbe.RestartResult(system, repeat, 100_000, 9000, firstReadMs, system + "-1", allMs);
    }

    @Test
    void shouldCountGroupBackWhenEveryServerLeadsOrFollowsWithOneLeader() {
        assertThat(RestartProbe.allInGroup(List.of(ZK_FOLLOWER, ZK_LEADER, ZK_FOLLOWER))).isTrue();
        assertThat(RestartProbe.allInGroup(List.of(VK_LEADER, VK_FOLLOWER, VK_FOLLOWER))).isTrue();
        assertThat(RestartProbe.allInGroup(List.of(ZK_FOLLOWER, ZK_LEADER, ZK_NOT_SERVING))).isFalse();
        assertThat(RestartProbe.allInGroup(List.of(ZK_FOLLOWER, ZK_LEADER, ""))).isFalse();
        assertThat(RestartProbe.allInGroup(List.of(ZK_FOLLOWER, ZK_FOLLOWER, ZK_FOLLOWER))).isFalse();
        assertThat(RestartProbe.allInGroup(List.of(ZK_LEADER, ZK_LEADER, ZK_FOLLOWER))).isFalse();
    }

    @Test
    void shouldNotCountViewkeeperFollowerWhenItsReplicaIsNotNormal() {
        assertThat(FourLetterWord.isInGroup(VK_FOLLOWER)).isTrue();
        assertThat(FourLetterWord.isInGroup(VK_RECOVERING)).isFalse();
        assertThat(FourLetterWord.isInGroup(VK_FOLLOWER.replace("normal", "view_change"))).isFalse();
        assertThat(RestartProbe.allInGroup(List.of(VK_LEADER, VK_FOLLOWER, VK_RECOVERING))).isFalse();
        assertThat(FourLetterWord.isInGroup("Mode: standalone\n")).isFalse();
    }

    @Test
    void shouldPrintMediansAndRatioToFirstSystemWhenRestartTableFormatted() {
        List<RestartProbe.RestartResult> results = List.of(result("zk", 1, 3000, 4000), result("vk-lin", 1, 1000, 1200),
                result("zk", 2, 5000, 6000), result("vk-lin", 2, 1400, -1));
        assertThat(RestartProbe.table(results).lines().toList()).containsExactly(
                "| restart        | metric          |    zk | vk-lin | vk-lin/zk |",
                "|:---------------|:----------------|------:|-------:|----------:|",
                "| 100,000 znodes | first read ms   | 4,000 |  1,200 |     0.30x |",
                "|                | all in group ms | 5,000 |  1,200 |     0.24x |");
        assertThat(RestartProbe.table(List.of())).isEmpty();
    }

    @Test
    void shouldShowNoRatioWhenOneSystemNeverCameBack() {
        List<RestartProbe.RestartResult> results = List.of(result("zk", 1, 3000, 4000), result("vk-lin", 1, 900, -1));
        assertThat(RestartProbe.table(results).lines().toList().get(3))
                .isEqualTo("|                | all in group ms | 4,000 |      - |         - |");
    }

    @Test
    void shouldWriteNullWhenServersWereNotAllSeenBack() {
        assertThat(Json.write(result("vk-lin", 1, 1500, -1).toMap())).isEqualTo("{\"system\":\"vk-lin\",\"repeat\":1,"
                + "\"znodes\":100000,\"loadMs\":9000,\"firstReadMs\":1500,\"readFrom\":\"vk-lin-1\","
                + "\"allInGroupMs\":null}");
        assertThat(Json.write(result("zk", 1, 1500, 2500).toMap())).contains("\"allInGroupMs\":2500");
    }

    @Test
    void shouldSpreadZnodesOverParentsWhenFilled() {
        ZnodeFill fill = new ZnodeFill("/restart");
        assertThat(fill.path(0)).isEqualTo("/restart/0/n0");
        assertThat(fill.path(999)).isEqualTo("/restart/999/n999");
        assertThat(fill.path(1_000_123)).isEqualTo("/restart/123/n1000123");
        assertThatThrownBy(() -> new ZnodeFill("restart")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ZnodeFill("/restart/")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldParseRestartOptionsWhenGivenOnCommandLine() {
        CommandLine.ParseResult parsed = BenchMain.commandLine()
                .parseArgs("restart", "--znodes", "100000", "--systems", "zk, vk-seq");
        BenchMain.RestartCommand command = (BenchMain.RestartCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(command.znodes).isEqualTo(100_000);
        assertThat(command.systems).containsExactly(BenchSystem.ZK, BenchSystem.VK_SEQUENTIAL);
        assertThat(command.repeats).isEqualTo(1);

        BenchMain.RestartCommand defaults = (BenchMain.RestartCommand) BenchMain.commandLine()
                .parseArgs("restart").subcommand().commandSpec().userObject();
        assertThat(defaults.znodes).isEqualTo(1_000_000);
        assertThat(defaults.systems).containsExactly(BenchSystem.ZK, BenchSystem.VK_LINEARIZABLE);
    }

    @Test
    void shouldTakeRestartAndZnodesWhenMatrixAsked() {
        MatrixCommand matrix = (MatrixCommand) BenchMain.commandLine()
                .parseArgs("matrix", "--restart", "--znodes", "5000").subcommand().commandSpec().userObject();
        assertThat(matrix.restart).isTrue();
        assertThat(matrix.znodes).isEqualTo(5000);
    }
}
