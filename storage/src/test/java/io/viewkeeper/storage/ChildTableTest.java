package io.viewkeeper.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChildTableTest {

    /** 2^bits names of one String.hashCode: "Aa" and "BB" hash alike, and so does any sequence of them. */
    private static List<String> collidingNames(String prefix, int bits) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1 << bits; i++) {
            StringBuilder name = new StringBuilder(prefix);
            for (int b = 0; b < bits; b++) {
                name.append((i >> b & 1) == 0 ? "Aa" : "BB");
            }
            names.add(name.toString());
        }
        return names;
    }

    private static Znode node() {
        return new Znode(new byte[0], Acl.OPEN, 1, 1, 0);
    }

    private static void assertSameOrder(ChildTable table, Set<String> reference, String step) {
        assertThat(table.names()).as("after %s", step).containsExactlyElementsOf(reference);
        assertThat(table.size()).as("size after %s", step).isEqualTo(reference.size());
    }

    @Test
    void shouldOrderAsAHashSetOfEightThroughRandomAddsAndRemovesWithCrowdedBins() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            List<String> pool = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                pool.add("n" + Integer.toString(random.nextInt(100_000), 36));
            }
            pool.addAll(collidingNames("x", 4)); // 16 names in one bin: a table under 64 resizes, one of 64 turns
            pool.addAll(collidingNames("é", 3)); // non-ASCII names, 8 of one hash
            ChildTable table = new ChildTable(1);
            Set<String> reference = new HashSet<>(8);
            for (int step = 0; step < 3_000; step++) {
                String name = pool.get(random.nextInt(pool.size()));
                if (random.nextInt(3) == 0) {
                    table.remove(name);
                    reference.remove(name);
                } else {
                    table.put(name, node());
                    reference.add(name);
                }
                if (step % 50 == 0) {
                    assertSameOrder(table, reference, "step " + step + " of seed " + seed);
                }
            }
            assertSameOrder(table, reference, "seed " + seed);
            for (String name : pool) {
                Znode found = table.get("/p/" + name, 3, 3 + name.length());
                assertThat(found != null).as("%s found, seed %s", name, seed).isEqualTo(reference.contains(name));
                if (found != null) {
                    assertThat(found.name()).isEqualTo(name);
                }
            }
        }
    }

    @Test
    void shouldHandItsChildrenToAHashMapWhereABinWouldBecomeATreeAndKeepTheOrder() {
        ChildTable table = new ChildTable(1);
        Set<String> reference = new HashSet<>(8);
        for (int i = 0; i < 60; i++) { // grows the table to 128
            table.put("filler" + i, node());
            reference.add("filler" + i);
        }
        for (String name : collidingNames("c", 5)) { // a bin of 9 in a table of 128: HashMap makes it a tree
            table.put(name, node());
            reference.add(name);
            assertSameOrder(table, reference, "adding " + name);
        }
        for (String name : collidingNames("c", 5).subList(0, 20)) { // a tree bin's order after removals
            table.remove(name);
            reference.remove(name);
            assertSameOrder(table, reference, "removing " + name);
        }
        assertThat(table.get("/cBBBBBBBBBB", 1, 12)).isNotNull();
        assertThat(table.get("/cBBBBBBBBBB", 1, 10)).isNull();
    }

    @Test
    void shouldOrderAsAHashSetWhenOneBinCrowdsWhileTheTableIsStillSmall() {
        // eleven names of one hash into an empty set: the bin reaches 9 at 16 bins, then 32, and a tree at 64
        List<String> names = collidingNames("c", 4);
        ChildTable table = new ChildTable(1);
        Set<String> reference = new HashSet<>(8);
        for (String name : names.subList(0, 11)) {
            table.put(name, node());
            reference.add(name);
            assertSameOrder(table, reference, "adding " + name);
        }
        for (String name : List.of("x", "y", "z")) {
            table.put(name, node());
            reference.add(name);
        }
        table.remove(names.get(3));
        reference.remove(names.get(3));
        assertSameOrder(table, reference, "more names and a removal");
    }

    @Test
    void shouldKeepTheBinWhenAChildIsPutAgainUnderItsOwnName() {
        ChildTable table = new ChildTable(1);
        List<String> names = collidingNames("", 2);
        List<Znode> nodes = new ArrayList<>();
        for (String name : names) {
            nodes.add(node());
            table.put(name, nodes.getLast());
        }
        table.put(names.get(1), nodes.get(1)); // an undo puts a node back under its name

        assertThat(table.names()).containsExactlyElementsOf(names);
        assertThat(table.get(names.get(3), 0, names.get(3).length())).isSameAs(nodes.get(3));
    }

    @Test
    void shouldRefuseANameThatUtf8CannotHoldWhenItIsOtherwiseAscii() {
        Znode child = node();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> child.setName("ab\uD800"))
                .isInstanceOf(IllegalArgumentException.class);
        child.setName("caf\u00e9");
        assertThat(child.name()).isEqualTo("caf\u00e9");
        assertThat(child.nameHash()).isEqualTo("caf\u00e9".hashCode());
    }

    @Test
    void shouldKeepAReplacedChildsPlaceAndFindNothingForAnotherNameOfTheSameHash() {
        ChildTable table = new ChildTable(1);
        List<String> names = collidingNames("", 3);
        for (String name : names.subList(0, 4)) {
            table.put(name, node());
        }
        Znode replacement = node();
        table.put(names.get(1), replacement);
        assertThat(table.names()).containsExactlyElementsOf(names.subList(0, 4));
        assertThat(table.get(names.get(1), 0, names.get(1).length())).isSameAs(replacement);
        assertThat(table.get(names.get(5), 0, names.get(5).length())).isNull();
        assertThat(table.get("Aa", 0, 2)).isNull();
        table.remove(names.get(5)); // absent: nothing changes
        assertThat(table.size()).isEqualTo(4);
    }

    @Test
    void shouldCompareNamesByTheirCharsWhateverTheirBytes() {
        byte[] ascii = "ids".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] accented = "café".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ChildTable.nameEquals(ascii, "/brokers/ids", 9, 12)).isTrue();
        assertThat(ChildTable.nameEquals(ascii, "/brokers/idsx", 9, 13)).isFalse();
        assertThat(ChildTable.nameEquals(ascii, "/brokers/id", 9, 11)).isFalse();
        assertThat(ChildTable.nameEquals(accented, "/café", 1, 5)).isTrue();
        assertThat(ChildTable.nameEquals(accented, "/cafe", 1, 5)).isFalse();
        assertThat(ChildTable.nameEquals(accented, "/café!", 1, 6)).isFalse();
        assertThat(ChildTable.charLength(accented)).isEqualTo(4);
        assertThat(ChildTable.charLength("a\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo(3);
    }
}
