package io.kubeforward.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.kubeforward.config.CacheOptions;
import io.kubeforward.config.CacheOptions.Prefetch;
import io.kubeforward.config.CacheOptions.StaleMode;
import io.kubeforward.config.CacheOptions.Tier;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.ReplyValidator;
import io.kubeforward.dns.ZoneTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The response cache of one server block, with the semantics of CoreDNS's {@code cache} plugin: a success and a
 * denial cache bounded by entry count, TTLs capped and floored, negative answers cached for the SOA's negative
 * TTL (RFC 2308), SERVFAIL for {@code servfail} only, prefetch of popular entries, serve-stale (RFC 8767).
 *
 * <p>Entries are the upstream's wire bytes plus the offsets of their TTL fields, found once at insert time; a
 * hit copies the bytes into a new buffer and writes the client's ID, RD bit and question case and the TTLs in
 * place. Thread-safe; a lookup takes no lock (Caffeine reads are lock-free) and allocates the key, the answer
 * buffer and the result.
 *
 * <p>Use from the query path: {@link #lookup} before forwarding; on a {@link CacheLookup.Hit} send its reply
 * (fitted to a UDP client's size) and, if {@code refresh()}, forward a copy of the query in the background
 * and {@link #store} its reply. On a miss, forward and {@link #store} the reply before relaying it. When
 * forwarding fails (no reply, or an rcode other than NOERROR/NXDOMAIN), ask {@link #staleAnswer} before
 * answering SERVFAIL.
 */
public final class ResponseCache implements AutoCloseable {

    /** TTL of a stale answer: RFC 8767 section 4 recommends 30 seconds. */
    public static final int STALE_TTL_SECONDS = 30;
    /**
     * How long one background refresh of an entry is outstanding before another caller is handed one: longer
     * than the forwarder's 5s deadline, and RFC 8767's 30s "failure recheck" when the refresh failed.
     */
    static final Duration REFRESH_HOLD = Duration.ofSeconds(30);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final CacheOptions options;
    private final CacheMetrics metrics;
    private final LongSupplier nanoClock;
    private final ZoneTable zones;
    private final ZoneTable successDisabled;
    private final ZoneTable denialDisabled;
    private final Cache<CacheKey, CachedReply> success;
    private final Cache<CacheKey, CachedReply> denial;
    private final long staleWindowNanos;
    private final boolean staleImmediate;
    private final int prefetchAmount;
    private final long prefetchGapNanos;
    private final int prefetchPercentage;

    public ResponseCache(CacheOptions options, CacheMetrics metrics) {
        this(options, metrics, System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in nanoseconds ({@link System#nanoTime} outside tests) */
    public ResponseCache(CacheOptions options, CacheMetrics metrics, LongSupplier nanoClock) {
        this.options = Objects.requireNonNull(options, "options");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.zones = new ZoneTable(options.zones());
        this.successDisabled = new ZoneTable(options.success().disabledZones());
        this.denialDisabled = new ZoneTable(options.denial().disabledZones());
        this.staleWindowNanos = options.serveStale().map(s -> s.duration().toNanos()).orElse(0L);
        this.staleImmediate = options.serveStale().map(s -> s.mode() == StaleMode.IMMEDIATE).orElse(false);
        Optional<Prefetch> prefetch = options.prefetch();
        this.prefetchAmount = prefetch.map(Prefetch::amount).orElse(0);
        this.prefetchGapNanos = prefetch.map(p -> p.duration().toNanos()).orElse(0L);
        this.prefetchPercentage = prefetch.map(Prefetch::percentage).orElse(0);
        this.success = newCache(options.success());
        this.denial = newCache(options.denial());
        metrics.entries(this::successEntries, this::denialEntries);
    }

    /**
     * Caffeine bounded by entry count (W-TinyLFU eviction), each entry kept for its lifetime plus the stale window.
     * Maintenance runs on the calling thread ({@code Runnable::run}): no hand-off to a pool competing with the
     * event loops, deterministic in tests, and amortized O(1) per write; reads never wait for it.
     */
    private Cache<CacheKey, CachedReply> newCache(Tier tier) {
        return Caffeine.newBuilder()
                .maximumSize(tier.capacity())
                .ticker(nanoClock::getAsLong)
                .executor(Runnable::run)
                .expireAfter(Expiry.writing((CacheKey key, CachedReply entry) -> Duration.ofNanos(retention(entry))))
                .evictionListener((CacheKey key, CachedReply entry, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE && entry != null) {
                        metrics.evicted(entry.kind);
                    }
                })
                .build();
    }

    private long retention(CachedReply entry) {
        long lifetime = entry.expiresNanos - entry.storedNanos;
        return entry.kind == ReplyKind.SERVFAIL ? lifetime : lifetime + staleWindowNanos;
    }

    /**
     * Looks {@code query} up. A fresh entry is a hit; an expired one within the {@code serve_stale} window is a
     * stale hit only in {@code immediate} mode (in {@code verify} mode it is a miss, and {@link #staleAnswer} serves
     * it if forwarding fails). A name outside the cache's zones is a miss that is not counted.
     *
     * @param alloc  allocates the answer
     * @param query  the client's query; not retained, ownership stays with the caller
     * @param parsed what {@link io.kubeforward.dns.QueryParser} read from it
     */
    public CacheLookup lookup(ByteBufAllocator alloc, ByteBuf query, DnsQuery parsed) {
        if (zones.longestMatch(query, parsed.nameEnd()) < 0) {
            return CacheLookup.MISS;
        }
        long now = nanoClock.getAsLong();
        CachedReply entry = usableEntry(CacheKey.of(query, parsed), now);
        if (entry != null && entry.isFresh(now)) {
            metrics.hit(entry.kind);
            boolean refresh = popularAndExpiring(entry, now) && claimRefresh(entry, now);
            int ttl = options.keepTtl() ? entry.ttlSeconds : entry.remainingSeconds(now);
            return new CacheLookup.Hit(entry.render(alloc, query, parsed, ttl), false, refresh);
        }
        if (entry != null && staleImmediate) {
            metrics.hit(entry.kind);
            metrics.servedStale();
            return new CacheLookup.Hit(entry.render(alloc, query, parsed, STALE_TTL_SECONDS), true, claimRefresh(entry, now));
        }
        metrics.miss();
        return CacheLookup.MISS;
    }

    /**
     * The answer to send when forwarding {@code query} failed: a fresh entry if one appeared meanwhile, else an
     * expired one within the {@code serve_stale} window with TTL {@value #STALE_TTL_SECONDS}s. Never a cached
     * SERVFAIL. A miss when {@code serve_stale} is off.
     */
    public CacheLookup staleAnswer(ByteBufAllocator alloc, ByteBuf query, DnsQuery parsed) {
        if (staleWindowNanos == 0 || zones.longestMatch(query, parsed.nameEnd()) < 0) {
            return CacheLookup.MISS;
        }
        long now = nanoClock.getAsLong();
        CachedReply entry = usableEntry(CacheKey.of(query, parsed), now);
        if (entry == null || entry.kind == ReplyKind.SERVFAIL) {
            return CacheLookup.MISS;
        }
        if (entry.isFresh(now)) {
            metrics.hit(entry.kind);
            int ttl = options.keepTtl() ? entry.ttlSeconds : entry.remainingSeconds(now);
            return new CacheLookup.Hit(entry.render(alloc, query, parsed, ttl), false, false);
        }
        metrics.servedStale();
        return new CacheLookup.Hit(entry.render(alloc, query, parsed, STALE_TTL_SECONDS), true, false);
    }

    /**
     * Caches {@code reply} to {@code query} if it is cacheable (see {@link ReplyInspector#inspect}) and its zone
     * and cache are not disabled. When it is cached, the TTLs in {@code reply} are set in place to the entry's
     * TTL (as CoreDNS does), so the client that caused the insert sees what later clients see. A success replaces
     * a denial of the same key and the other way round; a SERVFAIL leaves a positive entry alone.
     *
     * @param query  the query that was forwarded (its question is compared with the reply's)
     * @param reply  the upstream's reply; ownership stays with the caller, only its TTL fields may change
     * @return whether the reply was cached
     */
    public boolean store(ByteBuf query, DnsQuery parsed, ByteBuf reply) {
        if (zones.longestMatch(query, parsed.nameEnd()) < 0
                || !ReplyValidator.answersQuestion(reply, query, parsed.questionEnd())) {
            return false;
        }
        ReplyInspector.Inspection inspection = ReplyInspector.inspect(reply, parsed.questionEnd(), parsed.qtype()).orElse(null);
        if (inspection == null) {
            return false;
        }
        ReplyKind kind = inspection.kind();
        ZoneTable disabled = kind == ReplyKind.SUCCESS ? successDisabled : denialDisabled;
        long lifetime = lifetimeNanos(inspection);
        if (lifetime <= 0 || disabled.longestMatch(query, parsed.nameEnd()) >= 0) {
            return false;
        }
        long now = nanoClock.getAsLong();
        CacheKey key = CacheKey.of(query, parsed);
        CachedReply entry = new CachedReply(reply, inspection, lifetime, now);
        Cache<CacheKey, CachedReply> target = kind == ReplyKind.SUCCESS ? success : denial;
        CachedReply previous = target.getIfPresent(key);
        if (previous != null) {
            entry.inheritHits(previous, now);
        }
        target.put(key, entry);
        if (kind == ReplyKind.SUCCESS) {
            denial.invalidate(key);
        } else if (kind == ReplyKind.DENIAL) {
            success.invalidate(key);
        }
        for (int offset : inspection.ttlOffsets()) {
            reply.setInt(reply.readerIndex() + offset, entry.ttlSeconds);
        }
        return true;
    }

    /** Entries in the success cache now. */
    public long successEntries() {
        success.cleanUp();
        return success.estimatedSize();
    }

    /** Entries in the denial cache now (denials and SERVFAILs). */
    public long denialEntries() {
        denial.cleanUp();
        return denial.estimatedSize();
    }

    /** Drops every entry and removes the metrics. */
    @Override
    public void close() {
        success.invalidateAll();
        denial.invalidateAll();
        metrics.close();
    }

    /**
     * The entry to answer from, fresh or, with {@code serve_stale}, within the stale window; null when none is.
     * A usable success wins: storing a success or a denial removes the other, so the only denial that can sit
     * beside a usable success is a SERVFAIL, which must not shadow it (CoreDNS). Looking at the success cache
     * first also spares the second look-up on most hits.
     */
    private @Nullable CachedReply usableEntry(CacheKey key, long now) {
        CachedReply positive = success.getIfPresent(key);
        if (positive != null && usable(positive, now)) {
            return positive;
        }
        CachedReply denied = denial.getIfPresent(key);
        return denied != null && usable(denied, now) ? denied : null;
    }

    private boolean usable(CachedReply entry, long now) {
        return entry.isFresh(now) || (entry.kind != ReplyKind.SERVFAIL && now - (entry.expiresNanos + staleWindowNanos) < 0);
    }

    /** CoreDNS's prefetch rule: AMOUNT hits without a gap of DURATION, and at most PERCENTAGE of the TTL left. */
    private boolean popularAndExpiring(CachedReply entry, long now) {
        if (prefetchAmount == 0 || entry.kind == ReplyKind.SERVFAIL) {
            return false;
        }
        int hits = entry.countHit(now, prefetchGapNanos);
        int threshold = (int) Math.ceil(prefetchPercentage / 100.0 * entry.ttlSeconds);
        return hits >= prefetchAmount && entry.remainingSeconds(now) <= threshold;
    }

    private boolean claimRefresh(CachedReply entry, long now) {
        if (!entry.claimRefresh(now, REFRESH_HOLD.toNanos())) {
            return false;
        }
        metrics.prefetch();
        return true;
    }

    /** The entry's lifetime: the reply's TTL clamped to the cache's [min, max] (max wins), or {@code servfail}. */
    private long lifetimeNanos(ReplyInspector.Inspection inspection) {
        if (inspection.kind() == ReplyKind.SERVFAIL) {
            return options.servfail().toNanos();
        }
        Tier tier = inspection.kind() == ReplyKind.SUCCESS ? options.success() : options.denial();
        long ttl = Math.min(Math.max(inspection.ttl(), tier.minTtl().getSeconds()), tier.maxTtl().getSeconds());
        return ttl * NANOS_PER_SECOND;
    }
}
