package io.viewkeeper.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side table: per configuration, a throughput row and a p99 row with each system's median over its
 * repeats, then each other system's ratio to the reference (the first system). Printed as a Markdown table.
 */
public final class ResultTable {
    private ResultTable() {
    }

    public static String format(Medians medians, List<BenchSystem> systems) {
        BenchSystem reference = systems.getFirst();
        List<String> header = new ArrayList<>(List.of("configuration", "metric"));
        for (BenchSystem system : systems) {
            header.add(system.id());
        }
        for (BenchSystem system : systems.subList(1, systems.size())) {
            header.add(system.id() + "/" + reference.id());
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (String configuration : medians.configurations()) {
            rows.add(row(medians, systems, configuration, true));
            rows.add(row(medians, systems, configuration, false));
        }
        return render(rows);
    }

    private static List<String> row(Medians medians, List<BenchSystem> systems, String configuration,
            boolean throughput) {
        List<String> row = new ArrayList<>();
        row.add(throughput ? configuration : "");
        row.add(throughput ? "ops/s" : "p99 ms");
        for (BenchSystem system : systems) {
            Medians.Cell cell = medians.cell(configuration, system);
            row.add(cell == null ? "-" : throughput ? number(cell.throughput(), 0) : number(cell.p99Us() / 1000, 2));
        }
        Medians.Cell reference = medians.cell(configuration, systems.getFirst());
        for (BenchSystem system : systems.subList(1, systems.size())) {
            Medians.Cell cell = medians.cell(configuration, system);
            row.add(ratio(cell, reference, throughput));
        }
        return row;
    }

    static String ratio(Medians.Cell cell, Medians.Cell reference, boolean throughput) {
        if (cell == null || reference == null) {
            return "-";
        }
        double numerator = throughput ? cell.throughput() : cell.p99Us();
        double denominator = throughput ? reference.throughput() : reference.p99Us();
        if (denominator == 0) {
            return "-";
        }
        return number(numerator / denominator, 2) + "x";
    }

    static String number(double value, int decimals) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    static String render(List<List<String>> rows) {
        int columns = rows.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            out.append('|');
            for (int c = 0; c < columns; c++) {
                String cell = rows.get(r).get(c);
                boolean left = c < 2;
                out.append(' ').append(left ? pad(cell, widths[c], true) : pad(cell, widths[c], false)).append(" |");
            }
            out.append('\n');
            if (r == 0) {
                out.append('|');
                for (int c = 0; c < columns; c++) {
                    out.append(c < 2 ? ":" : "-").append("-".repeat(widths[c])).append(c < 2 ? "-|" : ":|");
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String pad(String text, int width, boolean left) {
        String fill = " ".repeat(width - text.length());
        return left ? text + fill : fill + text;
    }
}
