package io.kubeforward.config;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.Rcode;

/**
 * Collects {@code forward} options from either source, validating each value as CoreDNS does. Setters fail
 * with an {@link IllegalArgumentException} whose message is the problem only ({@code -1 (expected: >= 0)});
 * the caller adds the location and option name. Short-lived: one per forward rule being read.
 */
final class ForwardOptionsBuilder {

    private final ForwardOptions defaults = ForwardOptions.defaults();
    private final List<String> except = new ArrayList<>();
    private boolean forceTcp;
    private boolean preferUdp;
    private int maxFails = defaults.maxFails();
    private OptionalInt maxConnectAttempts = OptionalInt.empty();
    private Duration expire = defaults.expire();
    private Optional<Duration> maxAge = Optional.empty();
    private OptionalInt maxIdleConns = OptionalInt.empty();
    private Duration readTimeout = defaults.readTimeout();
    private Optional<TlsOptions> tls = Optional.empty();
    private String tlsServerName = "";
    private Policy policy = defaults.policy();
    private HealthCheck healthCheck = defaults.healthCheck();
    private OptionalInt maxConcurrent = OptionalInt.empty();
    private boolean failfastAllUnhealthyUpstreams;
    private Set<Integer> failover = Set.of();
    private Optional<InetAddress> sourceAddress = Optional.empty();
    private Optional<Duration> slowThreshold = Optional.empty();
    private boolean slowLog;

    void addExcept(String name) {
        except.add(DomainNames.normalize(name));
    }

    void forceTcp(boolean value) {
        forceTcp = value;
    }

    void preferUdp(boolean value) {
        preferUdp = value;
    }

    void maxFails(int value) {
        maxFails = atLeast(value, 0);
    }

    /** 0 = no cap. */
    void maxConnectAttempts(int value) {
        maxConnectAttempts = OptionalInt.of(atLeast(value, 0));
    }

    void expire(Duration value) {
        expire = positive(value);
    }

    /** 0 = no maximum age, as CoreDNS. */
    void maxAge(Duration value) {
        maxAge = notNegative(value).isZero() ? Optional.empty() : Optional.of(value);
    }

    /** 0 = unlimited, as CoreDNS. */
    void maxIdleConns(int value) {
        maxIdleConns = atLeast(value, 0) == 0 ? OptionalInt.empty() : OptionalInt.of(value);
    }

    void readTimeout(Duration value) {
        readTimeout = positive(value);
    }

    /** Client certificate and key (both or neither) and CA bundle; the files must be readable. */
    void tls(Optional<String> certificate, Optional<String> key, Optional<String> ca) {
        if (certificate.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException("a client certificate and its key go together (expected: CERT KEY [CA])");
        }
        TlsOptions options = new TlsOptions(certificate.map(f -> readable(f, "certificate")),
                key.map(f -> readable(f, "key")), ca.map(f -> readable(f, "CA")));
        tls = certificate.isEmpty() && ca.isEmpty() ? Optional.empty() : Optional.of(options);
    }

    void tlsServerName(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("empty server name");
        }
        tlsServerName = value;
    }

    void policy(String value) {
        policy = Policy.fromConfigName(value).orElseThrow(() -> new IllegalArgumentException("'" + value
                + "' (expected: random, round_robin, sequential or least_outstanding)"));
    }

    /** Interval 0 disables health checks, as CoreDNS. */
    void healthCheck(Duration interval, boolean recursionDesired, String domain) {
        healthCheck = new HealthCheck(notNegative(interval), recursionDesired, DomainNames.normalize(domain));
    }

    /** 0 = no limit, as CoreDNS. */
    void maxConcurrent(int value) {
        maxConcurrent = atLeast(value, 0) == 0 ? OptionalInt.empty() : OptionalInt.of(value);
    }

    void failfastAllUnhealthyUpstreams(boolean value) {
        failfastAllUnhealthyUpstreams = value;
    }

    void failover(List<String> rcodes) {
        Set<Integer> values = new TreeSet<>();
        for (String name : rcodes) {
            int rcode = Rcode.value(name);
            if (rcode < 0) {
                throw new IllegalArgumentException("'" + name + "' is not an rcode (expected e.g. SERVFAIL, REFUSED)");
            }
            if (rcode == Rcode.NOERROR) {
                throw new IllegalArgumentException("NOERROR cannot be used for failover");
            }
            values.add(rcode);
        }
        failover = values;
    }

    void sourceAddress(String value) {
        sourceAddress = Optional.of(IpLiterals.require(value));
    }

    /** 0 = nothing is slow, as the successor plugin's default. */
    void slowThreshold(Duration value) {
        slowThreshold = notNegative(value).isZero() ? Optional.empty() : Optional.of(value);
    }

    void slowLog(boolean value) {
        slowLog = value;
    }

    /** {@code slow_log} without a {@code slow_threshold}: accepted (the successor plugin does too) but logs nothing. */
    boolean slowLogWithoutThreshold() {
        return slowLog && slowThreshold.isEmpty();
    }

    List<String> except() {
        return List.copyOf(except);
    }

    String tlsServerName() {
        return tlsServerName;
    }

    /** Both {@code force_tcp} and {@code prefer_udp} are set; {@link #build()} keeps {@code force_tcp} only. */
    boolean preferUdpOverridden() {
        return forceTcp && preferUdp;
    }

    /**
     * Checks {@code max_age >= expire}, as CoreDNS does.
     *
     * @throws IllegalArgumentException the problem, to be reported at {@code max_age}
     */
    void checkMaxAge() {
        if (maxAge.isPresent() && maxAge.get().compareTo(expire) < 0) {
            throw new IllegalArgumentException(GoDuration.format(maxAge.get()) + " (expected: >= expire "
                    + GoDuration.format(expire) + ")");
        }
    }

    ForwardOptions build() {
        checkMaxAge();
        return new ForwardOptions(forceTcp, preferUdp && !forceTcp, maxFails, maxConnectAttempts, expire, maxAge,
                maxIdleConns, readTimeout, tls, tlsServerName, policy, healthCheck, maxConcurrent,
                failfastAllUnhealthyUpstreams, failover, sourceAddress, slowThreshold, slowLog);
    }

    private static int atLeast(int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(value + " (expected: >= " + min + ")");
        }
        return value;
    }

    private static Duration positive(Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(GoDuration.format(value) + " (expected: > 0)");
        }
        return value;
    }

    private static Duration notNegative(Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(GoDuration.format(value) + " (expected: >= 0)");
        }
        return value;
    }

    private static Path readable(String file, String what) {
        try {
            Path path = Path.of(file);
            if (Files.isReadable(path) && Files.isRegularFile(path)) {
                return path;
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " file '" + file + "' is not a readable file");
    }
}
