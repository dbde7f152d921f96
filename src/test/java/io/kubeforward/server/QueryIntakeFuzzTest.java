package io.kubeforward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.dns.ZoneTable;
import io.kubeforward.forward.QueryRouter;
import io.kubeforward.forward.ReplyChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes what the listeners do with raw client bytes: one UDP datagram through {@link QueryIntake}, and a TCP byte
 * stream through the real connection pipeline ({@link DnsServer#tcpPipeline}) on an {@link EmbeddedChannel}. The
 * router has zones but no forwarder, so every well-formed query is answered at once (REFUSED outside the zones,
 * SERVFAIL inside) and the whole outcome is checkable: one answer or a counted drop, never an exception, never an
 * answer longer than the query, every buffer released.
 */
class QueryIntakeFuzzTest {

    private static final List<String> ZONES = List.of("cluster.local.", "example.");
    private static final ZoneTable ZONE_TABLE = new ZoneTable(ZONES);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ListenerMetrics metrics = new ListenerMetrics(registry, "dns://fuzz");
    private final QueryIntake intake = new QueryIntake(new QueryRouter(ZONES.stream()
            .map(zone -> new QueryRouter.Route(zone, Optional.empty(), ".", List.of())).toList()), metrics);

    @FuzzTest(maxDuration = "30s")
    void udpDatagram(byte[] data) {
        double malformedBefore = malformed();
        Recorder client = new Recorder();
        ByteBuf query = Unpooled.buffer(data.length).writeBytes(data); // never the shared empty buffer: refCnt counts
        intake.accept(query, client);
        assertThat(query.refCnt()).as("the intake releases the query").isZero();
        Expected expected = expect(data);
        assertThat(malformed() - malformedBefore).isEqualTo(expected.malformed() ? 1 : 0);
        if (expected.rcode() == MalformedMessageException.DROP) {
            assertThat(client.replies).isEmpty();
        } else {
            assertThat(client.replies).hasSize(1);
            checkAnswer(data, client.replies.get(0), expected.rcode());
        }
    }

    /**
     * A TCP connection receiving {@code data} (the first byte picks the size of the reads it arrives in): each
     * complete length-prefixed message gets its answer, in order, or is a counted drop; nothing else comes back.
     */
    @FuzzTest(maxDuration = "30s")
    void tcpStream(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int chunk = 1 + (data[0] & 0x3F);
        EmbeddedChannel channel = new EmbeddedChannel();
        DnsServer.tcpPipeline(channel.pipeline(), ListenerSettings.defaults(), metrics, intake);
        for (int at = 1; at < data.length && channel.isActive(); at += chunk) {
            channel.writeInbound(Unpooled.copiedBuffer(data, at, Math.min(chunk, data.length - at)));
        }
        List<byte[]> answers = frames(drain(channel), Integer.MAX_VALUE);
        List<byte[]> queries = frames(java.util.Arrays.copyOfRange(data, 1, data.length), Integer.MAX_VALUE);
        List<byte[]> answered = new ArrayList<>();
        List<Integer> rcodes = new ArrayList<>();
        for (byte[] query : queries) {
            Expected expected = expect(query);
            if (expected.rcode() != MalformedMessageException.DROP) {
                answered.add(query);
                rcodes.add(expected.rcode());
            }
        }
        assertThat(answers).as("answers to %s complete messages", queries.size()).hasSize(answered.size());
        for (int i = 0; i < answers.size(); i++) {
            checkAnswer(answered.get(i), answers.get(i), rcodes.get(i));
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private record Expected(int rcode, boolean malformed) {
    }

    /** What the intake must do with {@code data}, by the (separately fuzzed) parser and the zone table. */
    private static Expected expect(byte[] data) {
        ByteBuf msg = Unpooled.wrappedBuffer(data);
        try {
            DnsQuery query = QueryParser.parse(msg);
            return new Expected(ZONE_TABLE.longestMatch(msg, query.nameEnd()) < 0 ? Rcodes.REFUSED : Rcodes.SERVFAIL, false);
        } catch (MalformedMessageException e) {
            return new Expected(e.rcode(), true);
        }
    }

    private static void checkAnswer(byte[] query, byte[] answer, int rcode) {
        ByteBuf reply = Unpooled.wrappedBuffer(answer);
        assertThat(answer.length).as("answer length").isBetween(DnsHeader.LENGTH, query.length);
        assertThat(DnsHeader.id(reply)).isEqualTo(DnsHeader.id(Unpooled.wrappedBuffer(query)));
        assertThat(DnsHeader.isResponse(reply)).isTrue();
        assertThat(DnsHeader.rcode(reply)).isEqualTo(rcode);
        assertThat(DnsHeader.answerCount(reply) + DnsHeader.authorityCount(reply) + DnsHeader.additionalCount(reply)).isZero();
    }

    private double malformed() {
        return registry.get("kubeforward.dns.malformed").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** The complete length-prefixed messages of a stream, in order; a trailing partial one is ignored. */
    private static List<byte[]> frames(byte[] stream, int max) {
        List<byte[]> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(stream);
        while (in.remaining() >= 2 && frames.size() < max) {
            int length = Short.toUnsignedInt(in.getShort());
            if (in.remaining() < length) {
                break;
            }
            byte[] frame = new byte[length];
            in.get(frame);
            frames.add(frame);
        }
        return frames;
    }

    /** A client that keeps what it is sent. */
    private static final class Recorder implements ReplyChannel {
        final List<byte[]> replies = new ArrayList<>();

        @Override
        public void reply(ByteBuf reply) {
            byte[] bytes = new byte[reply.readableBytes()];
            reply.readBytes(bytes);
            reply.release();
            replies.add(bytes);
        }

        @Override
        public boolean isTcp() {
            return false;
        }

        @Override
        public SocketAddress remote() {
            return new InetSocketAddress("127.0.0.1", 53000);
        }

        @Override
        public EventLoop loop() {
            throw new UnsupportedOperationException("nothing is forwarded");
        }
    }
}
