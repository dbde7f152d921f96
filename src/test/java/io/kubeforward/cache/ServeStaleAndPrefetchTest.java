package io.kubeforward.cache;

import static io.kubeforward.cache.Messages.query;
import static io.kubeforward.cache.Messages.reply;
import static io.kubeforward.cache.ResponseCacheTest.aReply;
import static io.kubeforward.cache.ResponseCacheTest.lookup;
import static io.kubeforward.cache.ResponseCacheTest.staleAnswer;
import static io.kubeforward.cache.ResponseCacheTest.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.cache.ResponseCacheTest.Served;
import io.kubeforward.config.CacheOptions;
import io.kubeforward.config.CacheOptions.Prefetch;
import io.kubeforward.config.CacheOptions.ServeStale;
import io.kubeforward.config.CacheOptions.StaleMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Serve-stale (RFC 8767, CoreDNS's two modes) and prefetch of popular entries, on a fake clock. */
class ServeStaleAndPrefetchTest {

    private final AtomicLong clock = new AtomicLong(Duration.ofSeconds(7).toNanos());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Message query = query("api.example.org.", Type.A, 1);

    private ResponseCache cache(Optional<Prefetch> prefetch, Optional<ServeStale> serveStale) {
        CacheOptions d = CacheOptions.defaults(List.of("."));
        CacheOptions options = new CacheOptions(d.success(), d.denial(), prefetch, serveStale, d.servfail(), false, d.zones());
        return new ResponseCache(options, new CacheMetrics(registry, ResponseCacheTest.SERVER, "."), clock::get);
    }

    private ResponseCache staleCache(StaleMode mode) {
        return cache(Optional.empty(), Optional.of(new ServeStale(Duration.ofHours(1), mode)));
    }

    private void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    @Test
    void withoutServeStaleAnExpiredEntryIsAMiss() {
        ResponseCache cache = cache(Optional.empty(), Optional.empty());
        store(cache, query, aReply(query, 10));
        advance(Duration.ofSeconds(10));
        assertThat(lookup(cache, query)).isEmpty();
        assertThat(staleAnswer(cache, query)).isEmpty();
    }

    @Test
    void immediateServesAnExpiredEntryAtOnceWithTtl30AndHandsOutOneRefresh() {
        ResponseCache cache = staleCache(StaleMode.IMMEDIATE);
        store(cache, query, aReply(query, 10));
        advance(Duration.ofSeconds(9));
        Served fresh = lookup(cache, query).orElseThrow();
        assertThat(fresh.stale()).isFalse();
        assertThat(fresh.ttl()).isEqualTo(1);

        advance(Duration.ofSeconds(1));
        Served stale = lookup(cache, query).orElseThrow();
        assertThat(stale.stale()).isTrue();
        assertThat(stale.ttl()).isEqualTo(30);
        assertThat(stale.refresh()).isTrue();
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("one refresh at a time").isFalse();
        advance(ResponseCache.REFRESH_HOLD);
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("a refresh that never came back is retried").isTrue();
        assertThat(counter("kubeforward.cache.served.stale")).isEqualTo(3);
        assertThat(counter("kubeforward.cache.prefetch")).isEqualTo(2);

        store(cache, query, aReply(query, 10));
        Served refreshed = lookup(cache, query).orElseThrow();
        assertThat(refreshed.stale()).isFalse();
        assertThat(refreshed.ttl()).isEqualTo(10);
    }

    @Test
    void staleEntriesAreServedOnlyWithinTheWindow() {
        ResponseCache cache = staleCache(StaleMode.IMMEDIATE);
        store(cache, query, aReply(query, 10));
        advance(Duration.ofSeconds(10).plus(Duration.ofHours(1)).minusNanos(1));
        assertThat(lookup(cache, query).orElseThrow().stale()).isTrue();
        advance(Duration.ofNanos(1));
        assertThat(lookup(cache, query)).isEmpty();
        assertThat(staleAnswer(cache, query)).isEmpty();
        advance(Duration.ofSeconds(2)); // Caffeine's timer wheel expires in buckets of about a second
        assertThat(cache.successEntries()).as("gone from memory, not only from answers").isZero();
    }

    @Test
    void verifyServesAnExpiredEntryOnlyWhenAskedAfterARefreshFailed() {
        ResponseCache cache = staleCache(StaleMode.VERIFY);
        store(cache, query, aReply(query, 10));
        assertThat(staleAnswer(cache, query).orElseThrow().stale()).as("fresh entries are served fresh").isFalse();
        advance(Duration.ofSeconds(15));
        assertThat(lookup(cache, query)).as("verify: forward first").isEmpty();

        Served stale = staleAnswer(cache, query).orElseThrow();
        assertThat(stale.stale()).isTrue();
        assertThat(stale.ttl()).isEqualTo(30);
        assertThat(stale.refresh()).isFalse();
        assertThat(counter("kubeforward.cache.served.stale")).isEqualTo(1);
        assertThat(counter("kubeforward.cache.misses")).isEqualTo(1);
    }

    @Test
    void aServfailDoesNotShadowAStalePositiveAnswer() {
        ResponseCache cache = staleCache(StaleMode.VERIFY);
        store(cache, query, aReply(query, 10));
        advance(Duration.ofSeconds(11));
        assertThat(store(cache, query, reply(query, Rcode.SERVFAIL))).isTrue();
        assertThat(lookup(cache, query)).as("the SERVFAIL is not served while a stale answer exists").isEmpty();
        Served stale = staleAnswer(cache, query).orElseThrow();
        assertThat(stale.message().getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(stale.stale()).isTrue();
    }

    @Test
    void aCachedServfailIsNeverAStaleAnswer() {
        ResponseCache cache = staleCache(StaleMode.IMMEDIATE);
        store(cache, query, reply(query, Rcode.SERVFAIL));
        assertThat(staleAnswer(cache, query)).isEmpty();
        advance(Duration.ofSeconds(6));
        assertThat(lookup(cache, query)).isEmpty();
    }

    @Test
    void aPopularEntryIsPrefetchedOnceNearItsExpiry() {
        ResponseCache cache = cache(Optional.of(new Prefetch(3, Duration.ofMinutes(1), 10)), Optional.empty());
        store(cache, query, aReply(query, 100));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isFalse();
        advance(Duration.ofSeconds(45));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isFalse();
        advance(Duration.ofSeconds(46));
        Served nearExpiry = lookup(cache, query).orElseThrow();
        assertThat(nearExpiry.ttl()).isEqualTo(9);
        assertThat(nearExpiry.refresh()).as("3 hits without a 1m gap, 9s <= 10% of 100s left").isTrue();
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("one prefetch at a time").isFalse();
        assertThat(counter("kubeforward.cache.prefetch")).isEqualTo(1);

        store(cache, query, aReply(query, 100));
        advance(Duration.ofSeconds(45));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isFalse();
        advance(Duration.ofSeconds(46));
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("the refreshed entry keeps its popularity").isTrue();
    }

    @Test
    void anEntryWithGapsBetweenHitsIsNotPrefetched() {
        ResponseCache cache = cache(Optional.of(new Prefetch(2, Duration.ofSeconds(30), 50)), Optional.empty());
        store(cache, query, aReply(query, 100));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isFalse();
        advance(Duration.ofSeconds(60));
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("the gap reset the count to 1").isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isTrue();
    }

    @Test
    void aShortTtlIsPrefetchedInItsLastSecond() {
        ResponseCache cache = cache(Optional.of(new Prefetch(1, Duration.ofMinutes(1), 10)), Optional.empty());
        store(cache, query, aReply(query, 5));
        advance(Duration.ofSeconds(3));
        assertThat(lookup(cache, query).orElseThrow().refresh()).as("2s left > ceil(10% of 5s)").isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(lookup(cache, query).orElseThrow().refresh()).isTrue();
    }
}
