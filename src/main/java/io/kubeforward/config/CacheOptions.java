package io.kubeforward.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code cache} directive of one server block, with the meanings and defaults of CoreDNS's {@code cache}
 * plugin (see docs/configuration.md).
 *
 * @param success    the cache of positive answers (NOERROR with data, referrals, empty NOERROR without SOA)
 * @param denial     the cache of denials (NXDOMAIN and NODATA, TTL from the SOA) and of SERVFAIL
 * @param prefetch   refresh popular entries before they expire; empty = off
 * @param serveStale serve expired entries (RFC 8767); empty = off
 * @param servfail   how long a SERVFAIL is cached; {@link Duration#ZERO} = never (default 5s, at most 5m)
 * @param keepTtl    serve the TTL an entry was stored with instead of counting it down
 * @param zones      normalized zones whose answers are cached; never empty (the server block's zones when the
 *                   directive names none)
 */
public record CacheOptions(
        Tier success,
        Tier denial,
        Optional<Prefetch> prefetch,
        Optional<ServeStale> serveStale,
        Duration servfail,
        boolean keepTtl,
        List<String> zones) {

    /** Entries per cache when no capacity is given: CoreDNS's 256 shards × 39. */
    public static final int DEFAULT_CAPACITY = 9984;
    public static final Duration DEFAULT_SUCCESS_MAX_TTL = Duration.ofHours(1);
    public static final Duration DEFAULT_DENIAL_MAX_TTL = Duration.ofMinutes(30);
    public static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SERVFAIL = Duration.ofSeconds(5);
    /** RFC 2308 section 7.1: a server failure must not be cached for longer than five minutes. */
    public static final Duration MAX_SERVFAIL = Duration.ofMinutes(5);

    public CacheOptions {
        Objects.requireNonNull(success, "success");
        Objects.requireNonNull(denial, "denial");
        Objects.requireNonNull(prefetch, "prefetch");
        Objects.requireNonNull(serveStale, "serveStale");
        Objects.requireNonNull(servfail, "servfail");
        zones = List.copyOf(zones);
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("cache: no zone (expected: at least one)");
        }
        if (servfail.isNegative() || servfail.compareTo(MAX_SERVFAIL) > 0) {
            throw new IllegalArgumentException("servfail: " + GoDuration.format(servfail) + " (expected: 0 to 5m)");
        }
    }

    /** {@code cache} alone: CoreDNS's defaults for {@code zones}. */
    public static CacheOptions defaults(List<String> zones) {
        return new CacheOptions(Tier.successDefaults(), Tier.denialDefaults(), Optional.empty(), Optional.empty(),
                DEFAULT_SERVFAIL, false, zones);
    }

    /**
     * The settings of one of the two caches, success or denial.
     *
     * @param capacity      entries kept before the least valuable are evicted; at least 1
     * @param maxTtl        cap on an entry's lifetime, whole seconds, at least 1s
     * @param minTtl        floor on an entry's lifetime, whole seconds; the cap wins when they cross (CoreDNS)
     * @param disabledZones normalized zones for which nothing is stored in this cache ({@code disable}); empty =
     *                      none, {@code "."} = everywhere
     */
    public record Tier(int capacity, Duration maxTtl, Duration minTtl, List<String> disabledZones) {

        public Tier {
            Objects.requireNonNull(maxTtl, "maxTtl");
            Objects.requireNonNull(minTtl, "minTtl");
            disabledZones = List.copyOf(disabledZones);
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity " + capacity + " (expected: >= 1)");
            }
            requireSeconds("TTL", maxTtl, 1);
            requireSeconds("min TTL", minTtl, 0);
        }

        static Tier successDefaults() {
            return new Tier(DEFAULT_CAPACITY, DEFAULT_SUCCESS_MAX_TTL, DEFAULT_MIN_TTL, List.of());
        }

        static Tier denialDefaults() {
            return new Tier(DEFAULT_CAPACITY, DEFAULT_DENIAL_MAX_TTL, DEFAULT_MIN_TTL, List.of());
        }

        /** Whether this cache stores nothing in any zone ({@code disable success} without zones). */
        public boolean disabledEverywhere() {
            return disabledZones.contains(".");
        }

    }

    /**
     * Checks a TTL: whole seconds, at least {@code minSeconds}.
     *
     * @throws IllegalArgumentException {@code TTL 0 (expected: >= 1)} or {@code TTL 1.5s (expected: whole seconds)}
     */
    static Duration requireSeconds(String what, Duration value, long minSeconds) {
        if (value.getNano() != 0) {
            throw new IllegalArgumentException(what + " " + GoDuration.format(value) + " (expected: whole seconds)");
        }
        if (value.getSeconds() < minSeconds) {
            throw new IllegalArgumentException(what + " " + value.getSeconds() + " (expected: >= " + minSeconds + ")");
        }
        return value;
    }

    /**
     * {@code prefetch AMOUNT [DURATION [PERCENTAGE%]]}: an entry asked for {@code amount} times with no gap of
     * {@code duration} or more is refreshed once less than {@code percentage} of its TTL (at least one second) is left.
     *
     * @param amount     hits that make an entry popular; at least 1
     * @param duration   largest gap between those hits (default 1m); positive
     * @param percentage share of the TTL left at which the refresh starts, 10 to 90 (default 10)
     */
    public record Prefetch(int amount, Duration duration, int percentage) {

        public static final Duration DEFAULT_DURATION = Duration.ofMinutes(1);
        public static final int DEFAULT_PERCENTAGE = 10;

        public Prefetch {
            Objects.requireNonNull(duration, "duration");
            if (amount < 1) {
                throw new IllegalArgumentException("amount " + amount + " (expected: >= 1)");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration " + GoDuration.format(duration) + " (expected: > 0)");
            }
            if (percentage < 10 || percentage > 90) {
                throw new IllegalArgumentException("percentage " + percentage + "% (expected: 10% to 90%)");
            }
        }
    }

    /**
     * {@code serve_stale [DURATION] [immediate|verify]} (RFC 8767): entries expired for less than
     * {@code duration} may still be served, with TTL 30s.
     *
     * @param duration how long after expiry an entry may be served (default 1h); positive
     * @param mode     when a stale entry is served (default {@link StaleMode#IMMEDIATE}, as CoreDNS)
     */
    public record ServeStale(Duration duration, StaleMode mode) {

        public static final Duration DEFAULT_DURATION = Duration.ofHours(1);

        public ServeStale {
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(mode, "mode");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration " + GoDuration.format(duration) + " (expected: > 0)");
            }
        }
    }

    /** When an expired entry within the stale window is served. */
    public enum StaleMode {
        /** At once, and the entry is refreshed in the background. */
        IMMEDIATE,
        /** Only after a refresh from the upstreams failed (no answer, or an answer other than NOERROR/NXDOMAIN). */
        VERIFY
    }
}
