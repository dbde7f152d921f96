package io.kubeforward.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The adaptive per-attempt timeout: RFC 6298's estimator, its 100 ms margin and ceiling, and concurrent samples. */
class RttEstimatorTest {

    private static final long CEILING = Duration.ofSeconds(2).toNanos();

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void beforeAnySampleTheTimeoutIsTheInitialEstimateWithinTheCeiling() {
        RttEstimator estimator = new RttEstimator();
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(RttEstimator.INITIAL_NANOS);
        assertThat(estimator.timeoutNanos(ms(300))).isEqualTo(ms(300));
        assertThat(estimator.srttNanos()).isEqualTo(-1);
        assertThat(estimator.rttvarNanos()).isEqualTo(-1);
    }

    @Test
    void theFirstSampleSetsSrttAndHalfOfItAsVariation() {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(ms(40));
        assertThat(estimator.srttNanos()).isEqualTo(ms(40));
        assertThat(estimator.rttvarNanos()).isEqualTo(ms(20));
        // 40 + max(100, 4 × 20) ms
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(ms(140));
    }

    @Test
    void laterSamplesFollowRfc6298() {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(ms(40));
        estimator.sample(ms(80));
        // RTTVAR = 3/4 × 20 + 1/4 × |40 - 80| = 25; SRTT = 7/8 × 40 + 1/8 × 80 = 45
        assertThat(estimator.rttvarNanos()).isEqualTo(ms(25));
        assertThat(estimator.srttNanos()).isEqualTo(ms(45));
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(ms(145));
    }

    @Test
    void fastSteadyAnswersBringTheTimeoutDownToTheFloor() {
        RttEstimator estimator = new RttEstimator();
        for (int i = 0; i < 100; i++) {
            estimator.sample(TimeUnit.MICROSECONDS.toNanos(300));
        }
        assertThat(estimator.srttNanos()).isBetween(TimeUnit.MICROSECONDS.toNanos(290), TimeUnit.MICROSECONDS.toNanos(310));
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(RttEstimator.MARGIN_NANOS + estimator.srttNanos());
    }

    /** Round trips that are all alike shrink rttvar towards zero: the margin keeps the timeout 100 ms above them. */
    @Test
    void steadySlowAnswersKeepAMarginOfTheFloorAboveThem() {
        RttEstimator estimator = new RttEstimator();
        for (int i = 0; i < 500; i++) {
            estimator.sample(ms(150));
        }
        assertThat(estimator.timeoutNanos(CEILING)).isBetween(ms(250), ms(252));
    }

    @Test
    void theCeilingWinsOverTheFloorAndOverALongEstimate() {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(ms(900));
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(CEILING);
        RttEstimator fast = new RttEstimator();
        fast.sample(ms(1));
        assertThat(fast.timeoutNanos(ms(50))).as("read_timeout below the margin").isEqualTo(ms(50));
        assertThat(fast.timeoutNanos(CEILING)).isEqualTo(ms(101));
    }

    /**
     * A mix of cache hits and recursions at the upstream (one in ten): the variation falls slowly, so the timeout stays
     * above the slow answers even right after a run of fast ones. With RFC 6298's symmetric gain it would be back at
     * srtt + 100 ms (about 112 ms here) and the recursions would be abandoned.
     */
    @Test
    void mixedFastAndSlowAnswersWidenTheTimeoutBeyondTheSlowOnes() {
        RttEstimator estimator = new RttEstimator();
        for (int i = 0; i < 200; i++) {
            estimator.sample(i % 10 == 0 ? ms(120) : TimeUnit.MICROSECONDS.toNanos(500));
        }
        assertThat(estimator.timeoutNanos(CEILING)).isGreaterThan(ms(120));
    }

    /** One slow answer after a fast history moves the estimate past it at once (what a last-chance attempt feeds). */
    @Test
    void oneSlowSampleAfterAFastHistoryCoversItsOwnRoundTrip() {
        RttEstimator estimator = new RttEstimator();
        for (int i = 0; i < 50; i++) {
            estimator.sample(ms(1));
        }
        estimator.sample(ms(300));
        assertThat(estimator.timeoutNanos(CEILING)).isGreaterThan(ms(300));
    }

    @Test
    void theVariationFallsSlowerThanItRises() {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(ms(1));
        estimator.sample(ms(101));
        long raised = estimator.rttvarNanos();
        // 1/2 + 1/4 × (100 - 1/2) ms
        assertThat(raised).isEqualTo(TimeUnit.MICROSECONDS.toNanos(500 + (100_000 - 500) / 4));
        estimator.sample(estimator.srttNanos());
        // an exact sample: 1/32 of the variation goes (in whole microseconds)
        assertThat(estimator.rttvarNanos()).isEqualTo(TimeUnit.MICROSECONDS.toNanos(25_375 - 25_375 / 32));
    }

    @Test
    void absurdSamplesAreCappedAndNegativeOnesCountAsZero() {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(Long.MAX_VALUE);
        assertThat(estimator.srttNanos()).isEqualTo(TimeUnit.MICROSECONDS.toNanos(RttEstimator.MAX_SAMPLE_MICROS));
        RttEstimator negative = new RttEstimator();
        negative.sample(-5);
        assertThat(negative.srttNanos()).isZero();
        assertThat(negative.timeoutNanos(CEILING)).isEqualTo(RttEstimator.MARGIN_NANOS);
    }

    @Test
    void concurrentSamplesOfOneValueConvergeOnIt() throws Exception {
        RttEstimator estimator = new RttEstimator();
        estimator.sample(ms(500));
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 50_000; i++) {
                    estimator.sample(ms(2));
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(estimator.srttNanos()).isBetween(ms(2) - TimeUnit.MICROSECONDS.toNanos(10), ms(2) + TimeUnit.MICROSECONDS.toNanos(10));
        assertThat(estimator.timeoutNanos(CEILING)).isEqualTo(RttEstimator.MARGIN_NANOS + estimator.srttNanos());
    }
}
