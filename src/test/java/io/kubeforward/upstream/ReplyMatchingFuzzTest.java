package io.kubeforward.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubeforward.dns.DnsHeader;
import io.kubeforward.testing.FuzzQueries;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fuzzes the check every upstream reply must pass before it is relayed or cached ({@link PendingExchange#isAnsweredBy}):
 * arbitrary bytes (at least a header, as the sockets ensure) as the reply to a known query. It never throws; what it accepts carries our ID, is a response
 * with one question, and that question (read by dnsjava, following compression) is ours; and a reply that echoes
 * our question byte for byte (any letter case) with our ID is never refused.
 */
class ReplyMatchingFuzzTest {

    private static final ExchangeListener IGNORED = new ExchangeListener() {
        @Override
        public void onReply(ByteBuf reply) {
            reply.release();
        }

        @Override
        public void onFailure(ExchangeFailure failure) {
        }
    };

    @FuzzTest(maxDuration = "30s")
    void reply(byte[] input) {
        if (input.length == 0) {
            return;
        }
        FuzzQueries.Sent sent = FuzzQueries.sent(input);
        byte[] reply = FuzzQueries.reply(input);
        if (reply.length < DnsHeader.LENGTH) {
            return; // dropped by the sockets before any exchange sees it (UdpUpstreamSocket, TcpConnection)
        }
        PendingExchange exchange = new PendingExchange(FuzzQueries.UPSTREAM_ID, sent.buffer(), sent.parsed().questionEnd(),
                IGNORED, 0);
        ByteBuf replyBuf = Unpooled.wrappedBuffer(reply);
        boolean accepted = exchange.isAnsweredBy(replyBuf);
        assertThat(replyBuf.readerIndex()).isZero();
        if (accepted) {
            assertThat(DnsHeader.id(replyBuf)).isEqualTo(FuzzQueries.UPSTREAM_ID);
            assertThat(DnsHeader.isResponse(replyBuf)).isTrue();
            assertThat(DnsHeader.questionCount(replyBuf)).isEqualTo(1);
            org.xbill.DNS.Record question = FuzzQueries.question(reply);
            assertThat(question).as("dnsjava reads the accepted reply's question").isNotNull();
            assertThat(question.getName()).isEqualTo(sent.name());
            assertThat(question.getType()).isEqualTo(sent.parsed().qtype());
            assertThat(question.getDClass()).isEqualTo(sent.parsed().qclass());
        } else {
            assertThat(echoesQuestion(reply, sent.wire(), sent.parsed().questionEnd())).as("a matching reply was refused").isFalse();
        }
    }

    /** Our ID, a response, one question, and our question's bytes (ASCII letters in any case). */
    private static boolean echoesQuestion(byte[] reply, byte[] query, int questionEnd) {
        if (reply.length < questionEnd || ((reply[0] & 0xFF) << 8 | (reply[1] & 0xFF)) != FuzzQueries.UPSTREAM_ID
                || (reply[2] & 0x80) == 0 || reply[4] != 0 || reply[5] != 1) {
            return false;
        }
        for (int i = 12; i < questionEnd - 4; i++) {
            if (asciiLower(reply[i]) != asciiLower(query[i])) {
                return false;
            }
        }
        for (int i = questionEnd - 4; i < questionEnd; i++) {
            if (reply[i] != query[i]) {
                return false;
            }
        }
        return true;
    }

    private static int asciiLower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }
}
