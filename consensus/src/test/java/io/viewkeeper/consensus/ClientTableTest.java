package io.viewkeeper.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientTableTest {
    private static final byte[] RESULT = {1};

    private static List<Long> clients(ClientTable table) {
        return table.snapshot().stream().map(ClientTable.Session::clientId).toList();
    }

    @Test
    void shouldEvictTheClientWhoseLatestOpIsOldestWhenANewClientFindsTheTableFull() {
        ClientTable table = new ClientTable(3);
        table.record(10, 1, 5, RESULT);
        table.record(20, 1, 3, RESULT);
        table.record(30, 1, 7, RESULT);
        table.record(20, 2, 8, RESULT); // 20 is no longer the oldest

        table.record(40, 1, 9, RESULT);
        assertThat(clients(table)).containsExactly(20L, 30L, 40L);

        table.end(30);
        table.record(50, 1, 10, RESULT); // room again: nobody goes
        assertThat(clients(table)).containsExactly(20L, 40L, 50L);

        table.record(60, 1, 11, RESULT);
        assertThat(clients(table)).containsExactly(40L, 50L, 60L);
        assertThat(table.executed(40, 1)).isTrue();
        assertThat(table.executed(20, 2)).as("evicted").isFalse();
    }

    @Test
    void shouldEvictTheLowestClientIdAmongEqualOpsAfterARestore() {
        ClientTable table = new ClientTable(2);
        table.restore(List.of(new ClientTable.Session(7, 1, 4, RESULT), new ClientTable.Session(3, 1, 4, RESULT)));

        table.record(9, 1, 5, RESULT);

        assertThat(clients(table)).containsExactly(7L, 9L);
        assertThat(table.size()).isEqualTo(2);
    }
}
