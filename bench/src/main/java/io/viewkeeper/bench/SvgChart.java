package io.viewkeeper.bench;

import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart of the medians as SVG: throughput on top, p99 latency below, one group of bars per
 * configuration and one colour per system.
 */
public final class SvgChart {
    private static final String[] COLOURS = {"#4e79a7", "#e15759", "#76b7b2", "#f28e2b", "#59a14f"};
    private static final int PANEL_HEIGHT = 260;
    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int LABEL_SPACE = 110;
    private static final int BAR_WIDTH = 9;
    private static final int GROUP_GAP = 10;

    private SvgChart() {
    }

    public static String render(Medians medians, List<BenchSystem> systems, String title) {
        List<String> configurations = medians.configurations();
        int groupWidth = systems.size() * BAR_WIDTH + GROUP_GAP;
        int width = LEFT + configurations.size() * groupWidth + 20;
        int height = TOP + 2 * (PANEL_HEIGHT + LABEL_SPACE) + 30;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"10\">\n", width, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(LEFT, 16, escape(title), 13, "start", 0));
        legend(svg, systems, LEFT, 30);
        panel(svg, medians, systems, TOP + 20, "throughput, ops/s (median)", true);
        panel(svg, medians, systems, TOP + 20 + PANEL_HEIGHT + LABEL_SPACE, "p99 latency, ms (median)", false);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void legend(StringBuilder svg, List<BenchSystem> systems, int x, int y) {
        int offset = 0;
        for (int i = 0; i < systems.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n",
                    x + offset, y - 9, COLOURS[i % COLOURS.length]));
            svg.append(text(x + offset + 14, y, systems.get(i).id(), 11, "start", 0));
            offset += 30 + 7 * systems.get(i).id().length();
        }
    }

    private static void panel(StringBuilder svg, Medians medians, List<BenchSystem> systems, int top, String label,
            boolean throughput) {
        List<String> configurations = medians.configurations();
        double max = 0;
        for (String configuration : configurations) {
            for (BenchSystem system : systems) {
                max = Math.max(max, value(medians.cell(configuration, system), throughput));
            }
        }
        max = max == 0 ? 1 : max * 1.05;
        int bottom = top + PANEL_HEIGHT;
        int groupWidth = systems.size() * BAR_WIDTH + GROUP_GAP;
        int right = LEFT + configurations.size() * groupWidth;
        svg.append(text(LEFT, top - 6, label, 11, "start", 0));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                LEFT, bottom, right, bottom));
        for (int tick = 0; tick <= 4; tick++) {
            double value = max * tick / 4;
            int y = bottom - (int) Math.round(PANEL_HEIGHT * tick / 4.0);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", LEFT, y, right, y));
            svg.append(text(LEFT - 4, y + 3, ResultTable.number(value, throughput ? 0 : 1), 9, "end", 0));
        }
        for (int g = 0; g < configurations.size(); g++) {
            int groupLeft = LEFT + g * groupWidth + GROUP_GAP / 2;
            for (int s = 0; s < systems.size(); s++) {
                double value = value(medians.cell(configurations.get(g), systems.get(s)), throughput);
                int barHeight = (int) Math.round(PANEL_HEIGHT * value / max);
                svg.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %s: %s</title></rect>\n",
                        groupLeft + s * BAR_WIDTH, bottom - barHeight, BAR_WIDTH - 1, barHeight,
                        COLOURS[s % COLOURS.length], escape(configurations.get(g)), systems.get(s).id(),
                        ResultTable.number(value, 2)));
            }
            int labelX = groupLeft + systems.size() * BAR_WIDTH / 2;
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-60 %d %d)\">%s</text>\n",
                    labelX, bottom + 8, labelX, bottom + 8, escape(configurations.get(g))));
        }
    }

    private static double value(Medians.Cell cell, boolean throughput) {
        if (cell == null) {
            return 0;
        }
        return throughput ? cell.throughput() : cell.p99Us() / 1000;
    }

    private static String text(int x, int y, String content, int size, String anchor, int rotate) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"%s\"%s>%s</text>\n",
                x, y, size, anchor, rotate == 0 ? "" : " transform=\"rotate(" + rotate + ")\"", content);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
