package io.kubeforward.metrics;

import io.kubeforward.dns.Rcodes;
import io.kubeforward.upstream.UpstreamCounters;
import io.kubeforward.upstream.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of one upstream of one pool. Removed from the registry when the upstream leaves the pool, so
 * endpoints that come and go do not grow the registry.
 */
public final class UpstreamMetrics implements UpstreamCounters {

    private static final int RCODES = 16;

    private final MeterRegistry registry;
    private final Tags tags;
    private final AtomicReferenceArray<Timer> durations = new AtomicReferenceArray<>(RCODES + 2);
    private final Counter healthCheckFailures;
    private final Counter rejectedReplies;
    private final Counter oversizedReplies;
    private final Counter[] connCache = new Counter[4];
    private final List<Meter> meters = new ArrayList<>();
    private volatile Counter slowAnswers;

    /**
     * @param pool the pool's name (a zone and server)
     * @param to   the upstream, e.g. {@code dns://10.0.0.10:53}
     */
    public UpstreamMetrics(MeterRegistry registry, String pool, String to) {
        this.registry = registry;
        this.tags = Tags.of("pool", pool, "to", to);
        healthCheckFailures = add(Counter.builder("kubeforward.proxy.healthcheck.failures")
                .description("Failed health-check probes").tags(tags).register(registry));
        rejectedReplies = add(Counter.builder("kubeforward.proxy.rejected.replies")
                .description("Replies dropped: wrong source, unknown ID, wrong question or too late").tags(tags).register(registry));
        oversizedReplies = add(Counter.builder("kubeforward.proxy.oversized.replies")
                .description("UDP replies larger than the receive slot (4096 bytes), relayed with TC set").tags(tags).register(registry));
        String[] protos = {"tcp", "tls"};
        for (int p = 0; p < 2; p++) {
            connCache[p * 2] = add(Counter.builder("kubeforward.proxy.conn.cache.hits").description("Pooled connections reused")
                    .tags(tags).tag("proto", protos[p]).register(registry));
            connCache[p * 2 + 1] = add(Counter.builder("kubeforward.proxy.conn.cache.misses").description("Connections dialled")
                    .tags(tags).tag("proto", protos[p]).register(registry));
        }
    }

    /**
     * Adds the gauges of {@code upstream}'s adaptive timeout over the transport its queries use ({@code tcp}: TCP or
     * TLS, as with {@code force_tcp}; else UDP): the attempt timeout it has now (with {@code readTimeout} as its
     * ceiling) and the smoothed round-trip time behind it (NaN before the first answer).
     */
    public void trackRtt(Upstream upstream, Duration readTimeout, boolean tcp) {
        long ceiling = readTimeout.toNanos();
        add(Gauge.builder("kubeforward.proxy.attempt.timeout", upstream, u -> u.attemptTimeoutNanos(tcp, ceiling) / 1e9)
                .description("Current per-attempt timeout: srtt + max(100 ms, 4 x rttvar), at most read_timeout")
                .baseUnit("seconds").tags(tags).register(registry));
        add(Gauge.builder("kubeforward.proxy.srtt", upstream, u -> u.srttNanos(tcp) < 0 ? Double.NaN : u.srttNanos(tcp) / 1e9)
                .description("Smoothed round-trip time of answered exchanges and probes")
                .baseUnit("seconds").tags(tags).register(registry));
    }

    /** Adds the counter of answers slower than the rule's {@code slow_threshold} (only rules with one have it). */
    public void trackSlowAnswers() {
        slowAnswers = add(Counter.builder("kubeforward.proxy.slow.answers")
                .description("Answers that took longer than slow_threshold").tags(tags).register(registry));
    }

    @Override
    public void slowAnswer() {
        Counter counter = slowAnswers;
        if (counter != null) {
            counter.increment();
        }
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Records one exchange's duration; {@code rcode} &lt; 0 for a failed exchange (tagged {@code error}). */
    @Override
    public void exchangeFinished(int rcode, long elapsedNanos) {
        int slot = rcode < 0 ? RCODES + 1 : Math.min(rcode, RCODES);
        Timer timer = durations.get(slot);
        if (timer == null) {
            String name = rcode < 0 ? "error" : rcode >= RCODES ? "other" : Rcodes.name(rcode);
            timer = Timer.builder("kubeforward.proxy.request.duration").description("Upstream exchange duration, by rcode")
                    .tags(tags).tag("rcode", name).serviceLevelObjectives(LatencyBuckets.COREDNS).register(registry);
            if (!durations.compareAndSet(slot, null, timer)) {
                timer = durations.get(slot);
            }
        }
        timer.record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void rejectedReply() {
        rejectedReplies.increment();
    }

    @Override
    public void oversizedReply() {
        oversizedReplies.increment();
    }

    @Override
    public void connectionCache(boolean hit, String proto) {
        connCache[("tls".equals(proto) ? 2 : 0) + (hit ? 0 : 1)].increment();
    }

    @Override
    public void healthCheckFailed() {
        healthCheckFailures.increment();
    }

    /** Removes every meter of this upstream from the registry. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
        for (int i = 0; i < durations.length(); i++) {
            Timer timer = durations.get(i);
            if (timer != null) {
                registry.remove(timer);
            }
        }
    }
}
