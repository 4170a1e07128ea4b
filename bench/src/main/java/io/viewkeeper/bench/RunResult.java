package io.viewkeeper.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one measured run: completed requests per second over the measured interval and the latency
 * distribution of the requests completed in it (microseconds), plus errors by ZooKeeper error code.
 */
public record RunResult(
        String system,
        Workload workload,
        int repeat,
        long measuredMs,
        long completed,
        Map<String, Long> errors,
        Latency latency) {

    /** Latency percentiles in microseconds. */
    public record Latency(long p50, long p90, long p99, long p999, long max, double mean) {
        static Latency of(Histogram histogram) {
            if (histogram.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0);
            }
            return new Latency(histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                    histogram.getMaxValue(), histogram.getMean());
        }
    }

    public RunResult {
        errors = new TreeMap<>(errors);
    }

    public double throughput() {
        return measuredMs == 0 ? 0 : completed * 1000.0 / measuredMs;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("system", system);
        map.put("config", workload.label());
        map.put("workload", workload.name());
        map.put("mix", workload.mix().toString());
        map.put("sessions", workload.sessions());
        map.put("window", workload.window());
        map.put("valueBytes", workload.data().valueBytes());
        map.put("keyCount", workload.data().keyCount());
        map.put("distribution", workload.data().distribution());
        map.put("repeat", repeat);
        map.put("measuredMs", measuredMs);
        map.put("completed", completed);
        map.put("opsPerSec", throughput());
        map.put("p50Us", latency.p50());
        map.put("p90Us", latency.p90());
        map.put("p99Us", latency.p99());
        map.put("p999Us", latency.p999());
        map.put("maxUs", latency.max());
        map.put("meanUs", latency.mean());
        map.put("errors", errors);
        return map;
    }

    /** The JSON summary line printed per run. */
    public String toJson() {
        return Json.write(toMap());
    }
}
