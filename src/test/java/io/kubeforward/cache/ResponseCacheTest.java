package io.kubeforward.cache;

import static io.kubeforward.cache.Messages.a;
import static io.kubeforward.cache.Messages.add;
import static io.kubeforward.cache.Messages.cname;
import static io.kubeforward.cache.Messages.query;
import static io.kubeforward.cache.Messages.reply;
import static io.kubeforward.cache.Messages.soa;
import static io.kubeforward.cache.Messages.ttls;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.CacheOptions;
import io.kubeforward.config.CacheOptions.Tier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cache on its own: built replies in, answers out, time from a fake clock (nothing sleeps). */
class ResponseCacheTest {

    static final String SERVER = "dns://127.0.0.1:53";

    private final AtomicLong clock = new AtomicLong(Duration.ofSeconds(42).toNanos());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** An answer the cache served, read back with dnsjava (its buffer already released). */
    record Served(Message message, boolean stale, boolean refresh) {

        long ttl() {
            return message.getSection(Section.ANSWER).get(0).getTTL();
        }
    }

    ResponseCache cache(CacheOptions options) {
        return new ResponseCache(options, new CacheMetrics(registry, SERVER, "."), clock::get);
    }

    static CacheOptions options(Tier success, Tier denial) {
        CacheOptions d = CacheOptions.defaults(List.of("."));
        return new CacheOptions(success, denial, d.prefetch(), d.serveStale(), d.servfail(), d.keepTtl(), d.zones());
    }

    static Tier tier(int capacity, int maxTtl, int minTtl) {
        return new Tier(capacity, Duration.ofSeconds(maxTtl), Duration.ofSeconds(minTtl), List.of());
    }

    void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    static boolean store(ResponseCache cache, Message query, Message reply) {
        ByteBuf queryWire = Messages.wire(query);
        return cache.store(queryWire, Messages.parse(queryWire), Messages.wire(reply));
    }

    static Optional<Served> lookup(ResponseCache cache, Message query) {
        ByteBuf queryWire = Messages.wire(query);
        CacheLookup result = cache.lookup(PooledByteBufAllocator.DEFAULT, queryWire, Messages.parse(queryWire));
        return served(result);
    }

    static Optional<Served> staleAnswer(ResponseCache cache, Message query) {
        ByteBuf queryWire = Messages.wire(query);
        return served(cache.staleAnswer(PooledByteBufAllocator.DEFAULT, queryWire, Messages.parse(queryWire)));
    }

    private static Optional<Served> served(CacheLookup result) {
        return switch (result) {
            case CacheLookup.Hit hit -> Optional.of(new Served(Messages.read(hit.reply()), hit.stale(), hit.refresh()));
            case CacheLookup.Miss miss -> Optional.empty();
        };
    }

    /** {@code name} A with one address and the given TTL. */
    static Message aReply(Message query, long ttl) {
        String name = query.getQuestion().getName().toString();
        return add(reply(query, Rcode.NOERROR), Section.ANSWER, a(name, ttl, "192.0.2.1"));
    }

    double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void aHitAfterAMissCountsTheTtlDownAndCarriesTheClientsId() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("www.example.org.", Type.A, 1);
        assertThat(lookup(cache, query)).isEmpty();
        assertThat(store(cache, query, aReply(query, 300))).isTrue();

        Served first = lookup(cache, query("www.example.org.", Type.A, 4242)).orElseThrow();
        assertThat(first.message().getHeader().getID()).isEqualTo(4242);
        assertThat(first.ttl()).isEqualTo(300);
        assertThat(first.stale()).isFalse();
        assertThat(first.refresh()).isFalse();

