package io.kubeforward.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.util.List;
import org.xbill.DNS.DNSInput;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Fuzzes the first thing every client byte meets: {@link QueryParser}, then what the server does with the
 * result (zone routing with {@link ZoneTable}, the error answer of {@link DnsMessages}). Regression mode runs the
 * seeds in src/test/resources/io/kubeforward/dns/QueryParserFuzzTestInputs; see docs/testing.md for fuzzing.
 */
class QueryParserFuzzTest {

    private static final List<String> ZONES = List.of(".", "cluster.local.", "svc.cluster.local.", "example.");
    private static final ZoneTable ZONE_TABLE = new ZoneTable(ZONES);
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    /**
     * Any bytes: the parser agrees with {@link ReferenceQueryReader} on the verdict and every field, leaves the
     * buffer's indexes alone, and what it accepts routes like dnsjava's name logic and gets a well-formed answer.
     */
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] data) throws IOException {
        ReferenceQueryReader.Verdict expected = ReferenceQueryReader.read(data);
        ByteBuf msg = Unpooled.wrappedBuffer(data);
        DnsQuery query;
        try {
            query = QueryParser.parse(msg);
        } catch (MalformedMessageException e) {
            assertThat(e.rcode()).as("rcode of a rejected query (%s)", e.getMessage()).isEqualTo(expected.rcode());
            assertThat(msg.readerIndex()).isZero();
            if (e.rcode() != MalformedMessageException.DROP) {
                checkHeaderOnlyReply(msg, e.rcode());
            }
            return;
        }
        assertThat(expected.accepted()).as("the reference rejects it with rcode %s", expected.rcode()).isTrue();
        assertThat(msg.readerIndex()).isZero();
        assertThat(msg.writerIndex()).isEqualTo(data.length);
        assertThat(query.id()).isEqualTo(((data[0] & 0xFF) << 8) | (data[1] & 0xFF));
        assertThat(query.nameEnd()).isEqualTo(expected.nameEnd());
        assertThat(query.nameEnd() - DnsQuery.NAME_START).as("question name octets").isBetween(1, 255);
        assertThat(query.questionEnd()).isEqualTo(query.nameEnd() + 4).isLessThanOrEqualTo(data.length);
        assertThat(query.qtype()).isEqualTo(expected.qtype());
        assertThat(query.qclass()).isEqualTo(expected.qclass());
        assertThat(query.udpPayloadSize()).isEqualTo(expected.udpSize()).isBetween(512, 65535);
        assertThat(query.hasEdns()).isEqualTo(expected.edns());
        assertThat(query.dnssecOk()).isEqualTo(expected.dnssecOk());

        Name name = new Name(new DNSInput(java.util.Arrays.copyOfRange(data, DnsQuery.NAME_START, query.nameEnd())));
        assertThat(ZONE_TABLE.longestMatch(msg, query.nameEnd())).as("zone of %s", name).isEqualTo(longestZone(name));
        checkErrorReply(msg, query, name);
    }

    /** The index in {@link #ZONES} of the longest zone containing {@code name}, by dnsjava. */
    private static int longestZone(Name name) throws IOException {
        int best = -1;
        for (int i = 0; i < ZONES.size(); i++) {
            Name zone = Name.fromString(ZONES.get(i));
            if (name.subdomain(zone) && (best < 0 || zone.labels() > Name.fromString(ZONES.get(best)).labels())) {
                best = i;
            }
        }
        return best;
    }

    /** An answer to an accepted query echoes its ID and question, sets QR, and is never longer than the query. */
    private static void checkErrorReply(ByteBuf msg, DnsQuery query, Name name) throws IOException {
        ByteBuf reply = DnsMessages.errorReply(HEAP, msg, query, Rcodes.SERVFAIL);
        try {
            byte[] bytes = new byte[reply.readableBytes()];
            reply.getBytes(reply.readerIndex(), bytes);
            assertThat(bytes.length).isLessThanOrEqualTo(msg.readableBytes());
            Message parsed = new Message(bytes);
            assertThat(parsed.getHeader().getID()).isEqualTo(query.id());
            assertThat(parsed.getRcode()).isEqualTo(Rcodes.SERVFAIL);
            assertThat(parsed.getHeader().getFlag(org.xbill.DNS.Flags.QR)).isTrue();
            Record question = parsed.getQuestion();
            assertThat(question.getName()).isEqualTo(name);
            assertThat(question.getType()).isEqualTo(query.qtype());
            assertThat(question.getDClass()).isEqualTo(query.qclass());
            assertThat(parsed.getSection(Section.ANSWER)).isEmpty();
        } finally {
            reply.release();
        }
    }

    private static void checkHeaderOnlyReply(ByteBuf msg, int rcode) {
        ByteBuf reply = DnsMessages.headerOnlyReply(HEAP, msg, rcode);
        try {
            assertThat(reply.readableBytes()).isEqualTo(DnsHeader.LENGTH);
            assertThat(DnsHeader.id(reply)).isEqualTo(DnsHeader.id(msg));
            assertThat(DnsHeader.isResponse(reply)).isTrue();
            assertThat(DnsHeader.rcode(reply)).isEqualTo(rcode);
            assertThat(DnsHeader.questionCount(reply)).isZero();
        } finally {
            reply.release();
        }
    }
}
