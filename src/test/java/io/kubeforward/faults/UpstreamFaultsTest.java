package io.kubeforward.faults;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kubeforward.config.ForwardOptions;
import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.testcluster.NetnsTestHost;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.testing.TestUpstream.Mode;
import io.kubeforward.upstream.Upstream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * One upstream of three goes wrong under steady load (1000 queries/s over UDP, CoreDNS's default options:
 * random policy, {@code max_fails 2}, {@code health_check 500ms}, {@code read_timeout 2s}); each scenario prints a
 * {@code FAULT} line with what the clients saw. The promise: while two healthy upstreams remain, no client query
 * fails, except where we relay an upstream's answer on purpose (SERVFAIL without {@code failover}, as CoreDNS).
 */
class UpstreamFaultsTest {

    private static final int QPS = 1000;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final Duration FAULT = FaultReport.duration(Duration.ofSeconds(3), Duration.ofSeconds(60));
    private static final long HEALTH_CHECK_MILLIS = 500;

    /**
     * Packets to one upstream are dropped inside its network namespace (iptables DROP: no answer, no ICMP). Queries
     * that try it first wait its adaptive timeout (~100 ms, not {@code read_timeout}'s 2 s), then get their answer from
     * another; health probes, backing off from the same timeout, mark it down within two {@code health_check} intervals.
     */
    @Test
    void blackholedUpstreamCostsItsAdaptiveTimeoutAndIsMarkedDownQuickly() throws Exception {
        assumeTrue(NetnsTestHost.unsupportedReason().isEmpty(), () -> NetnsTestHost.unsupportedReason().orElse(""));
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            List<NetnsTestHost> hosts = new ArrayList<>();
            List<UpstreamAddress> addresses = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                NetnsTestHost host = NetnsTestHost.create();
                resources.add(host);
                InetAddress marker = InetAddress.getByName("10.0.0." + i);
                resources.add(host.insideNamespace(() -> new TestUpstream(host.address(), 5353, marker)));
                hosts.add(host);
                addresses.add(new UpstreamAddress(Transport.DNS, new InetSocketAddress(host.address(), 5353), "", "static"));
            }
            ForwardingFixture fixture = ForwardingFixture.start(ForwardOptions.defaults(), Duration.ofSeconds(5), addresses);
            resources.add(fixture);
            Upstream dead = fixture.upstreams().get(0);
            try (QueryLoad load = QueryLoad.start(fixture.address(), QPS, "example.", CLIENT_TIMEOUT)) {
                Thread.sleep(WARM_UP.toMillis());
                long before = dead.attemptTimeoutNanos(false, ForwardOptions.DEFAULT_READ_TIMEOUT.toNanos());
                QueryLoad.Window window = load.window("blackhole-1-of-3");
                long dropped = System.nanoTime();
                hosts.get(0).dropInbound();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> dead.isDown(2));
                long downMillis = (System.nanoTime() - dropped) / 1_000_000;
                Thread.sleep(Math.max(0, FAULT.toMillis() - downMillis));
                QueryLoad.Result result = load.finish(window);
                hosts.get(0).acceptInbound();
                long restored = System.nanoTime();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> !dead.isDown(2));
                long upMillis = (System.nanoTime() - restored) / 1_000_000;
                FaultReport.line(result, "adaptive timeout of the dead upstream %d ms (read_timeout 2000 ms); marked down after %d ms "
                        .formatted(before / 1_000_000, downMillis) + "(health_check %d ms); back up %d ms after the drop rule went"
                        .formatted(HEALTH_CHECK_MILLIS, upMillis));
                assertThat(result.failed()).as("failed queries").isZero();
                assertThat(result.p99Millis()).as("p99 bounded by the adaptive timeout, not read_timeout").isLessThan(400);
                assertThat(downMillis).as("marked down within 2 x health_check").isLessThanOrEqualTo(2 * HEALTH_CHECK_MILLIS);
            }
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
    }

    /** CoreDNS relays an upstream's SERVFAIL unless {@code failover} names it; so do we. The failures are those SERVFAILs. */
    @Test
    void servfailIsRelayedWithoutFailover() throws Exception {
        QueryLoad.Result result = underLoad("servfail-relayed", options().build(), a -> a.mode(Mode.SERVFAIL), "");
        assertThat(result.failures()).containsOnlyKeys("SERVFAIL");
        assertThat((double) result.failed() / result.queries()).as("about the share of queries sent to it first").isBetween(0.15, 0.5);
    }

    @Test
    void servfailWithFailoverIsRetriedOnAnotherUpstream() throws Exception {
        QueryLoad.Result result = underLoad("servfail-failover", options().failover(Rcode.SERVFAIL, Rcode.REFUSED).build(),
                a -> a.mode(Mode.SERVFAIL), "failover SERVFAIL REFUSED");
        assertThat(result.failed()).isZero();
    }

    @Test
    void refusedWithFailoverIsRetriedOnAnotherUpstream() throws Exception {
        QueryLoad.Result result = underLoad("refused-failover", options().failover(Rcode.SERVFAIL, Rcode.REFUSED).build(),
                a -> a.mode(Mode.REFUSED), "failover SERVFAIL REFUSED");
        assertThat(result.failed()).isZero();
    }

    /** Garbage fails the reply checks: it is counted and dropped, and the attempt times out into the next upstream. */
    @Test
    void garbageRepliesAreDroppedAndTheQueryMovesOn() throws Exception {
        QueryLoad.Result result = underLoad("garbage", options().build(), a -> a.mode(Mode.GARBAGE), "");
        assertThat(result.failed()).isZero();
        assertThat(result.p99Millis()).isLessThan(400);
    }

    /** Answers after 3 s arrive after the attempt ended (adaptive timeout), are counted as rejected and dropped. */
    @Test
    void answersAfterThreeSecondsAreNotWaitedFor() throws Exception {
        QueryLoad.Result result = underLoad("late-3s", options().build(), a -> a.delay(3000), "");
        assertThat(result.failed()).isZero();
        assertThat(result.p99Millis()).isLessThan(600);
    }

    @Test
    void upstreamFlappingEverySecond() throws Exception {
        QueryLoad.Result result = underLoad("flapping-1s", options().build(),
                a -> a.flapPeriod(Duration.ofSeconds(1)).mode(Mode.FLAPPING), "");
        assertThat(result.failed()).isZero();
        assertThat(result.p99Millis()).isLessThan(400);
    }

    /**
     * Runs {@code fault} on the first of three loopback upstreams under load and reports the fault window. The other two
     * answer normally.
     */
    private static QueryLoad.Result underLoad(String name, ForwardOptions options, Consumer<TestUpstream> fault, String config)
            throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1");
                TestUpstream b = TestUpstream.start("10.0.0.2");
                TestUpstream c = TestUpstream.start("10.0.0.3");
                ForwardingFixture fixture = ForwardingFixture.start(options, a, b, c);
                QueryLoad load = QueryLoad.start(fixture.address(), QPS, "example.", CLIENT_TIMEOUT)) {
            Thread.sleep(WARM_UP.toMillis());
            QueryLoad.Window window = load.window(name);
            fault.accept(a);
            Thread.sleep(FAULT.toMillis());
            QueryLoad.Result result = load.finish(window);
            double rejected = fixture.registry().get("kubeforward.proxy.rejected.replies").tag("to", "dns://127.0.0.1:" + a.port())
                    .counter().count();
            Upstream faulty = fixture.upstreams().get(0);
            FaultReport.line(result, (config.isEmpty() ? "defaults" : config) + "; faulty upstream: %d queries, %d rejected replies, down=%s"
                    .formatted(a.queries(), (long) rejected, faulty.isDown(options.maxFails())));
            return result;
        }
    }
}
