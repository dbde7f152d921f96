package io.kubeforward.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The log budget shared by the error and slow-answer logs, with time advanced by hand. */
class LogRateTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LogRate rate = new LogRate(3, Duration.ofSeconds(1), now::get);

    @Test
    void linesBeyondTheBudgetAreHeldBackAndTheNextWindowsFirstLineCountsThem() {
        assertThat(rate.acquire()).isZero();
        assertThat(rate.acquire()).isZero();
        assertThat(rate.acquire()).isZero();
        assertThat(rate.acquire()).isEqualTo(-1);
        assertThat(rate.acquire()).isEqualTo(-1);
        now.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(rate.acquire()).as("still the same window").isEqualTo(-1);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(rate.acquire()).as("held back meanwhile").isEqualTo(3);
        assertThat(rate.acquire()).isZero();
    }

    @Test
    void aBudgetOfNoLinesIsRefused() {
        assertThatThrownBy(() -> new LogRate(0, Duration.ofSeconds(1), now::get)).hasMessage("lines: 0 (expected: >= 1)");
    }
}
