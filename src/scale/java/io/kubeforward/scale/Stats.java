package io.kubeforward.scale;

import java.util.Arrays;
import java.util.List;

/** Percentiles and per-second histograms of what the harness measured. */
final class Stats {

    private Stats() {
    }

    /** p50, p99, max (and min, for a sign that a node applied before the writer saw its answer) of latencies in ms. */
    record Latency(int samples, double min, double p50, double p99, double max) {
        static final Latency NONE = new Latency(0, 0, 0, 0, 0);
    }

    static Latency latency(double[] millis) {
        if (millis.length == 0) {
            return Latency.NONE;
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Latency(sorted.length, sorted[0], percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Counts per whole second after {@code originNanos}; the array ends with the last non-empty second. */
    static int[] perSecond(List<Long> nanos, long originNanos) {
        int last = -1;
        for (long t : nanos) {
            last = Math.max(last, second(t, originNanos));
        }
        int[] counts = new int[last + 1];
        for (long t : nanos) {
            int s = second(t, originNanos);
            if (s >= 0) {
                counts[s]++;
            }
        }
        return counts;
    }

    private static int second(long nanos, long originNanos) {
        return nanos < originNanos ? -1 : (int) ((nanos - originNanos) / 1_000_000_000L);
    }

    static int max(int[] counts) {
        return Arrays.stream(counts).max().orElse(0);
    }
}
