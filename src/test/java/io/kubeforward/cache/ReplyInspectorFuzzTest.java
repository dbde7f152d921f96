package io.kubeforward.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.kubeforward.dns.ReplyValidator;
import io.kubeforward.testing.FuzzQueries;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Fuzzes what the cache does with an upstream's reply that passed {@link ReplyValidator}: the in-place walk of
 * {@link ReplyInspector} (names via WireNames, TTL offsets, OPT position, SOA minimum) and a hit rendered from the
 * stored bytes by {@link CachedReply}. Never throws; the inspection only points inside the message; its work is
 * bounded by the bytes received, not by the counts the header claims; and a served hit carries the same records
 * as the reply (dnsjava reads both) with the client's ID and the TTL it is served with.
 */
class ReplyInspectorFuzzTest {

    private static final UnpooledByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int SERVED_TTL = 42;
    /**
     * Types with names in their RDATA that a server must not compress (RFC 3597 section 4; SRV, SVCB, RRSIG...) but that
     * dnsjava decompresses anyway: a pointer there aimed at a TTL field could change the name a hit serves, which the
     * inspector (following only RFC 1035's compressible types) does not look for. Their RDATA is not compared.
     */
    private static final java.util.Set<Integer> NAMES_NOT_COMPRESSIBLE = java.util.Set.of(17, 18, 21, 24, 26, 30, 33, 35, 36,
            38, 39, 46, 47, 55, 58, 64, 65, 107, 249, 250);

    static {
        // Load and instrument what inspect touches before allocation is measured: the first call allocates megabytes.
        for (int i = 0; i < 4; i++) {
            FuzzQueries.Sent sent = FuzzQueries.sent(new byte[] {(byte) i});
            byte[] reply = sent.wire().clone();
            reply[2] |= (byte) 0x80;
            ReplyInspector.inspect(Unpooled.wrappedBuffer(reply), sent.parsed().questionEnd(), sent.parsed().qtype());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void inspect(byte[] input) throws IOException, MalformedMessageException {
        if (input.length == 0) {
            return;
        }
        FuzzQueries.Sent sent = FuzzQueries.sent(input);
        byte[] bytes = FuzzQueries.reply(input);
        ByteBuf reply = Unpooled.wrappedBuffer(bytes);
        DnsQuery parsed = sent.parsed();
        if (!ReplyValidator.answersQuestion(reply, sent.buffer(), parsed.questionEnd())) {
            return;
        }
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        Optional<ReplyInspector.Inspection> inspected = ReplyInspector.inspect(reply, parsed.questionEnd(), parsed.qtype());
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        // Bounded by the bytes received, not by the record counts the header claims (up to 3 x 65535).
        assertThat(allocated).as("bytes allocated to inspect a %s-byte reply", bytes.length).isLessThan(64 * 1024 + 8L * bytes.length);
        if (inspected.isEmpty()) {
            return;
        }
        ReplyInspector.Inspection inspection = inspected.get();
        checkInspection(reply, parsed, inspection);
        checkHit(bytes, sent, inspection);
    }

    private static void checkInspection(ByteBuf reply, DnsQuery parsed, ReplyInspector.Inspection inspection) {
        int rcode = DnsHeader.rcode(reply);
        assertThat(DnsHeader.isTruncated(reply)).as("a truncated reply is never cached").isFalse();
        assertThat(inspection.storedLength()).isBetween(parsed.questionEnd(), reply.readableBytes());
        assertThat(inspection.ttl()).isBetween(0L, (long) Integer.MAX_VALUE);
        for (int offset : inspection.ttlOffsets()) {
            assertThat(offset).as("TTL field offset").isBetween(parsed.questionEnd() + 1, inspection.storedLength() - 6);
        }
        switch (inspection.kind()) {
            case SERVFAIL -> assertThat(rcode).isEqualTo(2);
            case SUCCESS -> assertThat(rcode).isEqualTo(0);
            case DENIAL -> assertThat(rcode).isIn(0, 3);
        }
        if (rcode == 3) {
            assertThat(inspection.kind()).isEqualTo(ReplyKind.DENIAL);
        }
        if (inspection.hasOpt()) {
            assertThat(DnsHeader.additionalCount(reply)).isPositive();
        }
    }

    /** A hit served from the stored bytes carries the reply's records, with the client's ID and the served TTL. */
    private static void checkHit(byte[] bytes, FuzzQueries.Sent sent, ReplyInspector.Inspection inspection)
            throws IOException, MalformedMessageException {
        Message original;
        try {
            original = new Message(bytes);
        } catch (IOException | RuntimeException e) {
            return; // records dnsjava cannot read (e.g. odd RDATA): only the walk itself is checked
        }
        CachedReply entry = new CachedReply(Unpooled.wrappedBuffer(bytes), inspection, 30_000_000_000L, 0);
        byte[] client = sent.wire().clone();
        client[0] = 0x0A;
        client[1] = 0x0B;
        DnsQuery clientQuery = QueryParser.parse(Unpooled.wrappedBuffer(client));
        ByteBuf hit = entry.render(HEAP, Unpooled.wrappedBuffer(client), clientQuery, SERVED_TTL);
        byte[] served = new byte[hit.readableBytes()];
        hit.readBytes(served);
        hit.release();
        Message answer = new Message(served);
        assertThat(answer.getHeader().getID()).isEqualTo(0x0A0B);
        assertThat(answer.getQuestion().getName()).isEqualTo(sent.name());
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            List<org.xbill.DNS.Record> expected = withoutOpt(original.getSection(section));
            List<org.xbill.DNS.Record> actual = withoutOpt(answer.getSection(section));
            assertThat(actual).as("section %s", section).hasSameSizeAs(expected);
            for (int i = 0; i < actual.size(); i++) {
                org.xbill.DNS.Record fromCache = actual.get(i);
                org.xbill.DNS.Record received = expected.get(i);
                assertThat(fromCache.getName()).isEqualTo(received.getName());
                assertThat(fromCache.getType()).isEqualTo(received.getType());
                assertThat(fromCache.getDClass()).isEqualTo(received.getDClass());
                assertThat(fromCache.getTTL()).isEqualTo(SERVED_TTL);
                if (!NAMES_NOT_COMPRESSIBLE.contains(received.getType())) {
                    // Names compressed to the question take the client's letter case, as the question does: equal
                    // names, maybe another case (found-rdata-name-takes-client-case).
                    assertThat(fromCache.rdataToString().toLowerCase(java.util.Locale.ROOT))
                            .isEqualTo(received.rdataToString().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        assertThat(answer.getOPT() != null).isEqualTo(sent.parsed().hasEdns());
    }

    private static List<org.xbill.DNS.Record> withoutOpt(List<org.xbill.DNS.Record> records) {
        return records.stream().filter(r -> r.getType() != Type.OPT).toList();
    }
}
