package io.kubeforward.forward;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.config.Policy;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.testing.TestUpstream.Mode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Forwarding behaviour against real loopback DNS servers, queried over real UDP and TCP sockets. */
class ForwarderTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Client threads: the common pool has one thread on a 2-core machine, which would serialize queries. */
    private final java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(24);

    @AfterEach
    void closeAll() throws Exception {
        clients.shutdownNow();
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    private TestUpstream upstream(String marker) throws IOException {
        return keep(TestUpstream.start(marker));
    }

    private ForwardingFixture forwarder(ForwardingFixture.Options options, TestUpstream... upstreams) {
        return keep(ForwardingFixture.start(options.build(), upstreams));
    }

    /** One UDP query on a client thread of its own. */
    private CompletableFuture<Message> queryAsync(ForwardingFixture fixture, String name) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.client().udp(name);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, clients);
    }

    private static String answer(Message reply) {
        assertThat(reply.getRcode()).as("rcode of %s", reply).isEqualTo(Rcode.NOERROR);
        return ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    @Test
    void relaysTheUpstreamAnswerOverUdpAndTcpWithTheClientsId() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        ForwardingFixture fixture = forwarder(options(), a);
        Message query = DnsTestClient.query("www.example.org.", Type.A);
        Message udp = fixture.client().udp(query);
        Message tcp = fixture.client().tcp(query);
        assertThat(udp.getHeader().getID()).isEqualTo(query.getHeader().getID());
        assertThat(tcp.getHeader().getID()).isEqualTo(query.getHeader().getID());
        assertThat(answer(udp)).isEqualTo("10.0.0.1");
        assertThat(answer(tcp)).isEqualTo("10.0.0.1");
        assertThat(udp.getQuestion().getName().toString()).isEqualTo("www.example.org.");
        assertThat(a.udpQueries()).isEqualTo(1);
        assertThat(a.tcpQueries()).isEqualTo(1);
    }

    @Test
    void sequentialPolicySendsEverythingToTheFirstHealthyUpstream() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        TestUpstream b = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.SEQUENTIAL), a, b);
        for (int i = 0; i < 10; i++) {
            assertThat(answer(fixture.client().udp("q" + i + ".example."))).isEqualTo("10.0.0.1");
        }
        assertThat(b.queries()).isZero();
    }

    @Test
    void roundRobinPolicyRotatesTheFirstUpstream() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        TestUpstream b = upstream("10.0.0.2");
        TestUpstream c = upstream("10.0.0.3");
        ForwardingFixture fixture = forwarder(options().policy(Policy.ROUND_ROBIN), a, b, c);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(answer(fixture.client().udp("q" + i + ".example.")));
        }
        // Each upstream answers every third query, in a fixed rotation.
        assertThat(answers.subList(0, 3)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(answers.subList(3, 6)).isEqualTo(answers.subList(0, 3));
    }

    @Test
    void randomPolicySpreadsQueriesOverAllUpstreams() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        TestUpstream b = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.RANDOM), a, b);
        for (int i = 0; i < 60; i++) {
            fixture.client().udp("q" + i + ".example.");
        }
        // P(one upstream gets fewer than 10 of 60 fair coin flips) is about 1e-7.
        assertThat(a.queries()).isGreaterThanOrEqualTo(10);
        assertThat(b.queries()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void leastOutstandingPolicyAvoidsASlowUpstream() throws Exception {
        TestUpstream slow = upstream("10.0.0.1").delay(300);
        TestUpstream fast = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.LEAST_OUTSTANDING), slow, fast);
        List<CompletableFuture<Message>> replies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String name = "q" + i + ".example.";
            replies.add(queryAsync(fixture, name));
            Thread.sleep(20);
        }
        for (CompletableFuture<Message> reply : replies) {
            assertThat(reply.get().getRcode()).isEqualTo(Rcode.NOERROR);
        }
        // While the slow one holds a query, every new query goes to the one with nothing outstanding.
        assertThat(fast.queries()).isGreaterThan(slow.queries() * 3);
    }

    @Test
    void silentUpstreamIsRetriedOnTheNextWithinTheDeadline() throws IOException {
        TestUpstream silent = upstream("10.0.0.1").mode(Mode.SILENT);
        TestUpstream good = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.SEQUENTIAL).readTimeout(Duration.ofMillis(300)), silent, good);
        long start = System.nanoTime();
        assertThat(answer(fixture.client().udp("www.example."))).isEqualTo("10.0.0.2");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(silent.queries()).isEqualTo(1);
    }

    @Test
    void refusedConnectionMovesOnToTheNextUpstream() throws IOException {
        TestUpstream closed = upstream("10.0.0.1");
        TestUpstream good = upstream("10.0.0.2");
        InetSocketAddress closedAddress = closed.address();
        closed.close();
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().policy(Policy.SEQUENTIAL).forceTcp().build(),
                Duration.ofSeconds(5), List.of(address(closedAddress), ForwardingFixture.address(good))));
        assertThat(answer(fixture.client().udp("www.example."))).isEqualTo("10.0.0.2");
        assertThat(answer(fixture.client().tcp("www.example."))).isEqualTo("10.0.0.2");
    }

    @Test
    void everyUpstreamFailingAnswersServfailWithinTheDeadline() throws IOException {
        TestUpstream silent = upstream("10.0.0.1").mode(Mode.SILENT);
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().readTimeout(Duration.ofMillis(200)).build(),
                Duration.ofSeconds(1), silent));
        long start = System.nanoTime();
        Message reply = fixture.client().udp("www.example.");
        assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        // Default max_connect_attempts: 2 x upstreams.
        assertThat(silent.queries()).isEqualTo(2);
    }

    @Test
    void spoofedRepliesAreNeverRelayed() throws IOException {
        TestUpstream spoofing = upstream("10.0.0.1").mode(Mode.SPOOF_THEN_ANSWER);
        ForwardingFixture fixture = forwarder(options(), spoofing);
        Message reply = fixture.client().udp("www.example.");
        assertThat(answer(reply)).isEqualTo("10.0.0.1");
        assertThat(reply.getQuestion().getName().toString()).isEqualTo("www.example.");
    }

    @Test
    void onlySpoofedRepliesEndInServfailNotInARelayedSpoof() throws IOException {
        TestUpstream spoofing = upstream("10.0.0.1").mode(Mode.SPOOF_ONLY);
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().readTimeout(Duration.ofMillis(200)).build(),
                Duration.ofSeconds(1), spoofing));
        Message reply = fixture.client().udp("www.example.");
        assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
        assertThat(fixture.registry().get("kubeforward.proxy.rejected.replies").counter().count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void replyFromAnotherSourceIsNotRelayed() throws Exception {
        TestUpstream other = upstream("10.0.0.1").mode(Mode.ANSWER_FROM_OTHER_PORT);
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().readTimeout(Duration.ofMillis(300)).build(),
                Duration.ofMillis(700), other));
        // Right ID and question, wrong source port: the connected socket (and our check) must drop it.
        Message reply = fixture.client().udp("www.example.");
        assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
        assertThat(other.udpQueries()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aReplyArrivingAfterItsAttemptTimedOutIsDropped() throws Exception {
        TestUpstream late = upstream("10.0.0.1").delay(600);
        TestUpstream good = upstream("10.0.0.2");
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().policy(Policy.SEQUENTIAL).maxFails(0)
                .readTimeout(Duration.ofMillis(200)).build(), Duration.ofSeconds(5), late, good));
        assertThat(answer(fixture.client().udp("late.example."))).isEqualTo("10.0.0.2");
        // The first upstream's answer comes 400 ms after its attempt ended: counted, never relayed.
        await().atMost(Duration.ofSeconds(3)).until(() -> fixture.registry().find("kubeforward.proxy.rejected.replies")
                .tag("to", "dns://127.0.0.1:" + late.port()).counter().count() == 1);
    }

    @Test
    void truncatedUdpReplyIsPassedToAUdpClientWhichRetriesOverTcp() throws IOException {
        TestUpstream truncating = upstream("10.0.0.1").mode(Mode.TRUNCATE_UDP);
        ForwardingFixture fixture = forwarder(options(), truncating);
        Message udp = fixture.client().udp("www.example.");
        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(answer(fixture.client().tcp("www.example."))).isEqualTo("10.0.0.1");
        assertThat(truncating.tcpQueries()).isEqualTo(1);
    }

    @Test
    void preferUdpRetriesATruncatedReplyOverTcpOnTheSameUpstream() throws IOException {
        TestUpstream truncating = upstream("10.0.0.1").mode(Mode.TRUNCATE_UDP);
        ForwardingFixture fixture = forwarder(options().preferUdp(), truncating);
        Message reply = fixture.client().tcp("www.example.");
        assertThat(answer(reply)).isEqualTo("10.0.0.1");
        assertThat(truncating.udpQueries()).isEqualTo(1);
        assertThat(truncating.tcpQueries()).isEqualTo(1);
    }

    @Test
    void forceTcpUsesTcpForUdpClientsAndReusesTheConnection() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().forceTcp().build(), Duration.ofSeconds(5), a));
        for (int i = 0; i < 5; i++) {
            assertThat(answer(fixture.client().udp("q" + i + ".example."))).isEqualTo("10.0.0.1");
        }
        assertThat(a.udpQueries()).isZero();
        assertThat(a.tcpQueries()).isEqualTo(5);
        assertThat(a.tcpConnections()).isLessThanOrEqualTo(2); // one per event loop at most
    }

    @Test
    void expiredPooledConnectionsAreNotReused() throws Exception {
        TestUpstream a = upstream("10.0.0.1");
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().forceTcp().expire(Duration.ofMillis(200)).build(),
                Duration.ofSeconds(5), a));
        DnsTestClient client = fixture.client();
        client.udp("one.example.");
        int afterFirst = a.tcpConnections();
        Thread.sleep(400);
        client.udp("two.example.");
        assertThat(a.tcpConnections()).isGreaterThan(afterFirst);
    }

    @Test
    void connectionsOlderThanMaxAgeAreNotReusedEvenWhenBusy() throws Exception {
        TestUpstream a = upstream("10.0.0.1");
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().forceTcp().expire(Duration.ofMillis(200))
                .maxAge(Duration.ofMillis(300)).build(), Duration.ofSeconds(5), a));
        DnsTestClient client = fixture.client();
        // Queries every 100 ms keep each connection from expiring idle; max_age still retires it.
        for (int i = 0; i < 8; i++) {
            client.udp("age" + i + ".example.");
            Thread.sleep(100);
        }
        assertThat(a.tcpConnections()).as("connections dialled over 800 ms with max_age 300 ms").isGreaterThanOrEqualTo(3);
    }

    @Test
    void listensOnIpv6() throws Exception {
        TestUpstream a = upstream("10.0.0.1");
        try (ForwardingFixture fixture = ForwardingFixture.start(io.kubeforward.config.EphemeralCorefiles.parse("""
                .:53 {
                    bind ::1
                    forward . 127.0.0.1:%d
                }
                """.formatted(a.port())))) {
            InetSocketAddress v6 = fixture.address();
            assertThat(v6.getAddress()).isInstanceOf(java.net.Inet6Address.class);
            DnsTestClient client = new DnsTestClient(v6, Duration.ofSeconds(5));
            assertThat(answer(client.udp("v6.example."))).isEqualTo("10.0.0.1");
            assertThat(answer(client.tcp("v6.example."))).isEqualTo("10.0.0.1");
        }
    }

    @Test
    void preferUdpSendsTcpClientsQueriesOverUdp() throws IOException {
        TestUpstream a = upstream("10.0.0.1");
        ForwardingFixture fixture = forwarder(options().preferUdp(), a);
        assertThat(answer(fixture.client().tcp("www.example."))).isEqualTo("10.0.0.1");
        assertThat(a.udpQueries()).isEqualTo(1);
        assertThat(a.tcpQueries()).isZero();
    }

    @Test
    void maxConcurrentAnswersRefusedBeyondTheLimit() throws Exception {
        TestUpstream slow = upstream("10.0.0.1").delay(500);
        ForwardingFixture fixture = forwarder(options().maxConcurrent(2), slow);
        List<CompletableFuture<Message>> replies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String name = "q" + i + ".example.";
            replies.add(queryAsync(fixture, name));
        }
        long refused = 0;
        long answered = 0;
        for (CompletableFuture<Message> reply : replies) {
            int rcode = reply.get().getRcode();
            refused += rcode == Rcode.REFUSED ? 1 : 0;
            answered += rcode == Rcode.NOERROR ? 1 : 0;
        }
        assertThat(answered).isGreaterThanOrEqualTo(2);
        assertThat(refused).isGreaterThanOrEqualTo(1);
        assertThat(refused + answered).isEqualTo(6);
        assertThat(fixture.registry().get("kubeforward.forward.max.concurrent.rejects").counter().count()).isEqualTo(refused);
    }

    @Test
    void failoverRcodeTriesTheNextUpstream() throws IOException {
        TestUpstream failing = upstream("10.0.0.1").mode(Mode.SERVFAIL);
        TestUpstream good = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.SEQUENTIAL).failover(Rcode.SERVFAIL), failing, good);
        assertThat(answer(fixture.client().udp("www.example."))).isEqualTo("10.0.0.2");
    }

    @Test
    void servfailFromUpstreamIsRelayedWithoutFailover() throws IOException {
        TestUpstream failing = upstream("10.0.0.1").mode(Mode.SERVFAIL);
        TestUpstream good = upstream("10.0.0.2");
        ForwardingFixture fixture = forwarder(options().policy(Policy.SEQUENTIAL), failing, good);
        assertThat(fixture.client().udp("www.example.").getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(good.queries()).isZero();
    }

    @Test
    void largeReplyIsTruncatedToTheUdpClientsLimit() throws IOException {
        TestUpstream large = upstream("10.0.0.1").mode(Mode.LARGE);
        ForwardingFixture fixture = forwarder(options(), large);
        byte[] plain = fixture.client().udpRaw(DnsTestClient.query("big.example.", Type.A).toWire());
        assertThat(plain.length).isLessThanOrEqualTo(512);
        assertThat(new Message(plain).getHeader().getFlag(Flags.TC)).isTrue();
        byte[] edns = fixture.client().udpRaw(DnsTestClient.queryWithEdns("big.example.", Type.A, 4096).toWire());
        Message full = new Message(edns);
        assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(full.getSection(Section.ANSWER)).hasSize(40);
        assertThat(fixture.client().tcp(DnsTestClient.query("big.example.", Type.A)).getSection(Section.ANSWER)).hasSize(40);
    }

    @Test
    void replyOverTheUdpReceiveSlotIsRelayedTruncatedAndTcpGetsItWhole() throws IOException {
        TestUpstream huge = upstream("10.0.0.1").mode(Mode.HUGE);
        ForwardingFixture fixture = forwarder(options(), huge);
        // The client allows 65000 bytes over UDP and the upstream sends ~4.8 kB: more than a 4097-byte slot holds.
        Message cut = new Message(fixture.client().udpRaw(DnsTestClient.queryWithEdns("huge.example.", Type.A, 65_000).toWire()));
        assertThat(cut.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(cut.getSection(Section.ANSWER)).isEmpty();
        assertThat(cut.getQuestion().getName().toString()).isEqualTo("huge.example.");
        assertThat(fixture.client().tcp(DnsTestClient.query("huge.example.", Type.A)).getSection(Section.ANSWER)).hasSize(300);

        // prefer_udp: we ask again over TCP ourselves, and the client gets the whole answer over UDP.
        ForwardingFixture preferUdp = forwarder(options().preferUdp(), huge);
        Message whole = new Message(preferUdp.client().udpRaw(DnsTestClient.queryWithEdns("huge2.example.", Type.A, 65_000).toWire()));
        assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(whole.getSection(Section.ANSWER)).hasSize(300);
    }

    private static io.kubeforward.config.UpstreamAddress address(InetSocketAddress address) {
        return new io.kubeforward.config.UpstreamAddress(io.kubeforward.config.Transport.DNS, address, "", "static");
    }
}
