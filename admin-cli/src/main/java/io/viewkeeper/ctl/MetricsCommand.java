package io.viewkeeper.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code vkctl metrics}: selected figures of every replica's {@code /metrics}, one column per replica. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Selected figures from each replica's Prometheus /metrics: requests, mean latency, errors, "
                + "in-flight, sessions, watches, znodes, data, view changes, batch size, fsync, peer lag, heap.")
final class MetricsCommand implements Callable<Integer> {

    @ParentCommand
    Vkctl vkctl;

    private record Figure(String name, ToDoubleFunction<PrometheusSamples> value, String format) {
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("requests answered", m -> m.sum("viewkeeper_requests_seconds_count"), "%.0f"),
            new Figure("mean latency ms", m -> ratio(m.sum("viewkeeper_requests_seconds_sum"),
                    m.sum("viewkeeper_requests_seconds_count")) * 1000, "%.3f"),
            new Figure("requests failed", m -> m.sum("viewkeeper_requests_seconds_count",
                    labels -> "error".equals(labels.get("outcome"))), "%.0f"),
            new Figure("in flight", m -> m.sum("viewkeeper_requests_inflight"), "%.0f"),
            new Figure("connections", m -> m.sum("viewkeeper_connections"), "%.0f"),
            new Figure("sessions", m -> m.sum("viewkeeper_sessions"), "%.0f"),
            new Figure("watches", m -> m.sum("viewkeeper_watches"), "%.0f"),
            new Figure("znodes", m -> m.sum("viewkeeper_znodes"), "%.0f"),
            new Figure("data MB", m -> m.sum("viewkeeper_data_bytes") / (1024 * 1024), "%.2f"),
            new Figure("view", m -> m.sum("viewkeeper_view"), "%.0f"),
            new Figure("view changes", m -> m.sum("viewkeeper_view_changes_total"), "%.0f"),
            new Figure("commit number", m -> m.sum("viewkeeper_commit_number"), "%.0f"),
            new Figure("mean Prepare batch", m -> ratio(m.sum("viewkeeper_prepare_entries_sum"),
                    m.sum("viewkeeper_prepare_entries_count")), "%.1f"),
            new Figure("mean fsync ms", m -> ratio(m.sum("viewkeeper_fsync_seconds_sum"),
                    m.sum("viewkeeper_fsync_seconds_count")) * 1000, "%.3f"),
            new Figure("max peer lag ops", m -> m.max("viewkeeper_peer_lag_ops"), "%.0f"),
            new Figure("heap used MB", m -> m.sum("jvm_memory_used_bytes",
                    labels -> "heap".equals(labels.get("area"))) / (1024 * 1024), "%.1f"),
            new Figure("uptime s", m -> m.sum("process_uptime_seconds"), "%.0f"));

    private static double ratio(double sum, double count) {
        return count == 0 ? Double.NaN : sum / count;
    }

    @Override
    public Integer call() throws AdminClient.CallFailure {
        AdminClient client = vkctl.client();
        GroupView group = GroupView.probe(client, vkctl.servers());
        List<String> header = new ArrayList<>(List.of("FIGURE"));
        List<PrometheusSamples> scraped = new ArrayList<>();
        PrintWriter err = vkctl.spec.commandLine().getErr();
        int exit = ExitCodes.OK;
        for (Probe p : group.probes()) {
            try {
                scraped.add(PrometheusSamples.parse(client.metrics(p.server())));
                header.add(p.reachable() ? "r" + p.id() : p.server());
            } catch (AdminClient.CallFailure failure) {
                err.println("vkctl: " + failure.getMessage());
                exit = ExitCodes.UNREACHABLE;
            }
        }
        if (scraped.isEmpty()) {
            return exit;
        }
        Table table = new Table(header.toArray(String[]::new));
        for (Figure figure : FIGURES) {
            List<Object> cells = new ArrayList<>(List.of(figure.name()));
            for (PrometheusSamples samples : scraped) {
                double value = figure.value().applyAsDouble(samples);
                cells.add(Double.isNaN(value) ? "-" : String.format(Locale.ROOT, figure.format(), value));
            }
            table.row(cells.toArray());
        }
        vkctl.out().print(table.render());
        return exit;
    }
}
