package io.kubeforward.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.config.EphemeralCorefiles;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.testing.TestUpstream.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cache in the query path, over real sockets with a real upstream: what clients see. */
class CachingForwarderTest {

    private static ForwardingFixture start(TestUpstream upstream, String cacheBlock) {
        return ForwardingFixture.start(EphemeralCorefiles.parse("""
                .:53 {
                    bind 127.0.0.1
                    %s
                    forward . 127.0.0.1:%d {
                        max_fails 0
                        read_timeout 300ms
                    }
                }
                """.formatted(cacheBlock, upstream.port())));
    }

    private static long ttl(Message reply) {
        return reply.getSection(Section.ANSWER).get(0).getTTL();
    }

    @Test
    void aHitAfterAMissIsServedWithoutTheUpstreamWithTheClientsIdCaseAndADecrementedTtl() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1"); ForwardingFixture fixture = start(upstream, "cache 30")) {
            DnsTestClient client = fixture.client();
            Message first = client.udp("www.example.org.");
            assertThat(ttl(first)).isEqualTo(30); // capped to the cache's 30 s (the upstream said 60)
            Thread.sleep(1100);
            Message query = DnsTestClient.query("WWW.Example.ORG.", Type.A);
            Message second = client.udp(query);
            assertThat(upstream.queries()).as("served from the cache").isEqualTo(1);
            assertThat(second.getHeader().getID()).isEqualTo(query.getHeader().getID());
            assertThat(second.getQuestion().getName().toString()).isEqualTo("WWW.Example.ORG.");
            assertThat(ttl(second)).isBetween(27L, 29L);
            assertThat(((ARecord) second.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress()).isEqualTo("10.0.0.1");
            assertThat(client.tcp(DnsTestClient.query("www.example.org.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(upstream.queries()).isEqualTo(1);
            assertThat(fixture.registry().find("kubeforward.cache.hits").counters().stream().mapToDouble(c -> c.count()).sum())
                    .isEqualTo(2);
        }
    }

    @Test
    void spoofedRepliesAreNeverCached() throws Exception {
        // The upstream sends only forgeries: the answer with a wrong ID, and one for another question (spoofed.example.).
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1").mode(Mode.SPOOF_ONLY);
                ForwardingFixture fixture = start(upstream, "cache 30")) {
            DnsTestClient client = fixture.client();
            assertThat(client.udp("www.example.org.").getRcode()).isEqualTo(Rcode.SERVFAIL);
            upstream.mode(Mode.NXDOMAIN);
            int before = upstream.queries();
            // Neither forgery was stored: both names go to the upstream, which now says NXDOMAIN.
            assertThat(client.udp("www.example.org.").getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(client.udp("spoofed.example.").getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(upstream.queries()).isEqualTo(before + 2);
            assertThat(fixture.registry().find("kubeforward.proxy.rejected.replies").counters().stream()
                    .mapToDouble(c -> c.count()).sum()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void nxdomainIsCachedForTheSoaNegativeTtlCappedByTheDenialCache() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1").mode(Mode.NXDOMAIN);
                ForwardingFixture fixture = start(upstream, "cache {\n denial 100 30\n }")) {
            DnsTestClient client = fixture.client();
            Message first = client.udp("nope.example.org.");
            assertThat(first.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            // RFC 2308: min(SOA TTL 300, SOA MINIMUM 60) = 60, capped by denial's 30 s.
            assertThat(first.getSection(Section.AUTHORITY).get(0).getTTL()).isEqualTo(30);
            Message second = client.udp("nope.example.org.");
            assertThat(second.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(upstream.queries()).isEqualTo(1);
        }
    }

    @Test
    void theSuccessCacheHoldsNoMoreThanItsCapacity() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1"); ForwardingFixture fixture = start(upstream, "cache {\n success 2\n }")) {
            DnsTestClient client = fixture.client();
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 4; i++) {
                    client.udp("n" + i + ".example.org.");
                }
            }
            // Eight queries for four names with room for two: at least two of the second round went upstream again.
            assertThat(upstream.queries()).isGreaterThanOrEqualTo(6);
        }
    }

    @Test
    void doAndCdBitsKeepEntriesApart() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1"); ForwardingFixture fixture = start(upstream, "cache 30")) {
            DnsTestClient client = fixture.client();
            client.udp(DnsTestClient.query("bits.example.org.", Type.A));
            Message withDo = DnsTestClient.query("bits.example.org.", Type.A);
            withDo.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO), Section.ADDITIONAL);
            client.udp(withDo);
            Message withCd = DnsTestClient.query("bits.example.org.", Type.A);
            withCd.getHeader().setFlag(org.xbill.DNS.Flags.CD);
            client.udp(withCd);
            assertThat(upstream.queries()).isEqualTo(3);
            client.udp(withCd);
            assertThat(upstream.queries()).isEqualTo(3);
        }
    }

    @Test
    void servfailIsCachedOnlyForItsWindow() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1").mode(Mode.SERVFAIL);
                ForwardingFixture fixture = start(upstream, "cache 30 {\n servfail 1s\n }")) {
            DnsTestClient client = fixture.client();
            assertThat(client.udp("sf.example.org.").getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(client.udp("sf.example.org.").getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(upstream.queries()).isEqualTo(1);
            upstream.mode(Mode.ANSWER);
            Thread.sleep(1200);
            assertThat(client.udp("sf.example.org.").getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(upstream.queries()).isEqualTo(2);
        }
    }

    @Test
    void withEveryUpstreamDownExpiredAnswersAreServedStaleButNotBefore() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = start(upstream, "cache {\n success 100 1 1\n serve_stale 1h verify\n }")) {
            DnsTestClient client = fixture.client();
            assertThat(client.udp("stale.example.org.").getRcode()).isEqualTo(Rcode.NOERROR);
            Thread.sleep(1200); // the entry (TTL 1 s) has expired
            assertThat(client.udp("stale.example.org.").getRcode()).as("upstream up: a fresh answer, not stale").isEqualTo(Rcode.NOERROR);
            assertThat(upstream.queries()).isEqualTo(2);
            Thread.sleep(1200);
            upstream.mode(Mode.SILENT);
            Message stale = client.udp("stale.example.org.");
            assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(ttl(stale)).isEqualTo(30);
            assertThat(client.udp("never-seen.example.org.").getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void immediateServesStaleAtOnceAndRefreshesInTheBackground() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = start(upstream, "cache {\n success 100 1 1\n serve_stale 1h immediate\n }")) {
            DnsTestClient client = fixture.client();
            client.udp("imm.example.org.");
            Thread.sleep(1200);
            Message stale = client.udp("imm.example.org.");
            assertThat(ttl(stale)).isEqualTo(30);
            await().atMost(Duration.ofSeconds(2)).until(() -> upstream.queries() == 2); // the background refresh
            assertThat(ttl(client.udp("imm.example.org."))).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void prefetchRefreshesAHotNameBeforeItExpires() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = start(upstream, "cache {\n success 100 3 3\n prefetch 2 1m 50%\n }")) {
            DnsTestClient client = fixture.client();
            client.udp("hot.example.org.");
            client.udp("hot.example.org.");
            client.udp("hot.example.org.");
            assertThat(upstream.queries()).isEqualTo(1);
            Thread.sleep(2100); // under 50 % of the 3 s TTL left
            Message hit = client.udp("hot.example.org.");
            assertThat(hit.getRcode()).isEqualTo(Rcode.NOERROR);

            await().atMost(Duration.ofSeconds(2)).until(() -> upstream.queries() == 2);
            Thread.sleep(1000); // past the first entry's expiry (3 s after it was stored): the prefetched one answers
            Message after = client.udp("hot.example.org.");
            assertThat(after.getRcode()).isEqualTo(Rcode.NOERROR);
            // From the cache, counted down: a forwarded answer would carry the full 3 s.
            assertThat(ttl(after)).isBetween(1L, 2L);
        }
    }
}
