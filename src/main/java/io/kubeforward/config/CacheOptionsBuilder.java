package io.kubeforward.config;

import io.kubeforward.config.CacheOptions.Prefetch;
import io.kubeforward.config.CacheOptions.ServeStale;
import io.kubeforward.config.CacheOptions.StaleMode;
import io.kubeforward.config.CacheOptions.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Collects {@code cache} settings from either source, validating each value as CoreDNS does. Setters fail with
 * an {@link IllegalArgumentException} whose message is the problem only ({@code TTL 0 (expected: >= 1)}); the
 * caller adds the location and option name. Short-lived: one per cache directive being read.
 */
final class CacheOptionsBuilder {

    private Optional<Duration> ttl = Optional.empty();
    private final List<String> zones = new ArrayList<>();
    private final TierBuilder success = new TierBuilder(CacheOptions.DEFAULT_SUCCESS_MAX_TTL);
    private final TierBuilder denial = new TierBuilder(CacheOptions.DEFAULT_DENIAL_MAX_TTL);
    private Optional<Prefetch> prefetch = Optional.empty();
    private Optional<ServeStale> serveStale = Optional.empty();
    private Duration servfail = CacheOptions.DEFAULT_SERVFAIL;
    private boolean keepTtl;

    /** {@code cache TTL}: the max TTL of both caches, unless {@code success}/{@code denial} set their own. */
    void ttl(Duration value) {
        ttl = Optional.of(CacheOptions.requireSeconds("TTL", value, 1));
    }

    void addZone(String zone) {
        zones.add(DomainNames.normalize(zone));
    }

    /** {@code success CAPACITY [TTL [MINTTL]]}; empty TTLs keep the current ones. */
    void success(int capacity, Optional<Duration> maxTtl, Optional<Duration> minTtl) {
        success.set(capacity, maxTtl, minTtl);
    }

    void denial(int capacity, Optional<Duration> maxTtl, Optional<Duration> minTtl) {
        denial.set(capacity, maxTtl, minTtl);
    }

    void prefetch(int amount, Duration duration, int percentage) {
        prefetch = Optional.of(new Prefetch(amount, duration, percentage));
    }

    void serveStale(Duration duration, StaleMode mode) {
        serveStale = Optional.of(new ServeStale(duration, mode));
    }

    void servfail(Duration value) {
        if (value.isNegative() || value.compareTo(CacheOptions.MAX_SERVFAIL) > 0) {
            throw new IllegalArgumentException(GoDuration.format(value) + " (expected: 0 to 5m; RFC 2308 caps it at 5 minutes)");
        }
        servfail = value;
    }

    /**
     * {@code disable success|denial [ZONES...]}: nothing is stored in that cache for those zones (all zones when
     * none are given).
     */
    void disable(String type, List<String> disabledZones) {
        List<String> normalized = disabledZones.isEmpty() ? List.of(".")
                : disabledZones.stream().map(DomainNames::normalize).toList();
        tier(type).disabledZones.addAll(normalized);
    }

    void keepTtl(boolean value) {
        keepTtl = value;
    }

    /** @param blockZones the server block's zones, cached when the directive names none */
    CacheOptions build(List<String> blockZones) {
        return new CacheOptions(success.build(ttl), denial.build(ttl), prefetch, serveStale, servfail, keepTtl,
                zones.isEmpty() ? blockZones : zones);
    }

    /** {@code immediate} or {@code verify}, in any case (CoreDNS lower-cases it). */
    static StaleMode staleMode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "immediate" -> StaleMode.IMMEDIATE;
            case "verify" -> StaleMode.VERIFY;
            default -> throw new IllegalArgumentException("mode '" + text + "' (expected: immediate or verify)");
        };
    }

    private TierBuilder tier(String type) {
        return switch (type) {
            case "success" -> success;
            case "denial" -> denial;
            default -> throw new IllegalArgumentException("'" + type + "' (expected: success or denial)");
        };
    }

    /** One cache's settings; its max TTL falls back to {@code cache TTL}, then to CoreDNS's default. */
    private static final class TierBuilder {

        private final Duration defaultMaxTtl;
        private int capacity = CacheOptions.DEFAULT_CAPACITY;
        private Optional<Duration> maxTtl = Optional.empty();
        private Duration minTtl = CacheOptions.DEFAULT_MIN_TTL;
        private final List<String> disabledZones = new ArrayList<>();

        TierBuilder(Duration defaultMaxTtl) {
            this.defaultMaxTtl = defaultMaxTtl;
        }

        void set(int newCapacity, Optional<Duration> newMaxTtl, Optional<Duration> newMinTtl) {
            if (newCapacity < 1) {
                throw new IllegalArgumentException("capacity " + newCapacity + " (expected: >= 1)");
            }
            capacity = newCapacity;
            newMaxTtl.ifPresent(value -> maxTtl = Optional.of(CacheOptions.requireSeconds("TTL", value, 1)));
            newMinTtl.ifPresent(value -> minTtl = CacheOptions.requireSeconds("min TTL", value, 0));
        }

        Tier build(Optional<Duration> cacheTtl) {
            return new Tier(capacity, maxTtl.or(() -> cacheTtl).orElse(defaultMaxTtl), minTtl,
                    disabledZones.stream().distinct().toList());
        }
    }
}
