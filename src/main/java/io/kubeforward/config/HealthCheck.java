package io.kubeforward.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Health-check settings: a {@code <domain> IN NS} probe every {@code interval}.
 *
 * @param interval         time between probes (default 0.5s, as CoreDNS)
 * @param recursionDesired whether the probe sets RD ({@code no_rec} clears it)
 * @param domain           normalized name to probe (default {@code "."})
 */
public record HealthCheck(Duration interval, boolean recursionDesired, String domain) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);

    public HealthCheck {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(domain, "domain");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("health_check: " + GoDuration.format(interval) + " (expected: >= 0)");
        }
    }

    public static HealthCheck defaults() {
        return new HealthCheck(DEFAULT_INTERVAL, true, ".");
    }
}