        advance(Duration.ofMillis(10_500));
        assertThat(lookup(cache, query).orElseThrow().ttl()).isEqualTo(290);
        advance(Duration.ofMillis(289_499));
        assertThat(lookup(cache, query).orElseThrow().ttl()).isEqualTo(1);
        advance(Duration.ofMillis(1));
        assertThat(lookup(cache, query)).isEmpty();
        assertThat(counter("kubeforward.cache.hits", "type", "success")).isEqualTo(3);
        assertThat(counter("kubeforward.cache.misses")).isEqualTo(2);
    }

    @Test
    void theTtlIsCappedByTheMaxAndRaisedToTheMin() {
        ResponseCache cache = cache(options(tier(100, 60, 10), tier(100, 30, 5)));
        Message longLived = query("long.example.", Type.A, 1);
        store(cache, longLived, aReply(longLived, 86_400));
        assertThat(lookup(cache, longLived).orElseThrow().ttl()).isEqualTo(60);

        Message shortLived = query("short.example.", Type.A, 2);
        store(cache, shortLived, aReply(shortLived, 1));
        assertThat(lookup(cache, shortLived).orElseThrow().ttl()).isEqualTo(10);
        advance(Duration.ofMillis(9_999));
        assertThat(lookup(cache, shortLived)).isPresent();
        advance(Duration.ofMillis(1));
        assertThat(lookup(cache, shortLived)).isEmpty();
        assertThat(lookup(cache, longLived)).isPresent();
    }

    @Test
    void theMaxWinsOverTheMinAsInCoreDns() {
        ResponseCache cache = cache(options(tier(100, 3, 5), tier(100, 3, 5)));
        Message query = query("a.example.", Type.A, 1);
        store(cache, query, aReply(query, 300));
        assertThat(lookup(cache, query).orElseThrow().ttl()).isEqualTo(3);
    }

    @Test
    void everyRecordIsServedWithTheEntrysTtlWhichIsTheSmallestOfThem() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("www.example.org.", Type.A, 1);
        Message reply = add(reply(query, Rcode.NOERROR), Section.ANSWER,
                cname("www.example.org.", 600, "web.example.net."), a("web.example.net.", 120, "192.0.2.7"));
        add(reply, Section.AUTHORITY, new org.xbill.DNS.NSRecord(Messages.name("example.net."), 1, 900,
                Messages.name("ns1.example.net.")));
        add(reply, Section.ADDITIONAL, a("ns1.example.net.", 900, "192.0.2.53"));
        store(cache, query, reply);
        advance(Duration.ofSeconds(20));
        assertThat(ttls(lookup(cache, query).orElseThrow().message())).containsExactly(100L, 100L, 100L, 100L);
    }

    @Test
    void storingCapsTheTtlsOfTheRelayedReplyInPlace() {
        ResponseCache cache = cache(options(tier(100, 30, 5), tier(100, 5, 5)));
        Message query = query("www.example.org.", Type.A, 1);
        ByteBuf queryWire = Messages.wire(query);
        ByteBuf replyWire = Messages.wire(aReply(query, 3600));
        assertThat(cache.store(queryWire, Messages.parse(queryWire), replyWire)).isTrue();
        assertThat(Messages.read(replyWire.retain()).getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(30);
    }

    @Test
    void negativeAnswersLiveForTheSoasNegativeTtlCappedByTheDenialMax() {
        ResponseCache cache = cache(options(tier(100, 3600, 5), tier(100, 1800, 5)));
        Message minimumWins = query("nx1.example.org.", Type.A, 1);
        store(cache, minimumWins, add(reply(minimumWins, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org.", 3600, 60)));
        Message soaTtlWins = query("nx2.example.org.", Type.A, 2);
        store(cache, soaTtlWins, add(reply(soaTtlWins, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org.", 30, 600)));
        Message capped = query("nx3.example.org.", Type.A, 3);
        store(cache, capped, add(reply(capped, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org.", 86_400, 86_400)));

        Served served = lookup(cache, minimumWins).orElseThrow();
        assertThat(served.message().getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(ttls(served.message())).containsExactly(60L);
        assertThat(ttls(lookup(cache, soaTtlWins).orElseThrow().message())).containsExactly(30L);
        assertThat(ttls(lookup(cache, capped).orElseThrow().message())).containsExactly(1800L);
        assertThat(cache.denialEntries()).isEqualTo(3);
        assertThat(cache.successEntries()).isZero();
        advance(Duration.ofSeconds(60));
        assertThat(lookup(cache, minimumWins)).isEmpty();
        assertThat(counter("kubeforward.cache.hits", "type", "denial")).isEqualTo(3);
    }

    @Test
    void noDataWithAnSoaIsADenialAndWithoutOneOnlyAnEmptyAnswerIsCached() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message noData = query("www.example.org.", Type.AAAA, 1);
        assertThat(store(cache, noData, add(reply(noData, Rcode.NOERROR), Section.AUTHORITY, soa("example.org.", 300, 120)))).isTrue();
        assertThat(ttls(lookup(cache, noData).orElseThrow().message())).containsExactly(120L);
        assertThat(cache.denialEntries()).isEqualTo(1);

        Message cnameOnly = query("alias.example.org.", Type.AAAA, 2);
        Message danglingChain = add(reply(cnameOnly, Rcode.NOERROR), Section.ANSWER, cname("alias.example.org.", 300, "gone.example.net."));
        assertThat(store(cache, cnameOnly, danglingChain)).as("a non-answer without SOA (RFC 2308 section 5)").isFalse();
        Message cnameWithSoa = add(reply(cnameOnly, Rcode.NOERROR), Section.ANSWER, cname("alias.example.org.", 300, "v4only.example.net."));
        add(cnameWithSoa, Section.AUTHORITY, soa("example.net.", 60, 60));
        assertThat(store(cache, cnameOnly, cnameWithSoa)).as("NODATA at the end of a CNAME chain").isTrue();
        assertThat(cache.denialEntries()).isEqualTo(2);

        Message empty = query("empty.example.org.", Type.TXT, 3);
        assertThat(store(cache, empty, reply(empty, Rcode.NOERROR))).as("CoreDNS caches it as success for the min TTL").isTrue();
        assertThat(lookup(cache, empty).orElseThrow().message().getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(cache.successEntries()).isEqualTo(1);
        advance(Duration.ofSeconds(5));
        assertThat(lookup(cache, empty)).isEmpty();
    }

    @Test
    void nxdomainWithoutAnSoaIsNotCached() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("nx.example.org.", Type.A, 1);
        assertThat(store(cache, query, reply(query, Rcode.NXDOMAIN))).isFalse();
        assertThat(lookup(cache, query)).isEmpty();
    }

    @Test
    void servfailIsCachedForTheServfailWindowOnly() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("broken.example.org.", Type.A, 1);
        assertThat(store(cache, query, reply(query, Rcode.SERVFAIL))).isTrue();
        advance(Duration.ofMillis(4_999));
        assertThat(lookup(cache, query).orElseThrow().message().getRcode()).isEqualTo(Rcode.SERVFAIL);
        advance(Duration.ofMillis(1));
        assertThat(lookup(cache, query)).isEmpty();

        cache.close();
        CacheOptions d = CacheOptions.defaults(List.of("."));
        ResponseCache never = cache(new CacheOptions(d.success(), d.denial(), d.prefetch(), d.serveStale(),
                Duration.ZERO, false, d.zones()));
        assertThat(store(never, query, reply(query, Rcode.SERVFAIL))).isFalse();
        assertThat(lookup(never, query)).isEmpty();
    }

    @Test
    void truncatedRefusedAndNotImplementedRepliesAreNotCached() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("big.example.org.", Type.TXT, 1);
        Message truncated = aReply(query("big.example.org.", Type.TXT, 1), 300);
        truncated.getHeader().setFlag(Flags.TC);
        assertThat(store(cache, query, truncated)).isFalse();
        assertThat(store(cache, query, reply(query, Rcode.REFUSED))).isFalse();
        assertThat(store(cache, query, reply(query, Rcode.NOTIMP))).isFalse();
        assertThat(store(cache, query, reply(query, Rcode.FORMERR))).isFalse();
        assertThat(lookup(cache, query)).isEmpty();
        assertThat(cache.successEntries() + cache.denialEntries()).isZero();
    }

    @Test
    void aReplyToAnotherQuestionIsNotCached() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("www.example.org.", Type.A, 1);
        Message other = query("www.example.com.", Type.A, 1);
        assertThat(store(cache, query, aReply(other, 300))).isFalse();
        assertThat(store(cache, query, aReply(query("www.example.org.", Type.AAAA, 1), 300))).isFalse();
    }

    @Test
    void theDoAndCdBitsKeepEntriesApart() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message plain = query("www.example.org.", Type.A, 1);
        store(cache, plain, aReply(plain, 300));
        assertThat(lookup(cache, Messages.withEdns(query("www.example.org.", Type.A, 2), true))).isEmpty();
        assertThat(lookup(cache, Messages.withCheckingDisabled(query("www.example.org.", Type.A, 3)))).isEmpty();
        assertThat(lookup(cache, Messages.withEdns(query("www.example.org.", Type.A, 4), false)))
                .as("EDNS without DO is the same key").isPresent();

        Message dnssec = Messages.withEdns(query("www.example.org.", Type.A, 5), true);
        store(cache, dnssec, Messages.withEdns(aReply(dnssec, 60), true));
        assertThat(lookup(cache, dnssec).orElseThrow().ttl()).isEqualTo(60);
        assertThat(lookup(cache, plain).orElseThrow().ttl()).isEqualTo(300);
        assertThat(cache.successEntries()).isEqualTo(2);
    }

    @Test
    void keysIgnoreCaseAndTheAnswerCarriesTheClientsCase() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message stored = query("Www.Example.ORG.", Type.A, 1);
        store(cache, stored, aReply(stored, 300));

        Message asked = query("wWW.exAMPLE.org.", Type.A, 7);
        ByteBuf askedWire = Messages.wire(asked);
        CacheLookup.Hit hit = (CacheLookup.Hit) cache.lookup(PooledByteBufAllocator.DEFAULT, askedWire, Messages.parse(askedWire));
        try {
            byte[] questionName = new byte[17];
            hit.reply().getBytes(12, questionName);
            assertThat(new String(questionName, StandardCharsets.US_ASCII)).isEqualTo("\u0003wWW\u0007exAMPLE\u0003org\u0000");
        } finally {
            hit.reply().release();
        }
        assertThat(lookup(cache, query("WWW.EXAMPLE.ORG.", Type.A, 8))).isPresent();
        assertThat(cache.successEntries()).isEqualTo(1);
    }

    @Test
    void theClientsRdBitIsEchoedAndAdIsClearedUnlessAskedFor() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("www.example.org.", Type.A, 1);
        Message reply = aReply(query, 300);
        reply.getHeader().setFlag(Flags.AD);
        store(cache, query, reply);

        Message noRecursion = query("www.example.org.", Type.A, 2);
        noRecursion.getHeader().unsetFlag(Flags.RD);
        Message served = lookup(cache, noRecursion).orElseThrow().message();
        assertThat(served.getHeader().getFlag(Flags.RD)).isFalse();
        assertThat(served.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(served.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(served.getHeader().getFlag(Flags.RA)).isTrue();

        Message wantsAd = query("www.example.org.", Type.A, 3);
        wantsAd.getHeader().setFlag(Flags.AD);
        Message authenticated = lookup(cache, wantsAd).orElseThrow().message();
        assertThat(authenticated.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(authenticated.getHeader().getFlag(Flags.AD)).isTrue();
    }

    @Test
    void theUpstreamsOptIsDroppedAndEachEdnsClientGetsItsOwn() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = Messages.withEdns(query("www.example.org.", Type.A, 1), false);
        Message reply = aReply(query, 300);
        reply.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(new org.xbill.DNS.CookieOption(new byte[8], new byte[16]))),
                Section.ADDITIONAL);
        store(cache, query, reply);
        advance(Duration.ofSeconds(100));

        Message edns = lookup(cache, Messages.withEdns(query("www.example.org.", Type.A, 2), false)).orElseThrow().message();
        OPTRecord opt = edns.getOPT();
        assertThat(opt).isNotNull();
        assertThat(opt.getPayloadSize()).isEqualTo(CachedReply.ADVERTISED_UDP_PAYLOAD);
        assertThat(opt.getOptions()).as("no client's cookie is handed to another").isEmpty();
        assertThat(opt.getTTL()).as("the OPT's TTL field holds flags, never a TTL").isZero();
        assertThat(edns.getSection(Section.ADDITIONAL)).hasSize(1);
        assertThat(ttls(edns)).containsExactly(200L);

        Message plain = lookup(cache, query("www.example.org.", Type.A, 3)).orElseThrow().message();
        assertThat(plain.getOPT()).as("no OPT for a client without EDNS (RFC 6891)").isNull();
        assertThat(plain.getSection(Section.ADDITIONAL)).isEmpty();
    }

    @Test
    void aDnssecOkClientGetsTheDoBitBack() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = Messages.withEdns(query("www.example.org.", Type.A, 1), true);
        store(cache, query, Messages.withEdns(aReply(query, 300), true));
        Message served = lookup(cache, query).orElseThrow().message();
        assertThat(served.getOPT().getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    }

    @Test
    void keepttlServesTheStoredTtl() {
        CacheOptions d = CacheOptions.defaults(List.of("."));
        ResponseCache cache = cache(new CacheOptions(d.success(), d.denial(), d.prefetch(), d.serveStale(), d.servfail(),
                true, d.zones()));
        Message query = query("www.example.org.", Type.A, 1);
        store(cache, query, aReply(query, 300));
        advance(Duration.ofSeconds(299));
        assertThat(lookup(cache, query).orElseThrow().ttl()).isEqualTo(300);
        advance(Duration.ofSeconds(1));
        assertThat(lookup(cache, query)).isEmpty();
    }

    @Test
    void theSuccessAndDenialCachesAreBoundedApart() {
        ResponseCache cache = cache(options(tier(50, 3600, 5), tier(20, 1800, 5)));
        for (int i = 0; i < 500; i++) {
            Message positive = query("host" + i + ".example.org.", Type.A, i);
            store(cache, positive, aReply(positive, 300));
            Message negative = query("nx" + i + ".example.org.", Type.A, i);
            store(cache, negative, add(reply(negative, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org.", 300, 300)));
        }
        assertThat(cache.successEntries()).isBetween(1L, 50L);
        assertThat(cache.denialEntries()).isBetween(1L, 20L);
        assertThat(counter("kubeforward.cache.evictions", "type", "success")).isGreaterThanOrEqualTo(450);
        assertThat(counter("kubeforward.cache.evictions", "type", "denial")).isGreaterThanOrEqualTo(480);
        assertThat(registry.get("kubeforward.cache.entries").tags("type", "success").gauge().value())
                .isEqualTo(cache.successEntries());
        assertThat(registry.get("kubeforward.cache.entries").tags("type", "denial").gauge().value())
                .isEqualTo(cache.denialEntries());
    }

    @Test
    void aNewerAnswerReplacesTheOtherKindForTheSameKey() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("flappy.example.org.", Type.A, 1);
        store(cache, query, aReply(query, 300));
        store(cache, query, add(reply(query, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org.", 60, 60)));
        assertThat(lookup(cache, query).orElseThrow().message().getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(cache.successEntries()).isZero();
        store(cache, query, aReply(query, 300));
        assertThat(lookup(cache, query).orElseThrow().message().getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(cache.denialEntries()).isZero();
    }

    @Test
    void onlyTheCachesZonesAreCachedAndDisabledZonesAreSkipped() {
        CacheOptions d = CacheOptions.defaults(List.of("example.org."));
        Tier successOffInternal = new Tier(100, Duration.ofHours(1), Duration.ofSeconds(5), List.of("internal.example.org."));
        ResponseCache cache = cache(new CacheOptions(successOffInternal, d.denial(), d.prefetch(), d.serveStale(),
                d.servfail(), false, d.zones()));
        Message outside = query("www.example.com.", Type.A, 1);
        assertThat(store(cache, outside, aReply(outside, 300))).isFalse();
        assertThat(lookup(cache, outside)).isEmpty();
        assertThat(counter("kubeforward.cache.misses")).as("names outside the zones are not counted").isZero();

        Message internal = query("db.internal.example.org.", Type.A, 2);
        assertThat(store(cache, internal, aReply(internal, 300))).isFalse();
        Message internalNx = query("nx.internal.example.org.", Type.A, 3);
        assertThat(store(cache, internalNx, add(reply(internalNx, Rcode.NXDOMAIN), Section.AUTHORITY,
                soa("example.org.", 60, 60)))).isTrue();
        Message inside = query("www.example.org.", Type.A, 4);
        assertThat(store(cache, inside, aReply(inside, 300))).isTrue();
    }

    @Test
    void aMalformedReplyIsNotCached() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        Message query = query("www.example.org.", Type.A, 1);
        byte[] bytes = aReply(query, 300).toWire();
        ByteBuf queryWire = Messages.wire(query);
        ByteBuf cut = io.netty.buffer.Unpooled.wrappedBuffer(bytes, 0, bytes.length - 2);
        assertThat(cache.store(queryWire, Messages.parse(queryWire), cut)).isFalse();
        byte[] moreRecords = bytes.clone();
        moreRecords[7] = 2; // ANCOUNT 2, one record present
        assertThat(cache.store(queryWire, Messages.parse(queryWire), io.netty.buffer.Unpooled.wrappedBuffer(moreRecords))).isFalse();
        assertThat(lookup(cache, query)).isEmpty();
    }

    @Test
    void everyCacheMetricIsDocumentedUnderItsPrometheusName() throws java.io.IOException {
        var prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        new ResponseCache(CacheOptions.defaults(List.of(".")), new CacheMetrics(prometheus, SERVER, "."), clock::get);
        String docs = java.nio.file.Files.readString(java.nio.file.Path.of("docs/metrics.md"));
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : prometheus.scrape().split("\n")) {
            if (line.startsWith("kubeforward_")) {
                names.add(line.replaceAll("[{ ].*", ""));
            }
        }
        assertThat(names).hasSize(6);
        for (String name : names) {
            assertThat(docs).as("docs/metrics.md lists " + name).contains("`" + name + "`");
        }
    }

    @Test
    void closingRemovesTheMetrics() {
        ResponseCache cache = cache(CacheOptions.defaults(List.of(".")));
        assertThat(registry.find("kubeforward.cache.entries").gauges()).hasSize(2);
        cache.close();
        assertThat(registry.getMeters()).isEmpty();
    }
}
