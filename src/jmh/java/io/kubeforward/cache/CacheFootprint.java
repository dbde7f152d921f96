package io.kubeforward.cache;

import io.kubeforward.config.CacheOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Rough heap cost of a cache entry: used heap after full GCs, before and after filling a cache with N answers
 * of {@link ClusterAnswers} (64 to 68 bytes of wire data each as stored). Not JMH; run with:
 * <pre>{@code
 * ./mvnw -B -Pjmh test-compile exec:exec -Djmh.main=io.kubeforward.cache.CacheFootprint -Djmh.args=10000
 * }</pre>
 */
public final class CacheFootprint {

    private CacheFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        CacheOptions.Tier tier = new CacheOptions.Tier(entries, Duration.ofHours(1), Duration.ofSeconds(5), List.of());
        CacheOptions options = new CacheOptions(tier, tier, java.util.Optional.empty(), java.util.Optional.empty(),
                Duration.ofSeconds(5), false, List.of("cluster.local."));
        ClusterAnswers.fill(new ResponseCache(options, new CacheMetrics(new SimpleMeterRegistry(), "s", "z")), 100, 3600);
        long before = usedHeapAfterGc();
        ResponseCache cache = new ResponseCache(options, new CacheMetrics(new SimpleMeterRegistry(), "s", "z"));
        long stored = ClusterAnswers.fill(cache, entries, 3600);
        long after = usedHeapAfterGc();
        System.out.printf(Locale.ROOT, "%d entries (%d held): %,d bytes of heap, %d bytes per entry, of which %.1f are"
                + " the stored reply%n", entries, cache.successEntries(), after - before, (after - before) / entries,
                (double) stored / entries);
        Reference.reachabilityFence(cache);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
