package io.kubeforward.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The meters of one server block's cache (docs/metrics.md), CoreDNS's {@code coredns_cache_*} under
 * {@code kubeforward_cache_*}. Created ahead of time so a lookup costs an increment. {@link #close()} removes
 * them, so a cache replaced on reload does not leave a gauge reading a dead cache.
 */
public final class CacheMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    /** By cache: [0] success, [1] denial (which also holds SERVFAIL). */
    private final Counter[] hits = new Counter[2];
    private final Counter[] evictions = new Counter[2];
    private final Counter misses;
    private final Counter servedStale;
    private final Counter prefetches;

    /**
     * @param server the server block, e.g. {@code dns://127.0.0.1:1053}
     * @param zone   the block's first zone, e.g. {@code cluster.local.}
     */
    public CacheMetrics(MeterRegistry registry, String server, String zone) {
        this.registry = registry;
        this.tags = Tags.of("server", server, "zone", zone);
        String[] types = {"success", "denial"};
        for (int i = 0; i < types.length; i++) {
            hits[i] = add(Counter.builder("kubeforward.cache.hits").description("Answers served from the cache")
                    .tags(tags).tag("type", types[i]).register(registry));
            evictions[i] = add(Counter.builder("kubeforward.cache.evictions")
                    .description("Entries evicted because the cache was full").tags(tags).tag("type", types[i]).register(registry));
        }
        misses = add(Counter.builder("kubeforward.cache.misses").description("Lookups that found no usable entry")
                .tags(tags).register(registry));
        servedStale = add(Counter.builder("kubeforward.cache.served.stale")
                .description("Expired entries served within the serve_stale window").tags(tags).register(registry));
        prefetches = add(Counter.builder("kubeforward.cache.prefetch")
                .description("Background refreshes handed out: prefetches and refreshes after a stale answer")
                .tags(tags).register(registry));
    }

    /** Registers the entry-count gauges of the two caches. */
    void entries(Supplier<Number> success, Supplier<Number> denial) {
        add(Gauge.builder("kubeforward.cache.entries", success).description("Entries in the cache")
                .tags(tags).tag("type", "success").strongReference(true).register(registry));
        add(Gauge.builder("kubeforward.cache.entries", denial).description("Entries in the cache")
                .tags(tags).tag("type", "denial").strongReference(true).register(registry));
    }

    void hit(ReplyKind kind) {
        hits[index(kind)].increment();
    }

    void miss() {
        misses.increment();
    }

    void servedStale() {
        servedStale.increment();
    }

    void prefetch() {
        prefetches.increment();
    }

    void evicted(ReplyKind kind) {
        evictions[index(kind)].increment();
    }

    private static int index(ReplyKind kind) {
        return kind == ReplyKind.SUCCESS ? 0 : 1;
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }
}
