package io.kubeforward.server;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Malformed client input over real sockets: an error code or silence, always counted, and the server keeps
 * answering. The datagrams are the seed corpus of QueryParserFuzzTest (.ci/fuzz-seeds), so the fuzzer and this
 * test start from the same hostile shapes.
 */
class MalformedInputTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    private static final ListenerSettings TIGHT = new ListenerSettings(0, Duration.ofSeconds(2), READ_TIMEOUT, 4, 64);

    private static byte[] seed(String name) throws IOException {
        try (InputStream in = MalformedInputTest.class.getResourceAsStream(
                "/io/kubeforward/dns/QueryParserFuzzTestInputs/parse/" + name)) {
            return Objects.requireNonNull(in, name).readAllBytes();
        }
    }

    private static double count(ForwardingFixture fixture, String meter) {
        return fixture.registry().get(meter).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Each datagram of the corpus: the rcode it gets (-1: dropped), and the malformed counter moves by one. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "empty, -1", "truncated-header, -1", "header-only, 1", "response-bit, -1", "opcode-status, 4", "opcode-update, 4",
        "qdcount-0, 1", "qdcount-2, 1", "qdcount-65535, 1", "question-truncated, 1", "compressed-question, 1",
        "pointer-loop-additional, 1", "extended-label-type, 1", "label-64, 1", "name-256-octets, 1",
        "found-additional-name-256-octets, 1", "two-opt, 1", "opt-wrong-owner, 1", "opt-rdlength-past-end, 1",
        "arcount-65535-no-data, 1"})
    void malformedDatagramIsAnsweredOrDroppedCountedAndServingContinues(String name, int rcode) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            byte[] datagram = seed(name);
            DnsTestClient client = fixture.client(Duration.ofMillis(rcode < 0 ? 300 : 3000));
            if (rcode < 0) {
                assertThat(client.udpAnswers(datagram)).as("dropped").isFalse();
            } else {
                byte[] answer = client.udpRaw(datagram);
                assertThat(answer.length).isBetween(12, datagram.length);
                assertThat(answer[3] & 0xF).as("rcode").isEqualTo(rcode);
                assertThat(answer[0] == datagram[0] && answer[1] == datagram[1]).as("same ID").isTrue();
            }
            assertThat(count(fixture, "kubeforward.dns.malformed")).isEqualTo(1);
            assertThat(fixture.client().udp("still.example.").getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(upstream.queries()).as("nothing malformed is forwarded").isEqualTo(1);
        }
    }

    /** The well-formed shapes of the corpus (EDNS, DO, 255-octet names, a cookie, trailing bytes) are forwarded. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"a-www-example-com", "aaaa-edns-1232", "a-edns-dnssec-ok", "mixed-case", "name-255-octets",
        "opt-with-cookie", "opt-size-100", "trailing-garbage", "answer-in-query"})
    void wellFormedDatagramIsForwarded(String name) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            byte[] answer = fixture.client().udpRaw(seed(name));
            assertThat(answer[3] & 0xF).isNotEqualTo(Rcode.FORMERR);
            assertThat(upstream.queries()).isEqualTo(1);
            assertThat(count(fixture, "kubeforward.dns.malformed")).isZero();
        }
    }

    @Test
    void malformedUdpQueriesGetFormerrOrAreDroppedAndServingContinues() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            DnsTestClient client = fixture.client(Duration.ofMillis(500));
            assertThat(client.udpAnswers(HexFormat.of().parseHex("0001"))).as("2 bytes: dropped").isFalse();
            Message formerr = new Message(client.udpRaw(HexFormat.of().parseHex("abcd01000002000000000000016100000100010162000001000100")));
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(formerr.getHeader().getID()).isEqualTo(0xabcd);
            Message notimp = new Message(client.udpRaw(HexFormat.of().parseHex("abce2800000100000000000001610000060001")));
            assertThat(notimp.getRcode()).isEqualTo(Rcode.NOTIMP);
            assertThat(fixture.client().udp("still.example.").getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(fixture.registry().get("kubeforward.dns.malformed").tag("proto", "udp").counter().count()).isEqualTo(3);
            assertThat(upstream.queries()).isEqualTo(1);
        }
    }

    @Test
    void malformedTcpFrameGetsFormerrAndTheConnectionKeepsWorking() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream);
                Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] bad = HexFormat.of().parseHex("1234010000010000000000000561626300");
            out.writeShort(bad.length);
            out.write(bad);
            byte[] good = DnsTestClient.query("ok.example.", 1).toWire();
            out.writeShort(good.length);
            out.write(good);
            out.flush();
            Message first = new Message(in.readNBytes(in.readUnsignedShort()));
            Message second = new Message(in.readNBytes(in.readUnsignedShort()));
            assertThat(first.getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(second.getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }

    @Test
    void zeroLengthTcpFrameIsDroppedCountedAndTheConnectionKeepsWorking() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream);
                Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] good = DnsTestClient.query("after-empty.example.", 1).toWire();
            out.writeShort(0);
            out.writeShort(good.length);
            out.write(good);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Message answer = new Message(in.readNBytes(in.readUnsignedShort()));
            assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(count(fixture, "kubeforward.dns.malformed")).isEqualTo(1);
        }
    }

    @Test
    void tcpLengthPrefixSmallerThanTheMessageCutsItAndIsAnsweredFormerr() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), TIGHT, upstream);
                Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] query = DnsTestClient.query("cut.example.", 1).toWire();
            out.writeShort(14); // header and two bytes of the name: the rest is read as the next length prefix
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(new Message(in.readNBytes(in.readUnsignedShort())).getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(in.read()).as("the rest never completes a message: closed by the read deadline").isEqualTo(-1);
            assertThat(count(fixture, "kubeforward.dns.malformed")).isEqualTo(1);
            assertThat(count(fixture, "kubeforward.dns.tcp.read.timeouts")).isEqualTo(1);
            assertThat(fixture.client().tcp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }

    /** One byte a second of a valid query: cut off by the read deadline, although the idle timeout never fires. */
    @Test
    void slowlorisTcpClientIsCutOffAfterTheReadTimeout() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(),
                        new ListenerSettings(0, Duration.ofSeconds(30), READ_TIMEOUT, 1000, 64), upstream);
                Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
            byte[] query = DnsTestClient.query("slow.example.", 1).toWire();
            byte[] framed = ByteBuffer.allocate(2 + query.length).putShort((short) query.length).put(query).array();
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            int sent = 0;
            try {
                for (; sent < framed.length && System.nanoTime() - start < 10_000_000_000L; sent++) {
                    out.write(framed[sent]);
                    out.flush();
                    Thread.sleep(300);
                    assertThat(fixture.client().udp("meanwhile.example.").getRcode()).isEqualTo(Rcode.NOERROR);
                }
            } catch (IOException closed) {
                // the server closed the connection and the write noticed
            }
            socket.setSoTimeout(5000);
            assertThat(socket.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isBetween(READ_TIMEOUT, READ_TIMEOUT.plusSeconds(3));
            assertThat(sent).isLessThan(framed.length);
            assertThat(count(fixture, "kubeforward.dns.tcp.read.timeouts")).isEqualTo(1);
            assertThat(fixture.client().tcp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }

    /** Idle connections beyond max-tcp-connections are closed at once and counted; the rest by the idle timeout. */
    @Test
    void idleConnectionsBeyondTheCapAreClosedAndCounted() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), TIGHT, upstream)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < TIGHT.maxTcpConnections() + 3; i++) {
                    Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort());
                    socket.setSoTimeout(10_000);
                    sockets.add(socket);
                }
                await().atMost(Duration.ofSeconds(5)).until(() ->
                        count(fixture, "kubeforward.dns.tcp.connections.rejected") == 3);
                long start = System.nanoTime();
                for (Socket socket : sockets) {
                    assertThat(socket.getInputStream().read()).isEqualTo(-1);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the idle ones went after the idle timeout")
                        .isLessThan(TIGHT.tcpIdleTimeout().plusSeconds(3));
                assertThat(fixture.client().tcp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(fixture.client().udp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void tcpLengthPrefixThatLiesEndsOnlyThatConnection() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            try (Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
                socket.setSoTimeout(15_000);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeShort(500);
                out.write(new byte[20]);
                out.flush();
                socket.shutdownOutput();
                // The frame can never complete: the server closes the connection.
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            } catch (EOFException expected) {
                // closed as well
            }
            assertThat(fixture.client().tcp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }
}
