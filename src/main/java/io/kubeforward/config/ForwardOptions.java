package io.kubeforward.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.Collections;

/**
 * The options of CoreDNS's {@code forward} plugin, with the same meanings and defaults
 * (see docs/configuration.md).
 *
 * @param forceTcp                       always use TCP to upstreams (wins over {@code preferUdp})
 * @param preferUdp                      use UDP even for TCP clients; a truncated reply is retried over TCP
 * @param maxFails                       an upstream is down when its consecutive failures exceed this;
 *                                       0 = never down and no health checks (default 2)
 * @param maxConnectAttempts             cap on attempts per query; empty = 2 × upstreams, 0 = no cap
 * @param expire                         idle lifetime of a pooled TCP/TLS connection (default 10s)
 * @param maxAge                         maximum lifetime of a pooled connection; empty = unbounded
 * @param maxIdleConns                   idle connections kept per upstream; empty = unbounded
 * @param readTimeout                    per-attempt read timeout (default 2s)
 * @param tls                            client TLS material for {@code tls://} upstreams; empty = system trust
 * @param tlsServerName                  server name to verify for {@code tls://} upstreams; empty = none
 * @param policy                         order in which upstreams are tried (default random)
 * @param healthCheck                    health-check interval and query
 * @param maxConcurrent                  in-flight queries above which REFUSED is answered; empty = no limit
 * @param failfastAllUnhealthyUpstreams  SERVFAIL at once when every upstream is down
 * @param failover                       rcodes on which the next upstream is tried
 * @param sourceAddress                  local address for upstream queries and health checks
 * @param slowThreshold                  an upstream answer taking longer than this is slow: counted, and logged with
 *                                       {@code slowLog}; empty = nothing is slow (the successor plugin's
 *                                       {@code slow_threshold}, default 0 = off)
 * @param slowLog                        log slow answers (rate-limited); the successor plugin's {@code slow_log}
 */
public record ForwardOptions(
        boolean forceTcp,
        boolean preferUdp,
        int maxFails,
        OptionalInt maxConnectAttempts,
        Duration expire,
        Optional<Duration> maxAge,
        OptionalInt maxIdleConns,
        Duration readTimeout,
        Optional<TlsOptions> tls,
        String tlsServerName,
        Policy policy,
        HealthCheck healthCheck,
        OptionalInt maxConcurrent,
        boolean failfastAllUnhealthyUpstreams,
        Set<Integer> failover,
        Optional<InetAddress> sourceAddress,
        Optional<Duration> slowThreshold,
        boolean slowLog) {

    public static final int DEFAULT_MAX_FAILS = 2;
    public static final Duration DEFAULT_EXPIRE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);

    public ForwardOptions {
        Objects.requireNonNull(maxConnectAttempts, "maxConnectAttempts");
        Objects.requireNonNull(expire, "expire");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(maxIdleConns, "maxIdleConns");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(tlsServerName, "tlsServerName");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(maxConcurrent, "maxConcurrent");
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        Objects.requireNonNull(slowThreshold, "slowThreshold");
        slowThreshold.ifPresent(threshold -> requirePositive("slow_threshold", threshold));
        SortedSet<Integer> rcodes = new TreeSet<>(failover);
        failover = Collections.unmodifiableSortedSet(rcodes);
        if (maxFails < 0) {
            throw new IllegalArgumentException("max_fails: " + maxFails + " (expected: >= 0)");
        }
        if (maxConnectAttempts.isPresent() && maxConnectAttempts.getAsInt() < 0) {
            throw new IllegalArgumentException("max_connect_attempts: " + maxConnectAttempts.getAsInt() + " (expected: >= 0)");
        }
        requirePositive("expire", expire);
        requirePositive("read_timeout", readTimeout);
        maxAge.ifPresent(age -> {
            requirePositive("max_age", age);
            if (age.compareTo(expire) < 0) {
                throw new IllegalArgumentException("max_age: " + GoDuration.format(age) + " (expected: >= expire " + GoDuration.format(expire) + ")");
            }
        });
        if (maxIdleConns.isPresent() && maxIdleConns.getAsInt() < 0) {
            throw new IllegalArgumentException("max_idle_conns: " + maxIdleConns.getAsInt() + " (expected: >= 0)");
        }
        if (maxConcurrent.isPresent() && maxConcurrent.getAsInt() <= 0) {
            throw new IllegalArgumentException("max_concurrent: " + maxConcurrent.getAsInt() + " (expected: > 0)");
        }
    }

    /** CoreDNS's defaults. */
    public static ForwardOptions defaults() {
        return new ForwardOptions(false, false, DEFAULT_MAX_FAILS, OptionalInt.empty(), DEFAULT_EXPIRE, Optional.empty(),
                OptionalInt.empty(), DEFAULT_READ_TIMEOUT, Optional.empty(), "", Policy.RANDOM, HealthCheck.defaults(),
                OptionalInt.empty(), false, Set.of(), Optional.empty(), Optional.empty(), false);
    }

    /** The attempt cap for a pool of {@code upstreams} members; {@code Integer.MAX_VALUE} for no cap. */
    public int attemptLimit(int upstreams) {
        if (maxConnectAttempts.isEmpty()) {
            return Math.max(1, 2 * upstreams);
        }
        int limit = maxConnectAttempts.getAsInt();
        return limit == 0 ? Integer.MAX_VALUE : limit;
    }

    /** Health checks run only when an upstream can be marked down. */
    public boolean healthChecksEnabled() {
        return maxFails > 0 && !healthCheck.interval().isZero();
    }

    private static void requirePositive(String option, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + ": " + GoDuration.format(value) + " (expected: > 0)");
        }
    }
}
