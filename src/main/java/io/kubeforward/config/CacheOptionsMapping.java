package io.kubeforward.config;

import io.kubeforward.config.KubeforwardProperties.Cache;
import io.kubeforward.config.KubeforwardProperties.CacheTier;
import io.kubeforward.config.KubeforwardProperties.Prefetch;
import io.kubeforward.config.KubeforwardProperties.ServeStale;
import java.util.List;
import java.util.Optional;

/**
 * {@code kubeforward.servers[i].cache} → {@link CacheOptions}, with the checks of the {@code cache} directive and
 * errors located at the property, e.g. {@code kubeforward.servers[0].cache.success.capacity: 0 (expected: >= 1)}.
 */
final class CacheOptionsMapping {

    private CacheOptionsMapping() {
    }

    /**
     * @param blockZones the server block's normalized zones, cached when {@code zones} is empty
     * @param path       the cache's property path, e.g. {@code kubeforward.servers[0].cache}
     */
    static CacheOptions map(Cache cache, List<String> blockZones, String path) {
        CacheOptionsBuilder builder = new CacheOptionsBuilder();
        if (cache.ttl() != null) {
            check(path + ".ttl", () -> builder.ttl(cache.ttl()));
        }
        for (int i = 0; i < cache.zones().size(); i++) {
            String zone = cache.zones().get(i);
            check(path + ".zones[" + i + "]", () -> builder.addZone(zone));
        }
        tier("success", cache.success(), builder, path + ".success");
        tier("denial", cache.denial(), builder, path + ".denial");
        if (cache.prefetch() != null) {
            prefetch(cache.prefetch(), builder, path + ".prefetch");
        }
        if (cache.serveStale() != null) {
            ServeStale stale = cache.serveStale();
            check(path + ".serve-stale.mode", () -> CacheOptionsBuilder.staleMode(stale.mode()));
            check(path + ".serve-stale.duration",
                    () -> builder.serveStale(stale.duration(), CacheOptionsBuilder.staleMode(stale.mode())));
        }
        check(path + ".servfail", () -> builder.servfail(cache.servfail()));
        for (int i = 0; i < cache.disable().size(); i++) {
            String type = cache.disable().get(i);
            check(path + ".disable[" + i + "]", () -> builder.disable(type, List.of()));
        }
        builder.keepTtl(cache.keepttl());
        return PropertiesMapper.value(path, () -> builder.build(blockZones));
    }

    /** {@code success} or {@code denial}: each value checked at its own property. */
    private static void tier(String type, CacheTier tier, CacheOptionsBuilder builder, String path) {
        check(path + ".capacity", () -> {
            if (tier.capacity() < 1) {
                throw new IllegalArgumentException(tier.capacity() + " (expected: >= 1)");
            }
        });
        if (tier.ttl() != null) {
            check(path + ".ttl", () -> CacheOptions.requireSeconds("TTL", tier.ttl(), 1));
        }
        check(path + ".min-ttl", () -> CacheOptions.requireSeconds("min TTL", tier.minTtl(), 0));
        if (type.equals("success")) {
            builder.success(tier.capacity(), Optional.ofNullable(tier.ttl()), Optional.of(tier.minTtl()));
        } else {
            builder.denial(tier.capacity(), Optional.ofNullable(tier.ttl()), Optional.of(tier.minTtl()));
        }
        for (int i = 0; i < tier.disabledZones().size(); i++) {
            String zone = tier.disabledZones().get(i);
            check(path + ".disabled-zones[" + i + "]", () -> builder.disable(type, List.of(zone)));
        }
    }

    private static void prefetch(Prefetch prefetch, CacheOptionsBuilder builder, String path) {
        if (prefetch.amount() == null) {
            throw new ConfigException(path + ".amount", "required when prefetch is set");
        }
        int amount = prefetch.amount();
        check(path + ".amount", () -> {
            if (amount < 1) {
                throw new IllegalArgumentException(amount + " (expected: >= 1)");
            }
        });
        check(path + ".percentage", () -> {
            if (prefetch.percentage() < 10 || prefetch.percentage() > 90) {
                throw new IllegalArgumentException(prefetch.percentage() + " (expected: 10 to 90)");
            }
        });
        check(path + ".duration", () -> builder.prefetch(amount, prefetch.duration(), prefetch.percentage()));
    }

    private static void check(String location, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException e) {
            // The message is the whole story; not chaining keeps the ConfigException the root cause Spring reports.
            throw new ConfigException(location, e.getMessage());
        }
    }
}
