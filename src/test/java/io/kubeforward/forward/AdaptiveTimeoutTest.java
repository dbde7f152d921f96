package io.kubeforward.forward;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Policy;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.testing.TestUpstream.Mode;
import io.kubeforward.upstream.Upstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** The per-attempt timeout follows each upstream's round-trip time instead of waiting {@code read_timeout}. */
class AdaptiveTimeoutTest {

    private static final long READ_TIMEOUT_NANOS = Duration.ofSeconds(2).toNanos();

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }

    private static String answer(Message reply) {
        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        return ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    @Test
    void aSilentUpstreamCostsItsAdaptiveTimeoutNotTheReadTimeout() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                TestUpstream b = TestUpstream.start("10.0.0.2");
                ForwardingFixture fixture = ForwardingFixture.start(options().policy(Policy.SEQUENTIAL).maxFails(0).build(), a, b)) {
            for (int i = 0; i < 20; i++) {
                assertThat(answer(fixture.client().udp("warm" + i + ".example."))).isEqualTo("10.0.0.1");
            }
            Upstream first = fixture.upstreams().get(0);
            assertThat(first.srttNanos()).isPositive();
            assertThat(first.attemptTimeoutNanos(false, READ_TIMEOUT_NANOS)).isBetween(ms(100), ms(110));
            assertThat(first.attemptTimeoutNanos(true, READ_TIMEOUT_NANOS)).as("no TCP answer yet: the initial estimate")
                    .isEqualTo(ms(500));

            a.mode(Mode.SILENT);
            long start = System.nanoTime();
            assertThat(answer(fixture.client().udp("silent.example."))).isEqualTo("10.0.0.2");
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMillis).as("answered after a's 100 ms timeout, far below read_timeout").isBetween(90L, 600L);
            assertThat(fixture.registry().get("kubeforward.proxy.attempt.timeout").tag("to", "dns://127.0.0.1:" + a.port()).gauge().value())
                    .isBetween(0.1, 0.11);
        }
    }

    /**
     * An upstream that becomes slower than its estimate: the first attempt gives up at the estimate, the last one
     * waits {@code read_timeout} and gets the answer, whose round trip lifts the estimate so the next query is answered
     * by its first attempt.
     */
    @Test
    void anAnswerSlowerThanTheEstimateStillArrivesAndLiftsTheEstimate() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().maxFails(0).build(), a)) {
            for (int i = 0; i < 20; i++) {
                answer(fixture.client().udp("warm" + i + ".example."));
            }
            Upstream only = fixture.upstreams().get(0);
            assertThat(only.attemptTimeoutNanos(false, READ_TIMEOUT_NANOS)).isBetween(ms(100), ms(110));
            a.delay(300);
            int before = a.queries();
            assertThat(answer(fixture.client().udp("slow1.example."))).isEqualTo("10.0.0.1");
            assertThat(a.queries() - before).as("an adaptive attempt, then the last one with read_timeout").isEqualTo(2);
            assertThat(only.attemptTimeoutNanos(false, READ_TIMEOUT_NANOS)).isGreaterThan(Duration.ofMillis(300).toNanos());

            before = a.queries();
            assertThat(answer(fixture.client().udp("slow2.example."))).isEqualTo("10.0.0.1");
            assertThat(a.queries() - before).as("the lifted estimate covers the slow round trip").isEqualTo(1);
        }
    }

    /**
     * Over TCP too ({@code force_tcp}, as node-local setups run): an upstream that accepts connections and data but
     * never answers (a frozen pod: its kernel still does TCP) costs its TCP estimate, not {@code read_timeout}.
     */
    @Test
    void overTcpASilentUpstreamCostsItsAdaptiveTimeoutToo() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                TestUpstream b = TestUpstream.start("10.0.0.2");
                ForwardingFixture fixture = ForwardingFixture.start(options().policy(Policy.SEQUENTIAL).maxFails(0).forceTcp().build(),
                        a, b)) {
            for (int i = 0; i < 20; i++) {
                assertThat(answer(fixture.client().udp("warm" + i + ".example."))).isEqualTo("10.0.0.1");
            }
            Upstream first = fixture.upstreams().get(0);
            assertThat(first.srttNanos(true)).isPositive();
            assertThat(first.srttNanos(false)).as("no UDP sample").isNegative();
            // The samples include each new connection's handshake, so the variation (and the timeout) is a little higher.
            assertThat(first.attemptTimeoutNanos(true, READ_TIMEOUT_NANOS)).isBetween(ms(100), ms(300));

            a.mode(Mode.SILENT);
            long start = System.nanoTime();
            assertThat(answer(fixture.client().udp("silent.example."))).isEqualTo("10.0.0.2");
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMillis).as("answered after a's TCP timeout, far below read_timeout").isBetween(90L, 600L);
            assertThat(fixture.registry().get("kubeforward.proxy.attempt.timeout").tag("to", "dns://127.0.0.1:" + a.port()).gauge().value())
                    .isBetween(0.1, 0.3);
        }
    }
}
