package io.kubeforward.discovery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter between API calls after failures: the wait before the next attempt is drawn
 * uniformly between zero and the current step, which starts at 1 s and doubles to 5 s. Full jitter from the very
 * first retry: when the API server drops every node's watch at once, the nodes come back spread over a second, and
 * over seconds while it stays away, instead of in one burst. (Retrying is cheap: a reconnect resumes the watch, it
 * does not list; the LISTs a restart does force are spread apart by {@link #spread}.) Used by one thread.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofSeconds(5);

    private final Duration initial;
    private final Duration max;
    private final RandomGenerator random;
    private int failures;

    Backoff(Duration initial, Duration max) {
        this(initial, max, ThreadLocalRandom.current());
    }

    Backoff(Duration initial, Duration max, RandomGenerator random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("initial %s, max %s (expected: 0 < initial <= max)".formatted(initial, max));
        }
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /** The wait before the next attempt: zero after a success, else uniform in [0, step]. */
    Duration next() {
        if (failures == 0) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(random.nextLong(step().toMillis() + 1));
    }

    /** The current step: {@code initial × 2^(failures-1)}, at most {@code max}. */
    Duration step() {
        if (failures == 0) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(Math.min(max.toMillis(), initial.toMillis() << Math.min(failures - 1, 30)));
    }

    void failed() {
        failures++;
    }

    void succeeded() {
        failures = 0;
    }

    /** Uniform in [0, spread]: how long to wait before a LIST that every node of a cluster may need at the same moment. */
    Duration spread(Duration spread) {
        return Duration.ofMillis(random.nextLong(spread.toMillis() + 1));
    }
}
