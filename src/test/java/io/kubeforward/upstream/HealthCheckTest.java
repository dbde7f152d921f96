package io.kubeforward.upstream;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.config.Policy;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.testing.TestUpstream.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** Scheduled health checks against real loopback servers: marking down after max_fails, and recovery. */
class HealthCheckTest {

    private static String answer(Message reply) {
        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        return ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    @Test
    void probesRunOnScheduleEvenWithoutQueries() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().healthCheck(Duration.ofMillis(100)).build(), a)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.probes() >= 3);
            Upstream member = fixture.upstreams().get(0);
            assertThat(member.lastProbeSucceeded()).isTrue();
            assertThat(member.lastProbe()).isNotNull();
            assertThat(a.queries()).isZero();
        }
    }

    @Test
    void upstreamFailingMoreThanMaxFailsProbesIsSkippedAndRecovers() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                TestUpstream b = TestUpstream.start("10.0.0.2");
                ForwardingFixture fixture = ForwardingFixture.start(options().policy(Policy.SEQUENTIAL).maxFails(2)
                        .healthCheck(Duration.ofMillis(100)).readTimeout(Duration.ofMillis(300)).build(), a, b)) {
            assertThat(answer(fixture.client().udp("before.example."))).isEqualTo("10.0.0.1");
            a.mode(Mode.SILENT);
            Upstream first = fixture.upstreams().get(0);
            // Three failed 1 s probes: failures 3 > max_fails 2.
            await().atMost(Duration.ofSeconds(8)).until(() -> first.isDown(2));
            assertThat(first.consecutiveFailures()).isGreaterThan(2);
            int before = a.queries();
            for (int i = 0; i < 5; i++) {
                assertThat(answer(fixture.client().udp("down" + i + ".example."))).isEqualTo("10.0.0.2");
            }
            assertThat(a.queries()).as("a down upstream gets no queries").isEqualTo(before);
            assertThat(fixture.registry().get("kubeforward.proxy.healthcheck.failures").tag("to", "dns://" + a.address().getAddress().getHostAddress() + ":" + a.port()).counter().count()).isGreaterThanOrEqualTo(3);

            a.mode(Mode.ANSWER);
            await().atMost(Duration.ofSeconds(5)).until(() -> !first.isDown(2));
            assertThat(first.consecutiveFailures()).isZero();
            assertThat(answer(fixture.client().udp("after.example."))).isEqualTo("10.0.0.1");
        }
    }

    @Test
    void allUpstreamsDownStillTriesOneUnlessFailfast() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1").mode(Mode.SILENT);
                ForwardingFixture fixture = ForwardingFixture.start(options().maxFails(1).healthCheck(Duration.ofMillis(100))
                        .readTimeout(Duration.ofMillis(300)).build(), a)) {
            Upstream only = fixture.upstreams().get(0);
            await().atMost(Duration.ofSeconds(8)).until(() -> only.isDown(1));
            int before = a.queries();
            a.mode(Mode.ANSWER);
            // Health checking is assumed broken: the query still goes to a (random) upstream.
            Message reply = fixture.client().udp("anyway.example.");
            assertThat(a.queries()).isGreaterThan(before);
            assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(fixture.registry().get("kubeforward.forward.healthcheck.broken").counter().count()).isGreaterThanOrEqualTo(1);
        }
        try (TestUpstream a = TestUpstream.start("10.0.0.1").mode(Mode.SILENT);
                ForwardingFixture fixture = ForwardingFixture.start(options().maxFails(1).failfast().healthCheck(Duration.ofMillis(100))
                        .readTimeout(Duration.ofMillis(300)).build(), a)) {
            Upstream only = fixture.upstreams().get(0);
            await().atMost(Duration.ofSeconds(8)).until(() -> only.isDown(1));
            int before = a.queries();
            Message reply = fixture.client().udp("failfast.example.");
            assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(a.queries()).isEqualTo(before);
        }
    }

    @Test
    void maxFailsZeroNeverMarksDownAndRunsNoProbes() throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().maxFails(0).healthCheck(Duration.ofMillis(50)).build(), a)) {
            Thread.sleep(300);
            assertThat(a.probes()).isZero();
            assertThat(fixture.upstreams().get(0).isDown(0)).isFalse();
        }
    }
}
