package io.kubeforward.discovery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter between API calls after failures: 200 ms doubling to 10 s, each wait
 * drawn at random between half and all of the current step, so that the nodes of a cluster do not
 * reconnect in lockstep when the API server returns. Used by one thread.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofMillis(200);
    static final Duration MAX = Duration.ofSeconds(10);

    private final Duration initial;
    private final Duration max;
    private int failures;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    /** The wait before the next attempt: zero after a success. */
    Duration next() {
        if (failures == 0) {
            return Duration.ZERO;
        }
        long step = Math.min(max.toMillis(), initial.toMillis() << Math.min(failures - 1, 20));
        return Duration.ofMillis(step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1));
    }

    void failed() {
        failures++;
    }

    void succeeded() {
        failures = 0;
    }

    /** Sleeps {@link #next()}. */
    void pause() throws InterruptedException {
        Duration wait = next();
        if (!wait.isZero()) {
            Thread.sleep(wait);
        }
    }
}
