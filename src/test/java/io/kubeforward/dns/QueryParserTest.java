package io.kubeforward.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.testing.DnsTestClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class QueryParserTest {

    private static ByteBuf wire(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    @Test
    void readsQuestionAndEdns() throws Exception {
        byte[] bytes = DnsTestClient.queryWithEdns("Www.Example.ORG.", Type.AAAA, 1232).toWire();
        ByteBuf msg = wire(bytes);
        DnsQuery query = QueryParser.parse(msg);
        assertThat(query.qtype()).isEqualTo(Type.AAAA);
        assertThat(query.qclass()).isEqualTo(1);
        assertThat(query.nameEnd()).isEqualTo(12 + 17);
        assertThat(query.questionEnd()).isEqualTo(12 + 17 + 4);
        assertThat(query.hasEdns()).isTrue();
        assertThat(query.udpPayloadSize()).isEqualTo(1232);
        assertThat(query.recursionDesired()).isTrue();
        msg.release();
    }

    @Test
    void withoutEdnsTheUdpLimitIs512() throws Exception {
        DnsQuery query = QueryParser.parse(wire(DnsTestClient.query("a.", Type.A).toWire()));
        assertThat(query.hasEdns()).isFalse();
        assertThat(query.udpPayloadSize()).isEqualTo(512);
    }

    @Test
    void smallEdnsSizesCountAs512() throws Exception {
        DnsQuery query = QueryParser.parse(wire(DnsTestClient.queryWithEdns("a.", Type.A, 100).toWire()));
        assertThat(query.udpPayloadSize()).isEqualTo(512);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            too short for a header                | 0001000000010000000000           | -1
            a response, not a query               | 000180000001000000000000016100000100 01 | -1
            opcode NOTIFY                         | 000120000001000000000000016100000100 01 | 4
            no question                           | 000100000000000000000000                | 1
            two questions                         | 00010000000200000000000001610000010001016200000100 01 | 1
            compression pointer in the question   | 000100000001000000000000c00c00010001    | 1
            label runs past the end               | 00010000000100000000000005616200       | 1
            question without type and class       | 0001000000010000000000000161 00         | 1
            answer record runs past the end       | 000100000001000100000000016100000100 01 01610000010001000000 3c00 ff 0a | 1
            two OPT records                       | 000100000001000000000002016100000100 01 0000291000000000000000 0000291000000000000000 | 1
            OPT owned by a name, not the root     | 000100000001000000000001016100000100 01 01620000291000000000000000 | 1
            """)
    void rejects(String what, String hex, int rcode) {
        ByteBuf msg = wire(HexFormat.of().parseHex(hex.replace(" ", "")));
        assertThatThrownBy(() -> QueryParser.parse(msg)).as(what).isInstanceOfSatisfying(MalformedMessageException.class,
                e -> assertThat(e.rcode()).isEqualTo(rcode));
    }

    @Test
    void rejectsNamesLongerThan255Bytes() {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            name.append("a".repeat(60)).append('.');
        }
        byte[] header = HexFormat.of().parseHex("000100000001000000000000");
        ByteBuf msg = Unpooled.buffer().writeBytes(header);
        for (String label : name.toString().split("\\.")) {
            msg.writeByte(label.length()).writeBytes(label.getBytes());
        }
        msg.writeByte(0).writeShort(1).writeShort(1);
        assertThatThrownBy(() -> QueryParser.parse(msg)).isInstanceOfSatisfying(MalformedMessageException.class,
                e -> assertThat(e.rcode()).isEqualTo(Rcodes.FORMERR));
    }

    /**
     * Found by QueryParserFuzzTest (seed found-additional-name-256-octets): a record name of 255 label octets plus
     * its terminating zero, 256 in all, was accepted outside the question because the walk counted only the labels.
     */
    @Test
    void rejectsA256OctetNameInAnAdditionalRecord() {
        ByteBuf msg = Unpooled.buffer().writeBytes(HexFormat.of().parseHex("000100000001000000000001016100000100 01".replace(" ", "")));
        for (int i = 0; i < 5; i++) {
            msg.writeByte(50).writeBytes("b".repeat(50).getBytes()); // 5 x 51 = 255 octets of labels
        }
        msg.writeByte(0).writeShort(1).writeShort(1).writeInt(0).writeShort(0);
        assertThatThrownBy(() -> QueryParser.parse(msg)).isInstanceOfSatisfying(MalformedMessageException.class,
                e -> assertThat(e.rcode()).isEqualTo(Rcodes.FORMERR));
    }
}
