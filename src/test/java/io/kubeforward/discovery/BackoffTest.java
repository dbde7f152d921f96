package io.kubeforward.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Duration S1 = Duration.ofSeconds(1);
    private static final Duration S5 = Duration.ofSeconds(5);

    private static final LongestJitter LONGEST = new LongestJitter();

    @Test
    void noWaitBeforeTheFirstFailureNorAfterASuccess() {
        Backoff backoff = new Backoff(S1, S5, LONGEST);
        assertThat(backoff.next()).isZero();
        backoff.failed();
        backoff.succeeded();
        assertThat(backoff.next()).isZero();
        assertThat(backoff.step()).isZero();
    }

    @Test
    void theStepDoublesFromOneSecondToItsCap() {
        Backoff backoff = new Backoff(S1, S5, LONGEST);
        long[] steps = new long[5];
        for (int i = 0; i < steps.length; i++) {
            backoff.failed();
            steps[i] = backoff.step().toMillis();
        }
        assertThat(steps).containsExactly(1000, 2000, 4000, 5000, 5000);
        assertThat(backoff.next()).isEqualTo(S5);
    }

    @Test
    void manyFailuresNeverOverflowTheStep() {
        Backoff backoff = new Backoff(S1, S5, LONGEST);
        for (int i = 0; i < 200; i++) {
            backoff.failed();
        }
        assertThat(backoff.step()).isEqualTo(S5);
    }

    /**
     * The first retry after a dropped watch is jittered over the whole step, from zero: nodes that lost their watches in
     * the same instant (the API server went away) do not come back in the same instant. The old policy drew the first
     * wait from [100, 200] ms, which put a thousand nodes' reconnects into one tenth of a second.
     */
    @Test
    void theFirstRetriesOfAThousandNodesSpreadOverTheWholeFirstSecond() {
        SplittableRandom seeds = new SplittableRandom(16);
        int[] perTenth = new int[10];
        for (int node = 0; node < 1000; node++) {
            Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX, seeds.split());
            backoff.failed();
            long wait = backoff.next().toMillis();
            assertThat(wait).isBetween(0L, 1000L);
            perTenth[(int) Math.min(9, wait / 100)]++;
        }
        // uniform: 100 per tenth of a second expected; no tenth with more than twice that, none empty
        assertThat(Arrays.stream(perTenth).boxed().toList()).allSatisfy(count -> assertThat(count).isBetween(50, 200));
    }

    @Test
    void theRelistSpreadIsUniformWithinItsBound() {
        Backoff backoff = new Backoff(S1, S5, new SplittableRandom(3));
        Duration spread = Duration.ofSeconds(20);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long wait = backoff.spread(spread).toMillis();
            min = Math.min(min, wait);
            max = Math.max(max, wait);
        }
        assertThat(min).isBetween(0L, 100L);
        assertThat(max).isBetween(19_900L, 20_000L);
        assertThat(new Backoff(S1, S5, LONGEST).spread(spread)).isEqualTo(spread);
    }

    @Test
    void rejectsANonPositiveOrInvertedRange() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, S5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 0 < initial <= max");
        assertThatThrownBy(() -> new Backoff(S5, S1)).isInstanceOf(IllegalArgumentException.class);
    }
}
