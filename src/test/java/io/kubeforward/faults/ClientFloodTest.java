package io.kubeforward.faults;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Clients send far more than {@code max_concurrent} allows: the excess is answered REFUSED at once and counted,
 * memory does not grow with the flood, and once it stops every query is answered again.
 */
class ClientFloodTest {

    private static final int MAX_CONCURRENT = 200;
    private static final int UPSTREAM_DELAY_MILLIS = 150;
    private static final int BASELINE_QPS = 300;
    private static final int FLOOD_QPS = 4000;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration FLOOD = FaultReport.duration(Duration.ofSeconds(3), Duration.ofSeconds(60));

    @Test
    void floodBeyondMaxConcurrentIsRefusedWithFlatMemoryAndRecoversAtOnce() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1").delay(UPSTREAM_DELAY_MILLIS);
                TestUpstream b = TestUpstream.start("10.0.0.2").delay(UPSTREAM_DELAY_MILLIS);
                TestUpstream c = TestUpstream.start("10.0.0.3").delay(UPSTREAM_DELAY_MILLIS);
                ForwardingFixture fixture = ForwardingFixture.start(options().maxConcurrent(MAX_CONCURRENT).build(), a, b, c);
                QueryLoad baseline = QueryLoad.start(fixture.address(), BASELINE_QPS, "example.", CLIENT_TIMEOUT)) {
            Thread.sleep(1000);
            QueryLoad.Result before = baseline.finish(baseline.window("before"));
            long heapBefore = heapAfterGc();

            QueryLoad.Window duringBaseline = baseline.window("baseline-during-flood");
            QueryLoad.Result flood;
            try (QueryLoad flooder = QueryLoad.start(fixture.address(), FLOOD_QPS, "flood.example.", CLIENT_TIMEOUT)) {
                QueryLoad.Window window = flooder.window("client-flood");
                Thread.sleep(FLOOD.toMillis());
                flooder.stopSending();
                flood = flooder.finish(window);
            }
            // The flood's last queries were answered (finish waits for them): recovery is counted from here on.
            QueryLoad.Result during = baseline.finish(duringBaseline);
            QueryLoad.Window recovery = baseline.window("recovery");
            Thread.sleep(1000);
            QueryLoad.Result after = baseline.finish(recovery);
            long heapAfter = heapAfterGc();

            double rejects = fixture.registry().get("kubeforward.forward.max.concurrent.rejects").counter().count();
            FaultReport.line(flood, "max_concurrent %d, upstreams answering in %d ms; REFUSED counted %d; heap after GC %d -> %d MB; "
                    .formatted(MAX_CONCURRENT, UPSTREAM_DELAY_MILLIS, (long) rejects, heapBefore >> 20, heapAfter >> 20)
                    + "baseline %d qps: before failed=%d, during failed=%d %s, after failed=%d (p99 %.1f ms)"
                    .formatted(BASELINE_QPS, before.failed(), during.failed(), during.failures(), after.failed(), after.p99Millis()));
            assertThat(flood.failures("REFUSED")).as("excess answered REFUSED").isPositive();
            assertThat(flood.failures()).as("nothing but REFUSED: no timeouts, no SERVFAIL").containsOnlyKeys("REFUSED");
            assertThat((long) rejects).as("every REFUSED counted").isEqualTo(flood.failures("REFUSED") + during.failures("REFUSED"));
            assertThat(before.failed()).isZero();
            assertThat(after.failed()).as("recovery at once").isZero();
            assertThat(heapAfter - heapBefore).as("heap after GC grew by").isLessThan(32L << 20);
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
