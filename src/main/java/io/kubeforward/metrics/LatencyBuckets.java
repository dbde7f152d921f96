package io.kubeforward.metrics;

import java.time.Duration;

/**
 * The histogram buckets of kubeforward's latency timers: CoreDNS's (250 µs doubling to 8.192 s, 16 buckets), so
 * dashboards and alerts written for {@code coredns_dns_request_duration_seconds} keep their meaning, and a cache
 * hit (tens of microseconds) is told apart from a forwarded answer. A fixed, short list also keeps the cost of
 * recording one query to a small binary search.
 */
final class LatencyBuckets {

    static final Duration[] COREDNS = buckets();

    private LatencyBuckets() {
    }

    private static Duration[] buckets() {
        Duration[] out = new Duration[16];
        for (int i = 0; i < out.length; i++) {
            out[i] = Duration.ofNanos(250_000L << i);
        }
        return out;
    }
}
