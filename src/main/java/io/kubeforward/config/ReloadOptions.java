package io.kubeforward.config;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code reload [INTERVAL [JITTER]]}: check the Corefile for changes every INTERVAL (plus a random part of
 * JITTER) and apply a changed, valid one; a broken one is reported and the running configuration kept.
 *
 * @param interval how often the file is checked (CoreDNS: 30s, at least 2s)
 * @param jitter   random extra wait, up to this, so the nodes of a cluster do not reload in lockstep (CoreDNS: 15s)
 */
public record ReloadOptions(Duration interval, Duration jitter) {

    public static final Duration MIN_INTERVAL = Duration.ofSeconds(2);

    public ReloadOptions {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(jitter, "jitter");
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval " + GoDuration.format(interval) + " (expected: >= 2s)");
        }
        if (jitter.isNegative() || jitter.compareTo(interval.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("jitter " + GoDuration.format(jitter) + " (expected: 0 to half the interval)");
        }
    }

    public static ReloadOptions defaults() {
        return new ReloadOptions(Duration.ofSeconds(30), Duration.ofSeconds(15));
    }
}
